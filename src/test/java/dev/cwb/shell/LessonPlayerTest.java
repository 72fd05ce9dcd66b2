package dev.cwb.shell;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Json;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lesson player as a learner meets it, typed into the real shell on a terminal: {@code :run} that runs
 * only what is left, {@code !CMD} on the host, progress that agrees with itself, {@code :undo}.
 */
class LessonPlayerTest {
    private static final String XTERM = "xterm-256color";

    @TempDir
    Path home;
    @TempDir
    Path lessons;

    /** Three steps with host lines only, so nothing but /bin/sh is needed; each appends to a log. */
    private static final String LESSON = """
            ---
            id: 1
            title: Appending
            ---
            ## Goal
            Append lines to a log.
            ## Steps
            ### Start the log
            ```sh
            mkdir -p made && echo one >> made/log
            echo two >> made/log
            ```
            check: file-contains {work}/made/log two
            hint: run both lines
            ### A file of its own
            ```sh
            echo three > made/three
            ```
            check: file-exists {work}/made/three
            hint: make it
            ### The last step
            ```sh
            true
            ```
            check: last-exit 0
            hint: run true
            """;

    /** One step whose lines would harm the machine without a permit file: refused, typed or after '!', until it exists. */
    private static final String GUARDED = """
            ---
            id: 2
            title: Guarded
            ---
            ## Goal
            Refuse.
            ## Steps
            ### The attempt
            ```cwb
            images
            ```
            ```sh
            touch made
            ```
            check: file-exists {work}/made
            refuse-unless: file-exists {work}/permit
            refuse-why: without the permit this line would harm the machine
            hint: make the permit first
            """;

