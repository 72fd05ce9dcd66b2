package dev.cwb.lesson;

import dev.cwb.WorkbenchHome;
import dev.cwb.cli.CommandHarness;
import dev.cwb.lesson.check.CheckVocabulary;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plays every lesson in lessons/ on the real sample images, as {@code lessons verify} does, and shows that
 * each step's checks look at the state: leaving out a step's commands makes that very step fail.
 */
class LessonsVerifyTest {
    @TempDir
    static Path home;
    static CommandHarness cwb;

    static Path repo() {
        String repo = System.getenv("CWB_TEST_REPO");
        return (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath();
    }

    static LessonLibrary library() {
        return LessonLibrary.open(repo().resolve("lessons"), CheckVocabulary.standard());
    }

    @BeforeAll
    static void buildSamples() {
        Requirements.requireCommand("busybox", "busybox-static");
        cwb = new CommandHarness(home);
        assertEquals(0, cwb.run("samples", "build", "--recipes", repo().resolve("sample-images").toString()), cwb.err());
    }

    /** The lessons' containers (and their cgroups and host mounts) go with the test, as with the shell. */
    @AfterAll
    static void removeContainers() {
        if (cwb != null && cwb.workbench().hasContainers()) {
            assertEquals(List.of(), cwb.workbench().containers().removeAll());
        }
    }

    /**
     * What this test run needs to play {@code lesson}, through the one requirement mechanism (a skip with the
     * reason on a workstation, a failure under CI): the kernel lessons need root, and a lesson that makes
     * containers without root (lesson 9) needs unprivileged user namespaces that may mount, which some
     * distributions switch off.
     */
    static void requirePlayable(Lesson lesson) {
        if (WorkbenchHome.isRoot()) {
            return;
        }
        Requirements.require(!lesson.needsRoot(), "lesson " + lesson.number() + " needs root");
        Requirements.require(lesson.containers().isEmpty() || rootlessContainersWork(), "lesson " + lesson.number()
                + " makes containers, and this host does not let a user mount in a user namespace of their own "
                + "(unshare --user --map-root-user --mount failed)");
    }

    /** Every step of the lesson was played, or (under CI: fails) the reason why not. */
    static void requireAllPlayed(Lesson lesson, List<LessonVerifier.NotPlayed> notPlayed) {
        Requirements.require(notPlayed.isEmpty(), "lesson " + lesson.number() + ": not played: " + notPlayed);
    }

    private static Boolean rootless;

    static synchronized boolean rootlessContainersWork() {
        if (rootless == null) {
            try {
                Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                        "mount -t tmpfs none /mnt").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                rootless = p.waitFor() == 0;
            } catch (java.io.IOException e) {
                rootless = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                rootless = false;
            }
        }
        return rootless;
    }

