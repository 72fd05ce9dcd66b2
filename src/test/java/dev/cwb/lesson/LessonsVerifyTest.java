package dev.cwb.lesson;

import dev.cwb.cli.CommandHarness;
import dev.cwb.lesson.check.CheckVocabulary;
import dev.cwb.testing.Requirements;
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

    @Test
    void everyLessonPassesThroughTheCommand() {
        cwb.reset();
        int code = cwb.run("lessons", "verify", "--dir", repo().resolve("lessons").toString());
        assertEquals(0, code, cwb.out() + cwb.err());
        for (Lesson lesson : library().all()) {
            assertTrue(cwb.out().contains("Lesson " + lesson.number() + ": " + lesson.title()), cwb.out());
        }
        assertEquals(library().all().size(), cwb.out().lines().filter(l -> l.contains("steps passed")).count(), cwb.out());
        // and for real: lesson 3 left a flat root filesystem with the whiteouts applied
        Path rootfs = home.resolve("lessons/work/3/rootfs");
        assertTrue(Files.isRegularFile(rootfs.resolve("app/config/message")));
        assertFalse(Files.exists(rootfs.resolve("app/config/old-setting")));
    }

    @TestFactory
    List<DynamicTest> skippingAStepFailsThatStep() {
        Requirements.requireCommand("busybox", "busybox-static");
        List<DynamicTest> tests = new ArrayList<>();
        for (Lesson lesson : library().all()) {
            for (int k = 1; k <= lesson.stepCount(); k++) {
                Step step = lesson.step(k - 1);
                if (!StepRequirements.missing(step).isEmpty()) {
                    continue; // optional here: it is not played, so it cannot fail
                }
                int skipped = k;
                tests.add(DynamicTest.dynamicTest("lesson " + lesson.number() + " without step " + k, () -> {
                    StringWriter out = new StringWriter();
                    LessonVerifier verifier = new LessonVerifier(cwb.workbench(), CheckVocabulary.standard(), new PrintWriter(out, true), false);
                    LessonVerifier.Outcome outcome = verifier.verify(lesson, skipped);
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
