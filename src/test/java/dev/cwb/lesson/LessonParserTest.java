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

    private static final String CHALLENGE = """
            ---
            id: 8
            title: A lesson with a challenge
            needs: root
            containers: box8
            ---
            ## Goal
            Learn a thing.
            ## Steps
            ### 1. Make it
            ```cwb
            new box8 from busybox
            ```
            check: container-exists box8
            hint: new box8 from busybox
            ### 2. Challenge: a host name of its own
            Give box8 the host name box8 without renaming the host.
            check: namespace-own box8 uts
            check: container-hostname box8 box8
            hint: Which namespace holds the host name?
            hint: `unshare` it first.
            hint: `unshare uts`, then `hostname box8`.
            solution:
            The name lives in the UTS namespace.
            ```cwb
            unshare uts
            hostname box8
            ```
            wrong: the host name set before unshare uts
            ```cwb
            hostname box8
            unshare uts
            ```
            wrong: a namespace, no name
            ```cwb
            unshare uts
            ```
            ## Exercises
            - one
            """;

    @Test
    void aChallengeHidesItsSolutionAndKeepsItsWrongSolutions() {
        Lesson lesson = parse(CHALLENGE);
        Step ordinary = lesson.step(0);
        assertEquals(false, ordinary.isChallenge());
        assertEquals(ordinary.commands(), ordinary.played());
        Step challenge = lesson.step(1);
        assertTrue(challenge.isChallenge());
        assertEquals("Challenge: a host name of its own", challenge.title());
        assertEquals(List.of(), challenge.commands(), "a challenge shows no commands");
        assertEquals(List.of(new StepCommand(StepCommand.Kind.WORKBENCH, "unshare uts"), new StepCommand(StepCommand.Kind.WORKBENCH, "hostname box8")),
                challenge.played());
        assertEquals("Give box8 the host name box8 without renaming the host.", challenge.text(), "the solution is not in the text a learner sees");
        assertEquals("The name lives in the UTS namespace.", challenge.challenge().explanation());
        assertEquals(List.of("Which namespace holds the host name?", "`unshare` it first.", "`unshare uts`, then `hostname box8`."), challenge.hints());
        assertEquals(2, challenge.challenge().wrongs().size());
        Step.Wrong first = challenge.challenge().wrongs().get(0);
        assertEquals("the host name set before unshare uts", first.why());
        assertEquals(29, first.line());
        assertEquals(List.of(new StepCommand(StepCommand.Kind.WORKBENCH, "hostname box8"), new StepCommand(StepCommand.Kind.WORKBENCH, "unshare uts")),
                first.commands());
        assertEquals(List.of(new StepCommand(StepCommand.Kind.WORKBENCH, "unshare uts")), challenge.challenge().wrongs().get(1).commands());
    }

    @Test
    void aChallengeWithoutSolutionOrCheckOrWrongSolutionIsRefusedWithFileAndLine() {
        String noSolution = CHALLENGE.substring(0, CHALLENGE.indexOf("solution:\n")) + CHALLENGE.substring(CHALLENGE.indexOf("wrong: the host"));
        String message = error(noSolution);
        assertTrue(message.startsWith("lessons/07-test.md line 16: challenge 'Challenge: a host name of its own' has no solution — add a line 'solution:'"),
                message);
        message = error(CHALLENGE.replace("""
                ```cwb
                unshare uts
                hostname box8
                ```
                wrong""", "wrong"));
        assertTrue(message.startsWith("lessons/07-test.md line 23: challenge 'Challenge: a host name of its own' has no solution"), message);
        message = error(CHALLENGE.replace("check: namespace-own box8 uts\ncheck: container-hostname box8 box8\n", ""));
        assertTrue(message.startsWith("lessons/07-test.md line 16: challenge 'Challenge: a host name of its own' has no 'check:' line"), message);
        message = error(CHALLENGE.substring(0, CHALLENGE.indexOf("wrong: the host")) + "## Exercises\n- one\n");
        assertTrue(message.startsWith("lessons/07-test.md line 16: challenge 'Challenge: a host name of its own' has no 'wrong:' block"), message);
        message = error(CHALLENGE.replace("wrong: a namespace, no name\n```cwb\nunshare uts\n```\n", "wrong: a namespace, no name\n"));
        assertTrue(message.startsWith("lessons/07-test.md line 34: 'wrong: a namespace, no name' has no ```cwb or ```sh block"), message);
    }

    @Test
    void aChallengeShowsNoCommandsAndOnlyAChallengeHasASolution() {
        String message = error(CHALLENGE.replace("Give box8 the host name box8 without renaming the host.\n",
                "Give box8 a host name.\n```cwb\nunshare uts\n```\n"));
        assertTrue(message.startsWith("lessons/07-test.md line 18: challenge 'Challenge: a host name of its own' shows a ```cwb block"), message);
        message = error(CHALLENGE.replace("### 2. Challenge: a host name of its own", "### 2. A host name of its own"));
        assertTrue(message.startsWith("lessons/07-test.md line 23: 'solution:' in step 'A host name of its own', which is no challenge"), message);
        message = error(CHALLENGE.replace("wrong: a namespace, no name", "solution:"));
        assertTrue(message.contains("line 34: a second 'solution:' in challenge"), message);
        message = error(CHALLENGE.replace("wrong: a namespace, no name", "wrong:"));
        assertTrue(message.contains("line 34: 'wrong:' with nothing after it"), message);
    }

    @Test
    void eachHintLineIsATier() {
        assertEquals(List.of("Look at the path."), parse(GOOD).step(0).hints());
        assertEquals(List.of("one", "two"), parse(GOOD.replace("hint: h\n", "hint: one\nhint: two\n")).step(1).hints());
        assertTrue(error(GOOD.replace("hint: h\n", "hint:\n")).contains("line 32: 'hint:' with nothing after it"));
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
    void theChallengeInTheTeachersGuideIsAValidStep() throws Exception {
        String guide = java.nio.file.Files.readString(LessonsVerifyTest.repo().resolve("docs/teachers.md"));
        int start = guide.indexOf("````markdown\n### 9. Challenge") + "````markdown\n".length();
        String example = guide.substring(start, guide.indexOf("\n````\n", start) + 1);
        Lesson lesson = parse("---\nid: 8\ntitle: x\nneeds: root\ncontainers: box8c\n---\n## Goal\nx\n## Steps\n" + example);
        Step step = lesson.step(0);
        assertTrue(step.isChallenge());
        assertEquals(3, step.hints().size());
        assertEquals(3, step.played().size());
        assertEquals(2, step.challenge().wrongs().size());
    }

    @Test
    void theShippedLessonsAllParse() {
        LessonLibrary library = LessonLibrary.open(LessonsVerifyTest.repo().resolve("lessons"), CheckVocabulary.standard());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), library.all().stream().map(Lesson::number).toList());
    }
}