    /** {@code lessons verify N} plays every step of every lesson; a step it could not play is a failure under CI. */
    @TestFactory
    List<DynamicTest> everyLessonPassesThroughTheCommand() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Lesson lesson : library().all()) {
            tests.add(DynamicTest.dynamicTest("lesson " + lesson.number(), () -> {
                requirePlayable(lesson);
                cwb.reset();
                int code = cwb.run("lessons", "verify", Integer.toString(lesson.number()), "--dir", repo().resolve("lessons").toString());
                assertEquals(0, code, cwb.out() + cwb.err());
                assertTrue(cwb.out().contains("Lesson " + lesson.number() + ": " + lesson.title()), cwb.out());
                List<String> notPlayed = cwb.out().lines().filter(l -> l.contains(": not played (needs ")).toList();
                Requirements.require(notPlayed.isEmpty(), "lesson " + lesson.number() + ": " + notPlayed);
                assertTrue(cwb.out().contains("all " + lesson.stepCount() + " steps played and passed"), cwb.out());
                for (int i = 0; i < lesson.stepCount(); i++) {
                    Step step = lesson.step(i);
                    if (step.isChallenge()) {
                        // its solution was played, and every wrong solution was played and rejected by the checks
                        int wrongs = step.challenge().wrongs().size();
                        assertTrue(cwb.out().contains("  ✓ " + (i + 1) + "/" + lesson.stepCount() + " " + step.title() + "  (challenge: solution played; "
                                + wrongs + " wrong solution" + (wrongs == 1 ? "" : "s") + " rejected)"), cwb.out());
                        for (Step.Wrong wrong : step.challenge().wrongs()) {
                            assertTrue(cwb.out().contains("    ✓ wrong solution rejected: " + wrong.why() + " — check '"), cwb.out());
                        }
                    }
                }
                if (lesson.number() == 3) {
                    // and for real: lesson 3 left a flat root filesystem with the whiteouts applied
                    Path rootfs = home.resolve("lessons/work/3/rootfs");
                    assertTrue(Files.isRegularFile(rootfs.resolve("app/config/message")));
                    assertFalse(Files.exists(rootfs.resolve("app/config/old-setting")));
                }
                if (java.util.stream.IntStream.range(0, lesson.stepCount()).anyMatch(i -> lesson.step(i).requires().contains("registry"))) {
                    // its pulls went to the verifier's own registry on loopback, and were played
                    assertTrue(cwb.out().contains("pull from the workbench's own registry at http://127.0.0.1:")
                            || cwb.out().contains("pull from the workbench's own registry at http://[::1]:"), cwb.out());
                }
            }));
        }
        return tests;
    }

    @Test
    void thereAreAtLeastTwelveLessonsAndTheKernelOnesNameTheirContainers() {
        List<Lesson> all = library().all();
        assertTrue(all.size() >= 12, all.size() + " lessons");
        for (Lesson lesson : all) {
            if (lesson.number() >= 6) {
                assertFalse(lesson.containers().isEmpty(), "lesson " + lesson.number() + " lists no containers: :reset could not remove them");
            }
        }
        // cgroups are named after containers: two lessons sharing a name would fight over one group
        List<String> names = all.stream().flatMap(l -> l.containers().stream()).toList();
        assertEquals(names.size(), names.stream().distinct().count(), "container names repeat across lessons: " + names);
    }

    /**
     * The course is labs, not tutorials: each lesson ends with a challenge (a goal and its checks, the
     * solution hidden) with at least one wrong solution for {@code lessons verify} to reject.
     */
    @Test
    void eachLessonEndsWithAChallenge() {
        List<Lesson> all = library().all();
        int challenges = 0;
        for (Lesson lesson : all) {
            for (Step step : lesson.steps()) {
                if (step.isChallenge()) {
                    challenges++;
                    assertTrue(step.commands().isEmpty(), "lesson " + lesson.number() + " '" + step.title() + "' shows commands");
                    assertFalse(step.played().isEmpty());
                    assertFalse(step.challenge().wrongs().isEmpty());
                    assertTrue(step.hints().size() >= 2, "lesson " + lesson.number() + " '" + step.title() + "': hints in tiers");
                }
            }
            assertTrue(lesson.step(lesson.stepCount() - 1).isChallenge(), "lesson " + lesson.number() + " does not end with a challenge");
        }
        assertTrue(challenges >= all.size(), challenges + " challenges in " + all.size() + " lessons");
    }

    @TestFactory
    List<DynamicTest> skippingAStepFailsThatStep() {
        Requirements.requireCommand("busybox", "busybox-static");
        List<DynamicTest> tests = new ArrayList<>();
        for (Lesson lesson : library().all()) {
            for (int k = 1; k <= lesson.stepCount(); k++) {
                Step step = lesson.step(k - 1);
                int skipped = k;
                tests.add(DynamicTest.dynamicTest("lesson " + lesson.number() + " without step " + k, () -> {
                    requirePlayable(lesson);
                    StringWriter out = new StringWriter();
                    LessonVerifier.Outcome outcome;
                    try (LessonVerifier verifier = new LessonVerifier(cwb.workbench(), CheckVocabulary.standard(), new PrintWriter(out, true), false)) {
                        outcome = verifier.verify(lesson, skipped);
                    }
                    // a step that is not played here cannot fail: that is a skip (a failure under CI), never a pass
                    requireAllPlayed(lesson, outcome.notPlayed().stream().filter(np -> np.step() <= skipped).toList());
                    assertFalse(outcome.passed(), out.toString());
                    assertEquals(skipped, outcome.failedStep(), out.toString());
                    assertTrue(outcome.message().startsWith("lesson " + lesson.number() + " step " + skipped + " '" + step.title() + "': check '"),
                            outcome.message());
                    assertTrue(outcome.message().contains("hint: "), outcome.message());
                }));
            }
        }
        return tests;
    }

    /**
     * The breakout lesson's closing steps each put one defence back and try the same attempt again. Played
     * with just that defence left out of its step (the attempt still made), the step's checks must fail:
     * they read the attempt's real result, not the defence's own output.
     */
    @TestFactory
    List<DynamicTest> eachClosingStepOfTheBreakoutLessonFailsWithoutItsDefence() throws Exception {
        Lesson breakout = library().all().stream().filter(l -> l.number() == 13).findFirst().orElseThrow();
        String text = Files.readString(breakout.file());
        String[][] defences = {
            {"5", "unshare mnt uts pid\n", "unshare mnt uts\n"},
            {"6", "mount masked\n", ""},
            {"7", "caps keep default\n", ""},
            {"8", "seccomp load default\n", ""},
            {"9", "setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user --map-root-user sh -c", "sh -c"},
        };
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] d : defences) {
            int step = Integer.parseInt(d[0]);
            tests.add(DynamicTest.dynamicTest("lesson 13 step " + step + " without " + d[1].strip(), () -> {
                requirePlayable(breakout);
                assertEquals(1, text.split(java.util.regex.Pattern.quote(d[1]), -1).length - 1, "the defence appears once: " + d[1]);
                Path dir = Files.createTempDirectory(home, "breakout");
                Files.writeString(dir.resolve(breakout.file().getFileName()), text.replace(d[1], d[2]));
                Lesson without = LessonLibrary.open(dir, CheckVocabulary.standard()).all().get(0);
                StringWriter out = new StringWriter();
                LessonVerifier.Outcome outcome;
                try (LessonVerifier verifier = new LessonVerifier(cwb.workbench(), CheckVocabulary.standard(), new PrintWriter(out, true), false)) {
                    outcome = verifier.verify(without);
                }
                requireAllPlayed(without, outcome.notPlayed().stream().filter(np -> np.step() <= step).toList());
                assertFalse(outcome.passed(), out.toString());
                assertEquals(step, outcome.failedStep(), out.toString());
            }));
        }
        return tests;
    }

    /**
     * Lesson 13's step 3 writes /proc/sys/kernel/hostname from out13, which renames the lab machine itself when
     * out13 still shares the host's UTS namespace; step 4 mounts, which covers the machine's own tree in its
     * mount namespace. On such a container each step is refused before anything runs (seen here without
     * playing the attempt), and on one with the namespace of its own it is not.
     */
    @Test
    void theBreakoutLessonRefusesAnAttemptThatWouldReallyChangeTheMachine() {
        Lesson breakout = library().all().stream().filter(l -> l.number() == 13).findFirst().orElseThrow();
        requirePlayable(breakout);
        Step write = breakout.step(2);
        Step mount = breakout.step(3);
        assertEquals("Write to the host", write.title());
        assertEquals("Mount what it likes", mount.title());
        StepChecks checks = new StepChecks(CheckVocabulary.standard());
        Placeholders placeholders = new LessonWorkspace(cwb.workbench()).placeholders(breakout);
        java.util.function.Function<Step, java.util.Optional<String>> refusal = s -> checks.refusal(s, placeholders,
                new dev.cwb.lesson.check.CheckContext(cwb.workbench(), java.util.Optional.empty()));
        assertEquals(0, cwb.run("new", "out13", "from", "busybox"), cwb.err());
        try {
            assertTrue(refusal.apply(write).orElseThrow().startsWith("refused: out13 shares this machine's UTS namespace, so its write "
                    + "to /proc/sys/kernel/hostname would rename the machine itself"), refusal.apply(write).toString());
            assertTrue(refusal.apply(mount).orElseThrow().startsWith("refused: out13 shares this machine's mount namespace"));
            assertEquals(0, cwb.run("unshare", "mnt"), cwb.err());
            assertTrue(refusal.apply(write).isPresent(), "the UTS namespace is still the host's");
            assertEquals(java.util.Optional.empty(), refusal.apply(mount));
            assertEquals(0, cwb.run("unshare", "uts"), cwb.err());
            assertEquals(java.util.Optional.empty(), refusal.apply(write));
        } finally {
            assertEquals(0, cwb.run("rm", "out13"), cwb.err());
        }
    }

    /** A step whose requirement is missing is named with the reason and not counted as passed. */
    @Test
    void aStepThatCannotBePlayedIsNamedAndNotCountedAsPassed() throws Exception {
        Path dir = Files.createTempDirectory(home, "course");
        Files.writeString(dir.resolve("01-needs.md"), """
                ---
                id: 1
                title: A lesson with a step this machine cannot play
                images: busybox
                ---
                ## Goal
                Test.
                ## Steps
                ### Look
                ```cwb
                images
                ```
                check: image-present busybox
                hint: type images
                ### Use a program nobody has
                ```sh
                cwb-no-such-program
                ```
                requires: cwb-no-such-program
                check: last-exit 0
                hint: install it
                """);
        cwb.reset();
        assertEquals(0, cwb.run("lessons", "verify", "1", "--dir", dir.toString()), cwb.err());
        List<String> lines = cwb.out().lines().toList();
        assertTrue(lines.contains("  ✓ 1/2 Look"), cwb.out());
        assertTrue(lines.contains("  - 2/2 Use a program nobody has: not played (needs cwb-no-such-program (not installed here))"), cwb.out());
        assertTrue(lines.contains("  1 of 2 steps played and passed; not played: step 2 'Use a program nobody has' "
                + "(needs cwb-no-such-program (not installed here))"), cwb.out());
        assertFalse(cwb.out().contains("all 2 steps"), cwb.out());
    }

    @Test
    void verifyNamesTheFailingStepAndExitsNonZero() throws Exception {
        Path dir = Files.createTempDirectory(home, "course");
        Files.writeString(dir.resolve("01-broken.md"), """
                ---
                id: 1
                title: A lesson whose second step checks the wrong thing
                images: busybox
                ---
                ## Goal
                Test.
                ## Steps
                ### Look
                ```cwb
                images
                ```
                check: image-present busybox
                hint: type images
                ### Expect too many layers
                ```cwb
                inspect layers busybox
                ```
                check: layer-count busybox 99
                hint: there are not 99
                """);
        cwb.reset();
        int code = cwb.run("lessons", "verify", "1", "--dir", dir.toString());
        assertNotEquals(0, code);
        assertTrue(cwb.out().contains("✓ 1/2 Look"), cwb.out());
        assertTrue(cwb.err().contains("lesson 1 step 2 'Expect too many layers': check 'layer-count busybox 99' failed: "
                + "expected busybox has 99 layers; saw: busybox has 3 layers"), cwb.err());
        assertTrue(cwb.err().contains("hint: there are not 99"), cwb.err());
    }
}
