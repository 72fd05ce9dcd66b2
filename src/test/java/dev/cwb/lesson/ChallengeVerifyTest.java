package dev.cwb.lesson;

import dev.cwb.cli.CommandHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lessons verify} on a challenge: it plays each wrong solution from the state before the step, proves
 * the checks reject it and takes it back, then plays the hidden solution; a wrong solution the checks accept,
 * or a solution they reject, fails the verification by name. (Host commands only: no root, no containers.)
 */
class ChallengeVerifyTest {
    @TempDir
    Path tmp;

    private static final String LESSON = """
            ---
            id: 1
            title: A challenge on files
            ---
            ## Goal
            Test.
            ## Steps
            ### A directory
            ```sh
            mkdir box
            ```
            check: file-exists {work}/box
            hint: mkdir box
            ### Challenge: a greeting in the box
            Put a file greeting in box that says hello.
            check: file-contains {work}/box/greeting hello
            check: file-absent {work}/greeting
            hint: a file in a directory
            hint: `!echo hello > box/greeting`
            solution:
            ```sh
            echo hello > box/greeting
            ```
            wrong: the file beside the box, not in it
            ```sh
            echo hello > greeting
            ```
            wrong: an empty greeting
            ```sh
            touch box/greeting
            ```
            """;

    private int verify(CommandHarness cwb, String lesson) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("course" + System.nanoTime()));
        Files.writeString(dir.resolve("01-files.md"), lesson);
        cwb.reset();
        return cwb.run("lessons", "verify", "1", "--dir", dir.toString());
    }

    @Test
    void wrongSolutionsAreRejectedAndTakenBackThenTheSolutionPasses() throws Exception {
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(0, verify(cwb, LESSON), cwb.out() + cwb.err());
        List<String> lines = cwb.out().lines().toList();
        Path work = tmp.resolve("home/lessons/work/1");
        assertTrue(lines.contains("    ✓ wrong solution rejected: the file beside the box, not in it — check 'file-contains {work}/box/greeting hello'"
                + " failed: expected " + work + "/box/greeting contains \"hello\"; saw: no file " + work + "/box/greeting (the nearest directory that"
                + " exists is " + work + "/box)"), cwb.out());
        assertTrue(cwb.out().contains("    ✓ wrong solution rejected: an empty greeting — check 'file-contains {work}/box/greeting hello' failed"), cwb.out());
        assertTrue(lines.contains("  ✓ 2/2 Challenge: a greeting in the box  (challenge: solution played; 2 wrong solutions rejected)"), cwb.out());
        assertTrue(lines.contains("  all 2 steps played and passed"), cwb.out());
        // the first wrong solution's file was taken back before the solution ran (else file-absent would fail)
        assertFalse(Files.exists(work.resolve("greeting")));
        assertEquals("hello\n", Files.readString(work.resolve("box/greeting")));
    }

    @Test
    void aWrongSolutionTheChecksAcceptFailsTheVerification() throws Exception {
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        String lax = LESSON.replace("check: file-contains {work}/box/greeting hello\n", "check: file-exists {work}/box/greeting\n");
        assertEquals(1, verify(cwb, lax), cwb.out() + cwb.err());
        assertTrue(cwb.err().contains("lesson 1 step 2 'Challenge: a greeting in the box': wrong solution 'an empty greeting' (line 28)"
                + " passed every check: the checks cannot tell it from a solution"), cwb.err());
        assertTrue(cwb.out().contains("✓ wrong solution rejected: the file beside the box, not in it"), cwb.out());
    }

    @Test
    void aSolutionTheChecksRejectFailsTheVerification() throws Exception {
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(1, verify(cwb, LESSON.replace("echo hello > box/greeting\n```\nwrong", "echo hullo > box/greeting\n```\nwrong")), cwb.out() + cwb.err());
        assertTrue(cwb.err().contains("lesson 1 step 2 'Challenge: a greeting in the box': its solution does not pass: check 'file-contains"
                + " {work}/box/greeting hello' failed"), cwb.err());
    }

    @Test
    void leavingTheSolutionOutFailsTheChallenge() throws Exception {
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        Path dir = Files.createDirectories(tmp.resolve("course"));
        Files.writeString(dir.resolve("01-files.md"), LESSON);
        assertEquals(1, cwb.run("lessons", "verify", "1", "--dir", dir.toString(), "--skip-step", "2"), cwb.out() + cwb.err());
        assertTrue(cwb.err().contains("lesson 1 step 2 'Challenge: a greeting in the box': check 'file-contains"), cwb.err());
        assertFalse(cwb.out().contains("wrong solution"), "leaving the step out plays no wrong solution: " + cwb.out());
    }

    /** Hints used and solutions shown are kept with the progress, read from older files as none, and listed by 'lessons list --json'. */
    @Test
    void hintsAndSolutionsAreKeptWithTheProgress() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("course"));
        Files.writeString(dir.resolve("01-files.md"), LESSON);
        Lesson lesson = LessonLibrary.open(dir, dev.cwb.lesson.check.CheckVocabulary.standard()).get(1);
        Path file = tmp.resolve("home/lessons/progress.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"1\": {\"step\": 1, \"passed\": [0], \"completed\": false}}\n"); // as an older workbench wrote it
        ProgressStore progress = ProgressStore.open(file);
        assertEquals(0, progress.get(1).hintsUsed(1));
        assertTrue(progress.get(1).solutions().isEmpty());
        progress.hintsShown(lesson, 1, 2);
        progress.hintsShown(lesson, 1, 1); // the first tier again does not lower the count
        progress.solutionShown(lesson, 1);
        ProgressStore again = ProgressStore.open(file);
        assertEquals(2, again.get(1).hintsUsed(1));
        assertEquals(java.util.Set.of(1), again.get(1).solutions());
        assertEquals(java.util.Set.of(0), again.get(1).passed(), "the steps passed are kept");

        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(0, cwb.run("lessons", "list", "--json", "--dir", dir.toString()), cwb.err());
        com.fasterxml.jackson.databind.JsonNode row = dev.cwb.image.Json.MAPPER.readTree(cwb.out()).get(0);
        assertEquals(2, row.get("hintsUsed").get("2").asInt(), cwb.out());
        assertEquals(2, row.get("solutionsShown").get(0).asInt(), cwb.out());
    }
}