    @Test
    void aGuardedStepsLinesTypedAtThePromptAreRefusedUntilTheGuardHolds() throws Exception {
        Files.writeString(lessons.resolve("02-guarded.md"), GUARDED);
        Path work = home.resolve("lessons/work/2");
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> { }, lessons, List.of())) {
            shell.awaitPrompt(1);
            shell.command(":lesson 2");
            String bang = shell.command("!touch made");
            assertTrue(bang.contains("refused: without the permit this line would harm the machine (refuse-unless file-exists "), bang);
            String typed = shell.command("images");
            assertTrue(typed.contains("refused: without the permit"), typed);
            assertFalse(typed.contains("IMAGE"), "images ran: " + typed);
            assertFalse(Files.exists(work.resolve("made")), "a refused line ran");
            Files.createDirectories(work);
            Files.writeString(work.resolve("permit"), "");
            String again = shell.command("!touch made");
            assertFalse(again.contains("refused"), again);
            assertTrue(Files.exists(work.resolve("made")));
        }
    }

    private ShellSession shell() throws Exception {
        Files.writeString(lessons.resolve("01-appending.md"), LESSON);
        ShellSession shell = new ShellSession(home, XTERM, tree -> { }, lessons, List.of());
        shell.awaitPrompt(1);
        return shell;
    }

    private Path work() {
        return home.resolve("lessons/work/1");
    }

    @Test
    void runAfterTheLearnerTypedHalfTheStepRunsOnlyTheRestAndNothingTwice() throws Exception {
        try (ShellSession shell = shell()) {
            shell.command(":lesson 1");
            String typed = shell.command("!mkdir -p made && echo one >> made/log");
            assertFalse(typed.contains("error"), typed);
            String run = shell.command(":run");
            assertTrue(run.contains("(skipped, done already in this step: $ mkdir -p made && echo one >> made/log)"), run);
            assertTrue(run.contains("$ echo two >> made/log"), run);
            assertFalse(run.contains("error"), run);
            assertEquals("one\ntwo\n", Files.readString(work().resolve("made/log")), "each line ran once");
            String again = shell.command(":run");
            assertTrue(again.contains("Nothing left to run: every command of this step is done."), again);
            assertEquals("one\ntwo\n", Files.readString(work().resolve("made/log")), "a second :run appends nothing");
            assertTrue(shell.command(":check").contains("Step 1 done"));
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void aFailingWorkbenchCommandStopsTheRestAndRunDollarRunsOnlyTheHostLines() throws Exception {
        Files.writeString(lessons.resolve("02-failing.md"), """
                ---
                id: 2
                title: Failing
                ---
                ## Goal
                Fail first.
                ## Steps
                ### Fail, then append
                ```cwb
                inspect nosuch
                ```
                ```sh
                grep -c nothing /dev/null
                echo after >> after.log
                ```
                check: file-exists {work}/after.log
                hint: run it
                """);
        try (ShellSession shell = shell()) {
            shell.command(":lesson 2");
            String run = shell.command(":run");
            assertTrue(run.contains("(stopped: that command failed with exit code"), run);
            assertFalse(run.contains("$ grep"), "nothing after the failure ran:\n" + run);
            Path log = home.resolve("lessons/work/2/after.log");
            assertFalse(Files.exists(log));
            String hostOnly = shell.command(":run $");
            assertFalse(hostOnly.contains("inspect nosuch"), hostOnly);
            assertFalse(hostOnly.contains("stopped"), "grep -c exits 1 counting nothing: a host line's exit code is the checks' business:\n" + hostOnly);
            assertEquals("after\n", Files.readString(log));
            String wrong = shell.command(":run x");
            assertTrue(wrong.contains("error: ':run x' is not a choice"), wrong);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void hostCommandsFeedTheStepsChecks() throws Exception {
        try (ShellSession shell = shell()) {
            shell.command(":lesson 1");
            shell.command(":next");
            shell.command(":next");
            String failed = shell.command("!false");
            assertFalse(failed.contains("error"), failed);
            String check = shell.command(":check");
            assertTrue(check.contains("✗ the last command exits with 0"), check);
            assertTrue(check.contains("saw: 'false' exited with 1"), check);
            shell.command("!true");
            assertTrue(shell.command(":check").contains("Step 3 done"), "'!true' passed the step");
            String output = shell.command("!echo $CWB_HOME; pwd");
            assertTrue(output.contains(home.toString() + "\n" + work()), "CWB_HOME is set and it runs in the lesson's directory:\n" + output);
            String unknown = shell.command("ls -l /");
            assertTrue(unknown.contains("error: unknown command 'ls' — 'ls' is a program on the host: type '!ls -l /' to run it there"), unknown);
            assertTrue(shell.command("help").contains("!CMD"), "help says how to run a host command");
            assertTrue(shell.command(":help").contains("!CMD"), ":help says so too");
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void progressIsOneTruth() throws Exception {
        try (ShellSession shell = shell()) {
            shell.command(":lesson 1");
            shell.command(":next");
            shell.command(":next");
            shell.command(":run");
            String check = shell.command(":check");
            assertFalse(check.contains("completes"), "steps 1 and 2 were never checked:\n" + check);
            assertTrue(check.contains("Lesson 1 is not done yet: steps 1 and 2 are not checked"), check);
            String list = shell.command(":lessons");
            assertTrue(list.contains("•  1  Appending  1 of 3 steps checked"), list);
            JsonNode saved = Json.MAPPER.readTree(home.resolve("lessons/progress.json").toFile()).get("1");
            assertEquals("[2]", saved.get("passed").toString());
            assertFalse(saved.get("completed").asBoolean(), "progress.json agrees: not completed");
            assertTrue(shell.command(":next").contains("Lesson 1 is not done yet"));
            shell.command(":back");
            shell.command(":back");
            shell.command(":run");
            assertTrue(shell.command(":check").contains("Step 1 done — ':next' for the next one."));
            shell.command(":next");
            shell.command(":run");
            String last = shell.command(":check");
            assertTrue(last.contains("Step 2 done — that completes lesson 1."), last);
            assertTrue(shell.command(":lessons").contains("✓  1  Appending"), "now it is done");
            assertTrue(Json.MAPPER.readTree(home.resolve("lessons/progress.json").toFile()).get("1").get("completed").asBoolean());
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void undoTakesBackTheStepAndNotTheOnesBefore() throws Exception {
        try (ShellSession shell = shell()) {
            shell.command(":lesson 1");
            shell.command(":run");
            shell.command(":check");
            shell.command(":next");
            shell.command("!echo wrong > made/three; echo extra > made/extra");
            assertTrue(Files.exists(work().resolve("made/extra")));
            String undo = shell.command(":undo");
            assertTrue(undo.contains("removed " + work().resolve("made/extra")), undo);
            assertTrue(undo.contains("Step 2 is back as it was when you came to it."), undo);
            assertFalse(Files.exists(work().resolve("made/three")), "what step 2 made is gone");
            assertFalse(Files.exists(work().resolve("made/extra")));
            assertEquals("one\ntwo\n", Files.readString(work().resolve("made/log")), "step 1's file is still there");
            String run = shell.command(":run");
            assertFalse(run.contains("skipped"), ":run runs the step again after :undo:\n" + run);
            assertEquals("three\n", Files.readString(work().resolve("made/three")));
            assertTrue(shell.command(":undo").contains("removed " + work().resolve("made/three")));
            assertTrue(shell.command(":undo").contains("Nothing to undo: this step has made nothing yet."));
            assertEquals(0, shell.endInput());
        }
    }

    static Path repo() {
        String repo = System.getenv("CWB_TEST_REPO");
        return (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath();
    }

    /**
     * Lesson 6 as the issue found it: the learner typed {@code new} and {@code overlay}, then {@code :run} for
     * the rest of step 1; step 4's append to /etc/passwd through {@code :run} twice; then {@code :undo} of step 4,
     * which makes box6 again as steps 1–3 left it.
     */
    @Test
    void lessonSixRunsWhatIsLeftAndUndoesOneStep() throws Exception {
        Requirements.requireRoot();
        Requirements.requireCommand("busybox", "busybox-static");
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> { }, repo().resolve("lessons"), List.of())) {
            shell.awaitPrompt(1);
            assertTrue(shell.command("samples build --recipes " + repo().resolve("sample-images")).contains("busybox"));
            shell.command(":lesson 6");
            assertFalse(shell.command("new box6 from busybox").contains("error"));
            assertFalse(shell.command("overlay").contains("error"));
            String run = shell.command(":run");
            assertTrue(run.contains("(skipped, done already in this step: cwb> new box6 from busybox)"), run);
            assertTrue(run.contains("(skipped, done already in this step: cwb> overlay)"), run);
            assertFalse(run.contains("error"), run);
            assertFalse(run.replace("done already in this step", "").contains("already"), "no command ran twice:\n" + run);
            assertTrue(shell.command(":check").contains("Step 1 done"));
            shell.command(":next");
            shell.command(":next");
            shell.command(":run");
            assertTrue(shell.command(":check").contains("Step 3 done"));
            shell.command(":next");
            shell.command(":run");
            String twice = shell.command(":run");
            assertTrue(twice.contains("(skipped, done already in this step: cwb> exec sh -c"), twice);
            Path upper = home.resolve("run/containers/box6/upper");
            assertEquals(1, guests(upper), "the line was appended once");
            String undo = shell.command(":undo");
            assertTrue(undo.contains("made box6 again as steps 1–3 left it"), undo);
            assertFalse(undo.contains("failed"), undo);
            assertFalse(Files.exists(upper.resolve("etc/passwd")), "step 4's copy-up is gone");
            assertTrue(Files.exists(upper.resolve("hello.txt")), "step 3's file is back");
            String check = shell.command(":check");
            assertTrue(check.contains("✗"), "step 4's checks fail again:\n" + check);
            shell.command(":run");
            assertEquals(1, guests(upper));
            assertTrue(shell.command(":check").contains("Step 4 done"));
            shell.command(":next");
            shell.command(":run");
            String six = shell.command(":next");
            assertTrue(six.contains("({upper:web6}: filled in once it exists"), "web6 is made in this very step:\n" + six);
            assertTrue(six.contains(upper.toString()), "{upper:box6} is filled in:\n" + six);
            String made = shell.command("new web6 from busybox");
            assertTrue(made.contains("({upper:web6} is " + home.resolve("run/containers/web6/upper") + ")"), made);
            String asked = shell.command(":demo 6 0\nn");
            assertTrue(asked.contains("that removes containers box6, web6 of this session. Go on? [y/N] n"), asked);
            assertTrue(asked.contains("Demo not started: nothing was removed."), asked);
            assertTrue(Files.exists(upper.resolve("hello.txt")), "box6 is untouched");
            assertEquals(0, shell.endInput());
        }
        assertFalse(Files.exists(home.resolve("run/containers/box6")), "leaving the shell took box6 down");
    }

    private static long guests(Path upper) throws java.io.IOException {
        return Files.readAllLines(upper.resolve("etc/passwd")).stream().filter(l -> l.startsWith("guest:")).count();
    }

    /** {@code cwb --demo 3} twice in a row: the second starts from a clean state, with no error and nothing "already" done. */
    @Test
    void demoThreeTwiceInARowShowsNoError() throws Exception {
        Requirements.requireCommand("busybox", "busybox-static");
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> { }, repo().resolve("lessons"), List.of())) {
            shell.awaitPrompt(1);
            shell.command("samples build --recipes " + repo().resolve("sample-images"));
            String keys = "\r".repeat(1 + 2 * 7 + 1); // seven steps of one command each; the challenge waits for a key before its solution
            shell.type(":demo 3 0\n" + keys);
            shell.awaitScreen("End of lesson 3", 1);
            int second = shell.screen().length();
            shell.type(":demo 3 0\n" + keys);
            shell.awaitScreen("End of lesson 3", 2);
            String again = shell.screen().substring(second);
            assertTrue(again.replace("\n", " ").contains("(lesson 3 reset for the demo: removed layer"), again);
            for (String bad : List.of("error", "✗", "not empty")) {
                assertFalse(again.contains(bad), "the second demo shows '" + bad + "':\n" + again);
            }
            String stepOne = again.substring(again.indexOf("step 1/7"), again.indexOf("step 2/7"));
            assertFalse(stepOne.contains("already unpacked"), "step 1 unpacks busybox afresh:\n" + stepOne);
            assertTrue(again.split("✓ ", -1).length - 1 >= 7, "every step's checks passed:\n" + again);
            assertTrue(again.contains("(a challenge: the next key types its solution)"), again);
            assertEquals(0, shell.endInput());
        }
    }

    /** A challenge in the real shell: nothing to :run, hints one at a time, the solution after a y (and not after an n). */
    @Test
    void aChallengeOffersHintsOneAtATimeAndItsSolutionAfterAYes() throws Exception {
        Files.writeString(lessons.resolve("01-challenge.md"), """
                ---
                id: 1
                title: A challenge
                ---
                ## Goal
                Decide.
                ## Steps
                ### Challenge: a file called made
                Make a file called made in the lesson's directory.
                check: file-exists {work}/made
                hint: A file is made on the host.
                hint: `!touch made`
                solution:
                ```sh
                touch made
                ```
                wrong: the file made under another name
                ```sh
                touch other
                ```
                """);
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> { }, lessons, List.of())) {
            shell.awaitPrompt(1);
            String start = shell.command(":lesson 1");
            assertTrue(start.contains("A challenge: no commands are given"), start);
            assertFalse(start.contains("touch made"), start);
            assertTrue(shell.command(":run").contains("is a challenge: there is nothing to ':run'"));
            String hint = shell.command(":hint");
            assertTrue(hint.contains("Hint 1/2: A file is made on the host.") && !hint.contains("!touch made"), hint);
            String second = shell.command(":hint");
            assertTrue(second.contains("Hint 2/2: ") && second.contains("!touch made"), second);
            shell.type(":solution\n");
            shell.awaitScreen("[y/N] ", 1);
            shell.type("n");
            String no = shell.awaitScreen("':solution' asks again.", 1);
            assertFalse(no.substring(no.indexOf("[y/N] ")).contains("$ touch made"), no);
            shell.command("");
            shell.type(":solution\n");
            shell.awaitScreen("[y/N] ", 2);
            shell.type("y");
            String yes = shell.awaitScreen("    $ touch made", 1);
            assertTrue(yes.contains("Solution of step 1: Challenge: a file called made"), yes);
            shell.command("");
            shell.command("!touch made");
            assertTrue(shell.command(":check").contains("Step 1 done"));
            String progress = Files.readString(home.resolve("lessons/progress.json"));
            assertTrue(progress.replaceAll("\\s", "").contains("\"solutions\":[0]"), progress);
            assertTrue(shell.command(":help").contains(":solution"), ":help names it");
            assertEquals(0, shell.endInput());
        }
    }
}
