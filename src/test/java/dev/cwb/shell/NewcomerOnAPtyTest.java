package dev.cwb.shell;

import dev.cwb.testing.Pty;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17's walk through the lesson player as a newcomer, on a real pseudo-terminal of 80 columns (as in
 * tmux beside a projector), the workbench started as its own process: lesson text rendered to the width,
 * {@code :run} after half the step typed, {@code !true}/{@code !false} feeding the checks, {@code :undo} of
 * one step, {@code cat h<Tab>} completing image names, and {@code cwb --demo 3} twice in a row.
 */
class NewcomerOnAPtyTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int COLUMNS = 80;

    @TempDir
    Path home;
    @TempDir
    Path lessons;

    private static final String LESSON = """
            ---
            id: 1
            title: Appending
            ---
            ## Goal
            Append lines to a log. This sentence is **long enough** to be wrapped at the width of the terminal, *not* \
            past it, because a projector has only so many columns and every one of them counts for the room.

            | what | where it is kept, for the rest of this lesson and the ones after it |
            |---|---|
            | the log | made/log, in the lesson's own directory |

            ## Steps
            ### Start the log
            Type the **first** line yourself, then let `:run` do the rest.
            ```sh
            mkdir -p made && echo one >> made/log
            echo two >> made/log
            ```
            check: file-contains {work}/made/log two
            hint: run both lines
            ### A host command
            ```sh
            true
            ```
            check: last-exit 0
            hint: run true
            ### A file of its own
            ```sh
            echo three > made/three
            ```
            check: file-exists {work}/made/three
            hint: make it
            """;

    private Pty shell(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cwb.Main"));
        java.addAll(List.of(args));
        java.util.HashMap<String, String> all = new java.util.HashMap<>(env);
        all.put("CWB_HOME", home.toString());
        return Pty.start(java, all, null, COLUMNS, 40);
    }

    private static Path repo() {
        String repo = System.getenv("CWB_TEST_REPO");
        return (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath();
    }

    /** Types {@code line} and Enter, waits for the prompt after it; returns what the line printed. */
    private static String command(Pty pty, String line, String prompt) throws InterruptedException {
        int before = pty.count(prompt);
        int from = pty.screen().length();
        pty.type(line + "\n");
        String screen = pty.awaitScreen(prompt, before + 1, BOUND);
        return screen.substring(Math.min(from, screen.length()));
    }

    private Path work() {
        return home.resolve("lessons/work/1");
    }

    @Test
    void theLessonPlayerAsANewcomerMeetsIt() throws Exception {
        Files.writeString(lessons.resolve("01-appending.md"), LESSON);
        try (Pty pty = shell(Map.of("CWB_LESSONS", lessons.toString()))) {
            pty.awaitScreen("cwb> ", 1, BOUND);
            String shown = command(pty, ":lesson 1", "]> ");
            assertTrue(shown.contains("long enough"), shown);
            assertFalse(shown.contains("**"), "emphasis is rendered, not printed:\n" + shown);
            assertFalse(shown.contains("*not*"), shown);
            assertFalse(shown.contains("|---"), "the table is drawn, not its Markdown:\n" + shown);
            for (String line : shown.split("\n")) {
                assertTrue(line.codePointCount(0, line.length()) <= COLUMNS, "a line past " + COLUMNS + " columns: '" + line + "'\n" + shown);
            }
            assertTrue(pty.rawScreen().contains("\u001b[1mlong enough"), "strong is bold on a terminal");

            // item 1: the learner types the first line, then :run runs only the rest
            String typed = command(pty, "!mkdir -p made && echo one >> made/log", "]> ");
            assertFalse(typed.contains("error"), typed);
            String run = command(pty, ":run", "]> ");
            assertTrue(run.contains("(skipped, done already in this step: $ mkdir -p made && echo one >> made/log)"), run);
            assertFalse(run.contains("error"), run);
            assertEquals("one\ntwo\n", Files.readString(work().resolve("made/log")), "each line ran once");
            assertTrue(command(pty, ":run", "]> ").contains("Nothing left to run"));
            assertEquals("one\ntwo\n", Files.readString(work().resolve("made/log")));
            assertTrue(command(pty, ":check", "]> ").contains("Step 1 done"));

            // item 2: host commands feed the checks
            command(pty, ":next", "]> ");
            command(pty, "!false", "]> ");
            String failed = command(pty, ":check", "]> ");
            assertTrue(failed.contains("saw: 'false' exited with 1"), failed);
            command(pty, "!true", "]> ");
            assertTrue(command(pty, ":check", "]> ").contains("Step 2 done"));

            // item 5: :undo takes back this step's own effects only
            command(pty, ":next", "]> ");
            command(pty, "!echo wrong > made/three; echo extra > made/extra", "]> ");
            String undo = command(pty, ":undo", "]> ");
            assertTrue(undo.contains("Step 3 is back as it was when you came to it."), undo);
            assertFalse(Files.exists(work().resolve("made/three")));
            assertFalse(Files.exists(work().resolve("made/extra")));
            assertEquals("one\ntwo\n", Files.readString(work().resolve("made/log")), "step 1's file is untouched");

            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
    }

    @Test
    void catCompletesImageNamesAndDemoThreeTwiceShowsNoError() throws Exception {
        Requirements.requireCommand("busybox", "busybox-static");
        Map<String, String> env = Map.of("CWB_LESSONS", repo().resolve("lessons").toString());
        try (Pty pty = shell(env)) {
            pty.awaitScreen("cwb> ", 1, BOUND);
            command(pty, "samples build --recipes " + repo().resolve("sample-images"), "cwb> ");
            int from = pty.screen().length();
            pty.type("cat h\t");
            String screen = pty.awaitScreen("cat hello", 1, BOUND);
            assertFalse(screen.substring(from).contains("--hex"), "a typed word never becomes an option:\n" + screen);
            pty.type("\u0003");
            pty.awaitScreen("cwb> ", 3, BOUND);
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
        String keys = "\r".repeat(1 + 2 * 7 + 1); // seven steps of one command each; the challenge waits for a key first
        for (int run = 1; run <= 2; run++) {
            try (Pty demo = shell(env, "--demo", "3", "--pace", "0")) {
                demo.awaitScreen("Lesson 3", 1, BOUND);
                for (char key : keys.toCharArray()) {
                    demo.type(String.valueOf(key));
                    Thread.sleep(150);
                }
                String shown = demo.awaitScreen("End of lesson 3", 1, BOUND);
                if (run == 2) {
                    for (String bad : List.of("error", "✗", "not empty")) {
                        assertFalse(shown.contains(bad), "the second demo shows '" + bad + "':\n" + shown);
                    }
                    String stepOne = shown.substring(shown.indexOf("step 1/7"), shown.indexOf("step 2/7"));
                    assertFalse(stepOne.contains("already unpacked"), "step 1 unpacks busybox afresh:\n" + stepOne);
                    assertTrue(shown.split("✓ ", -1).length - 1 >= 7, "every step's checks passed:\n" + shown);
                    assertTrue(shown.replace("\n", " ").contains("(lesson 3 reset for the demo: removed layer"), shown);
                }
                demo.awaitScreen("cwb> ", 1, BOUND);
                demo.type(":quit\n");
                assertEquals(0, demo.waitFor(BOUND), demo.screen());
            }
        }
    }
}
