package dev.cwb.lesson;

import dev.cwb.cli.CommandHarness;
import dev.cwb.cli.LineSplitter;
import dev.cwb.lesson.check.CheckContext;
import dev.cwb.lesson.check.CheckResult;
import dev.cwb.lesson.check.CheckVocabulary;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A workbench in a temporary home with the sample images, for testing the lesson checks the way a lesson
 * uses them: run the step's commands (or leave them out), then evaluate a {@code check:} line, with the
 * placeholders filled in, against the real state.
 */
final class CheckBench {
    final CommandHarness cwb;
    private final Placeholders placeholders;

    CheckBench(Path home) {
        cwb = new CommandHarness(home);
        assertEquals(0, cwb.run("samples", "build", "--recipes", LessonsVerifyTest.repo().resolve("sample-images").toString()), cwb.err());
        placeholders = new Placeholders(cwb.workbench(), home.resolve("work"));
    }

    /** Runs workbench command lines, each of which must succeed. */
    void run(String... lines) {
        for (String line : lines) {
            cwb.reset();
            int code = cwb.run(LineSplitter.split(line).toArray(String[]::new));
            assertEquals(0, code, line + "\n" + cwb.out() + cwb.err());
        }
    }

    /** Runs one command line whatever its exit code (a step meant to fail, like the OOM kill). */
    String runAnyway(String line) {
        cwb.reset();
        cwb.run(LineSplitter.split(line).toArray(String[]::new));
        return cwb.out() + cwb.err();
    }

    /** Evaluates a check line ({@code "upper-has box /x"}) as a lesson's {@code check:} would. */
    CheckResult check(String line) {
        List<String> words = LineSplitter.split(line);
        return CheckVocabulary.standard().create(words.get(0), placeholders.expand(words.subList(1, words.size())))
                .evaluate(new CheckContext(cwb.workbench(), Optional.empty()));
    }

    CheckResult passes(String line) {
        CheckResult r = check(line);
        assertTrue(r.passed(), line + " — saw: " + r.saw());
        return r;
    }

    CheckResult fails(String line) {
        CheckResult r = check(line);
        assertFalse(r.passed(), line + " should fail — saw: " + r.saw());
        return r;
    }

    String expand(String text) {
        return placeholders.expand(text);
    }

    void removeAll() {
        if (cwb.workbench().hasContainers()) {
            assertEquals(List.of(), cwb.workbench().containers().removeAll());
        }
    }
}
