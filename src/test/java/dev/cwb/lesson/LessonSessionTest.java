package dev.cwb.lesson;

import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.lesson.check.CheckVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the shell asks the lesson session about a typed line, and the steps it refuses to run. */
class LessonSessionTest {
    @TempDir
    Path tmp;

    @Test
    void aTypedLineIsAStepCommandWhenItIsOneOfTheCurrentStepsWorkbenchLines() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("lessons"));
        Files.writeString(dir.resolve("01-one.md"), """
                ---
                id: 1
                title: One
                ---
                ## Goal
                Test.
                ## Steps
                ### Run two things
                ```cwb
                exec sh -c 'echo "a b"'
                unpack --flat busybox {work}/rootfs
                ```
                ```sh
                ls {work}
                ```
                check: last-exit 0
                hint: type them
                """);
        Workbench workbench = new Workbench(new WorkbenchHome(tmp.resolve("home")), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()));
        LessonSession session = new LessonSession(workbench, () -> LessonLibrary.open(dir, CheckVocabulary.standard()));
        assertFalse(session.isStepCommand("exec sh -c 'echo \"a b\"'"), "no lesson started yet");
        session.start(1, new PrintWriter(new StringWriter()));
        assertTrue(session.isStepCommand("exec sh -c 'echo \"a b\"'"));
        assertTrue(session.isStepCommand("exec  sh  -c  \"echo \\\"a b\\\"\""), "the same words, quoted otherwise");
        assertTrue(session.isStepCommand("unpack --flat busybox " + tmp.resolve("home/lessons/work/1/rootfs")), "with {work} filled in");
        assertFalse(session.isStepCommand("exec sh"));
        assertFalse(session.isStepCommand("ls " + tmp.resolve("home/lessons/work/1")), "a host line is not typed at the cwb> prompt");
        assertFalse(session.isStepCommand("exec sh -c 'unclosed"));
    }

    private static final String GUARDED = """
            ---
            id: 2
            title: Guarded
            ---
            ## Goal
            Test.
            ## Steps
            ### Permit
            ```sh
            touch permit
            ```
            check: file-exists {work}/permit
            hint: touch it
            ### The attempt
            ```sh
            touch made
            ```
            ```cwb
            images
            ```
            check: file-exists {work}/made
            refuse-unless: file-exists {work}/permit
            refuse-why: without the permit this line would harm the machine
            hint: make the permit first
            """;

    private Workbench workbench() {
        return new Workbench(new WorkbenchHome(tmp.resolve("home")), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    private LessonLibrary library(String text) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("guarded"));
        Files.writeString(dir.resolve("02-guarded.md"), text);
        return LessonLibrary.open(dir, CheckVocabulary.standard());
    }

    @Test
    void aGuardedStepIsRefusedByTheVerifierUntilItsGuardHolds() throws Exception {
        Workbench workbench = workbench();
        Lesson without = library(GUARDED.replace("touch permit\n", "true\n").replace("check: file-exists {work}/permit\n", "check: last-exit 0\n"))
                .all().get(0);
        StringWriter text = new StringWriter();
        LessonVerifier.Outcome refused;
        try (LessonVerifier verifier = new LessonVerifier(workbench, CheckVocabulary.standard(), new PrintWriter(text, true), false)) {
            refused = verifier.verify(without);
        }
        assertFalse(refused.passed(), text.toString());
        assertEquals(2, refused.failedStep(), text.toString());
        assertTrue(text.toString().contains("refused: without the permit this line would harm the machine (refuse-unless file-exists "),
                text.toString());
        Path work = new LessonWorkspace(workbench).work(without);
        assertFalse(Files.exists(work.resolve("made")), "the refused line ran");

        Lesson with = library(GUARDED).all().get(0);
        StringWriter played = new StringWriter();
        try (LessonVerifier verifier = new LessonVerifier(workbench, CheckVocabulary.standard(), new PrintWriter(played, true), false)) {
            assertTrue(verifier.verify(with).passed(), played.toString());
        }
        assertTrue(Files.exists(work.resolve("made")));
    }

    @Test
    void theSessionRefusesAGuardedStepTypedRunOrAfterABang() throws Exception {
        Workbench workbench = workbench();
        LessonLibrary library = library(GUARDED);
        LessonSession session = new LessonSession(workbench, () -> library);
        session.start(2, new PrintWriter(new StringWriter()));
        session.next(new PrintWriter(new StringWriter()));
        Path work = new LessonWorkspace(workbench).work(library.all().get(0));
        StringWriter ran = new StringWriter();
        session.run(new PrintWriter(ran, true));
        assertTrue(ran.toString().contains("refused: without the permit this line would harm the machine"), ran.toString());
        StringWriter bang = new StringWriter();
        assertEquals(1, session.host("touch made", new PrintWriter(bang, true)));
        assertTrue(bang.toString().startsWith("refused: "), bang.toString());
        assertTrue(session.refusal("images").orElseThrow().startsWith("refused: without the permit"));
        assertEquals(java.util.Optional.empty(), session.refusal("history busybox"), "not a command of the step");
        assertFalse(Files.exists(work.resolve("made")), "a refused line ran");
        Files.createDirectories(work);
        Files.writeString(work.resolve("permit"), "");
        assertEquals(java.util.Optional.empty(), session.refusal("images"));
        assertEquals(0, session.host("touch made", new PrintWriter(new StringWriter(), true)));
        assertTrue(Files.exists(work.resolve("made")));
    }
}
