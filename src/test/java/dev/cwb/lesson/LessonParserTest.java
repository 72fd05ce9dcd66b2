package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.lesson.check.CheckVocabulary;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LessonParserTest {
    private static final Path FILE = Path.of("lessons/07-test.md");
    private static final String GOOD = """
            ---
            id: 7
            title: A test lesson
            needs: none
            images: busybox, hello
            creates-images: mine
            ---
            # A test lesson
            ## Goal
            Learn a thing.
            > instructor: say hello
            ## Steps
            ### 1. First
            Some text.
            ```cwb
            unpack --flat busybox {work}/rootfs
            ```
            ```sh
            ls {work}/rootfs   # a comment is part of the command for sh
            ```
            ```json
            {"not": "a command"}
            ```
            check: file-exists {work}/rootfs/bin/busybox
            check: output-contains the whole rest is text
            hint: Look at the path.
            requires: skopeo
            > instructor: point at it
            > and continue here
            ### Second
            check: image-present busybox
            hint: h
            ## Exercises
            - one
            """;

    private Lesson parse(String text) {
        return new LessonParser(CheckVocabulary.standard()).parse(FILE, text);
    }

    private String error(String text) {
        return assertThrows(CwbException.class, () -> parse(text)).getMessage();
    }

    @Test
    void readsTheStructuredParts() {
        Lesson lesson = parse(GOOD);
        assertEquals(7, lesson.number());
        assertEquals("A test lesson", lesson.title());
        assertEquals(List.of("busybox", "hello"), lesson.images());
        assertEquals(List.of("mine"), lesson.createsImages());
        assertEquals(List.of("say hello"), lesson.notes());
        assertEquals(2, lesson.stepCount());
        Step first = lesson.step(0);
        assertEquals("First", first.title());
        assertEquals(List.of(new StepCommand(StepCommand.Kind.WORKBENCH, "unpack --flat busybox {work}/rootfs"),
                new StepCommand(StepCommand.Kind.HOST, "ls {work}/rootfs   # a comment is part of the command for sh")), first.commands());
        assertEquals(List.of("file-exists", "output-contains"), first.checks().stream().map(Step.CheckLine::name).toList());
        assertEquals(24, first.checks().get(0).line());
        assertEquals(List.of("the", "whole", "rest", "is", "text"), first.checks().get(1).args());
        assertEquals("Look at the path.", first.hint());
        assertEquals(List.of("skopeo"), first.requires());
        assertEquals(List.of("point at it and continue here"), first.notes());
        assertTrue(first.text().contains("{\"not\": \"a command\"}"));
        assertEquals("- one", lesson.exercises());
    }

    @Test
    void misspeltCheckNamesFileLineAndTheClosestCheck() {
        String message = error(GOOD.replace("check: image-present busybox", "check: image-presnt busybox"));
        assertTrue(message.startsWith("lessons/07-test.md line 31: unknown check 'image-presnt' — did you mean 'image-present'?"), message);
    }

    @Test
    void wrongArgumentCountShowsTheUsage() {
        String message = error(GOOD.replace("check: image-present busybox", "check: layer-count busybox"));
        assertTrue(message.contains("line 31: check 'layer-count' takes 2 arguments, found 1 — usage: layer-count IMAGE N"), message);
    }

    @Test
    void unclosedFenceNamesItsOpeningLine() {
        String message = error(GOOD.replace("```json\n{\"not\": \"a command\"}\n```\n", "```cwb\nimages\n"));
        assertTrue(message.contains("line 21: this ``` block is never closed"), message);
    }

    @Test
    void stepWithoutCheckIsRefused() {
        String message = error(GOOD.replace("check: image-present busybox\n", ""));
        assertTrue(message.contains("line 30: step 'Second' has no 'check:' line"), message);
    }

    @Test
    void aGuardIsACheckWithTheReasonBesideIt() {
        Lesson guarded = parse(GOOD.replace("check: image-present busybox\n", "check: image-present busybox\n"
                + "refuse-unless: namespace-own box uts\nrefuse-why: box would rename\nrefuse-why: this machine\n"));
        Step second = guarded.step(1);
        assertEquals(1, second.guards().size());
        assertEquals("namespace-own box uts", second.guards().get(0).source());
        assertEquals("box would rename this machine", second.refuseWhy());
        assertEquals(List.of(), guarded.step(0).guards());
        String noWhy = error(GOOD.replace("check: image-present busybox\n", "check: image-present busybox\nrefuse-unless: namespace-own box uts\n"));
        assertTrue(noWhy.contains("line 32: 'refuse-unless:' without a 'refuse-why:' line"), noWhy);
        String misspelt = error(GOOD.replace("check: image-present busybox\n", "check: image-present busybox\nrefuse-unless: namespace-owm box uts\nrefuse-why: w\n"));
        assertTrue(misspelt.contains("line 32: unknown check 'namespace-owm'"), misspelt);
        String whyAlone = error(GOOD.replace("check: image-present busybox\n", "check: image-present busybox\nrefuse-why: w\n"));
        assertTrue(whyAlone.contains("step 'Second' has a 'refuse-why:' line but no 'refuse-unless:' check"), whyAlone);
    }

    @Test
    void misspeltPlaceholderIsRefused() {
        String message = error(GOOD.replace("{work}/rootfs/bin", "{wrok}/rootfs/bin"));
        assertTrue(message.contains("line 24: unknown placeholder '{wrok}'"), message);
    }

    @Test
    void frontMatterMistakes() {
        assertTrue(error("# no front matter\n").contains("07-test.md line 1: a lesson starts with front matter"));
        assertTrue(error(GOOD.replace("needs: none", "needs: sudo")).contains("'needs: sudo'"));
        assertTrue(error(GOOD.replace("needs: none", "level: 3")).contains("line 4: unknown front matter line 'level: 3'"));
        assertTrue(error(GOOD.replace("id: 7", "id: seven")).contains("'id: seven' is not a lesson number"));
        assertTrue(error("---\nid: 1\ntitle: x\n").contains("the front matter is not closed"));
    }

    @Test
    void containersAreNamedInTheFrontMatterAndChecked() {
        Lesson lesson = parse(GOOD.replace("needs: none", "needs: root\ncontainers: box7, web7   # :reset removes them"));
        assertEquals(List.of("box7", "web7"), lesson.containers());
        assertEquals(List.of(), parse(GOOD).containers());
        String message = error(GOOD.replace("needs: none", "containers: box7 -bad"));
        assertTrue(message.contains("'containers: box7 -bad' — not a container name: '-bad'"), message);
    }

    @Test
    void unknownSectionListsTheKnownOnes() {
        String message = error(GOOD.replace("## Exercises", "## Homework"));
        assertTrue(message.contains("line 33: unknown section '## Homework' — the sections are: ## Goal, ## Concept, ## Steps"), message);
    }

    @Test
    void theWorkedExampleInTheTeachersGuideIsAValidLesson() throws Exception {
        String guide = java.nio.file.Files.readString(LessonsVerifyTest.repo().resolve("docs/teachers.md"));
        int start = guide.indexOf("````markdown\n") + "````markdown\n".length();
        String example = guide.substring(start, guide.indexOf("\n````\n", start) + 1);
        Lesson lesson = parse(example);
        assertEquals(13, lesson.number());
        assertEquals(List.of("copy-of-busybox"), lesson.createsImages());
        assertEquals(2, lesson.stepCount());
        assertEquals(List.of("Only shown in demo mode. Ask the room first."), lesson.notes());
    }

    @Test
    void theShippedLessonsAllParse() {
        LessonLibrary library = LessonLibrary.open(LessonsVerifyTest.repo().resolve("lessons"), CheckVocabulary.standard());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13), library.all().stream().map(Lesson::number).toList());
    }
}
