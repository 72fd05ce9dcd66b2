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

    private static final String CHALLENGE = """
            ---
            id: 1
            title: One
            ---
            ## Goal
            Test.
            ## Steps
            ### Look
            ```sh
            true
            ```
            check: last-exit 0
            hint: type it
            ### Challenge: a file called made
            Make a file called made in the lesson's directory, holding the word yes.
            check: file-exists {work}/made
            check: file-contains {work}/made yes
            hint: Files are made by the shell, after a '!'.
            hint: echo can write into a file.
            hint: `!echo yes > made`
            solution:
            The lesson's directory is the current directory of a '!' command.
            ```sh
            echo yes > made
            ```
            wrong: an empty file
            ```sh
            touch made
            ```
            """;

    /** A challenge as a learner meets it: no command shown, no :run, hints one tier at a time, the solution after a yes. */
    @Test
    void aChallengeHidesItsSolutionGivesHintsOneAtATimeAndRecordsASolutionShown() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("lessons"));
        Files.writeString(dir.resolve("01-one.md"), CHALLENGE);
        Workbench workbench = new Workbench(new WorkbenchHome(tmp.resolve("home")), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()));
        LessonSession session = new LessonSession(workbench, () -> LessonLibrary.open(dir, CheckVocabulary.standard()));
        java.util.List<String> events = new java.util.ArrayList<>();
        session.setListener((lesson, passed, current, failed, hints, solutions) ->
                events.add("at " + current + " passed " + passed + " failed " + failed + " hints " + hints + " solutions " + solutions));
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out, true);
        session.start(1, w);
        out.getBuffer().setLength(0);
        session.next(w);
        String shown = out.toString();
        assertTrue(shown.contains("Step 2/2: Challenge: a file called made"), shown);
        assertTrue(shown.contains("A challenge: no commands are given"), shown);
        assertFalse(shown.contains("echo yes"), "the solution is not shown: " + shown);
        assertFalse(shown.contains("':run' runs"), shown);

        out.getBuffer().setLength(0);
        session.run(w);
        assertTrue(out.toString().contains("is a challenge: there is nothing to ':run'"), out.toString());
        assertFalse(Files.exists(tmp.resolve("home/lessons/work/1/made")), ":run ran nothing");

        out.getBuffer().setLength(0);
        assertFalse(session.check(w));
        assertTrue(out.toString().contains("✗ " + tmp.resolve("home/lessons/work/1/made") + " exists"), out.toString());
        assertTrue(out.toString().contains("saw: no file "), out.toString());
        assertTrue(out.toString().contains("Not yet: 2 of 2 checks failed (✗ above, with what the workbench saw). ':hint' for a hint (1/3)."), out.toString());
        assertFalse(out.toString().contains("echo can write"), "a failed check shows no hint: " + out);

        session.host("touch made", w); // the plausible mistake: a file, but empty
        out.getBuffer().setLength(0);
        assertFalse(session.check(w));
        assertTrue(out.toString().contains("✓ " + tmp.resolve("home/lessons/work/1/made") + " exists"), out.toString());
        assertTrue(out.toString().contains("Not yet: 1 of 2 checks failed"), out.toString());

        for (String expected : new String[] {"Hint 1/3: Files are made by the shell", "Hint 2/3: echo can write", "Hint 3/3: `!echo yes > made`",
                "Hint 3/3: `!echo yes > made`"}) {
            out.getBuffer().setLength(0);
            session.hint(w);
            assertTrue(out.toString().startsWith(expected), out.toString());
            assertFalse(out.toString().contains("Hint 2/3") && expected.startsWith("Hint 1/3"), "one tier at a time: " + out);
        }
        assertTrue(out.toString().contains("':solution' shows a solution"), out.toString());
        ProgressStore progress = ProgressStore.open(tmp.resolve("home/lessons/progress.json"));
        assertEquals(3, progress.get(1).hintsUsed(1), "three tiers used, however often the last was shown");

        out.getBuffer().setLength(0);
        java.util.List<String> asked = new java.util.ArrayList<>();
        session.solution(w, question -> asked.add(question) && false);
        assertEquals(1, asked.size());
        assertTrue(asked.get(0).contains("records it as \"solution shown\""), asked.get(0));
        assertTrue(out.toString().startsWith("Not shown."), out.toString());
        assertFalse(out.toString().contains("echo yes"), out.toString());
        assertTrue(ProgressStore.open(tmp.resolve("home/lessons/progress.json")).get(1).solutions().isEmpty());

        out.getBuffer().setLength(0);
        session.solution(w, question -> true);
        assertTrue(out.toString().contains("The lesson's directory is the current directory"), out.toString());
        assertTrue(out.toString().contains("    $ echo yes > made"), out.toString());
        assertEquals(java.util.Set.of(1), ProgressStore.open(tmp.resolve("home/lessons/progress.json")).get(1).solutions());
        assertTrue(events.get(events.size() - 1).endsWith("hints {1=3} solutions [1]"), events.toString());

        session.host("echo yes > made", w);
        assertTrue(session.check(w), out.toString());
        assertTrue(events.get(events.size() - 1).startsWith("at 1 passed [1]"), events.toString());

        // a second :solution does not ask again; an ordinary step has none to show
        out.getBuffer().setLength(0);
        session.solution(w, question -> { throw new AssertionError("asked again"); });
        assertTrue(out.toString().contains("echo yes > made"), out.toString());
        session.back(w);
        out.getBuffer().setLength(0);
        session.solution(w, question -> true);
        assertTrue(out.toString().startsWith("Step 1 is no challenge"), out.toString());
    }
}
