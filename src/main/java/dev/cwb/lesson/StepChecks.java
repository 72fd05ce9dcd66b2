package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.lesson.check.Check;
import dev.cwb.lesson.check.CheckContext;
import dev.cwb.lesson.check.CheckResult;
import dev.cwb.lesson.check.CheckVocabulary;

import java.util.ArrayList;
import java.util.List;

/** Evaluates a step's {@code check:} lines against the state now, with this machine's values filled in. */
public final class StepChecks {
    /** One check's verdict: the line as written, what it expected and what it saw. */
    public record Verdict(Step.CheckLine line, String expectation, CheckResult result) {
        public boolean passed() {
            return result.passed();
        }
    }

    private final CheckVocabulary vocabulary;

    public StepChecks(CheckVocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    public List<Verdict> evaluate(Step step, Placeholders placeholders, CheckContext context) {
        return evaluate(step.checks(), placeholders, context);
    }

    /** {@code lines} (a step's checks, or its {@code refuse-unless:} guards) against the state now. */
    public List<Verdict> evaluate(List<Step.CheckLine> lines, Placeholders placeholders, CheckContext context) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Step.CheckLine line : lines) {
            try {
                Check check = vocabulary.create(line.name(), placeholders.expand(line.args()));
                verdicts.add(new Verdict(line, check.expectation(), check.evaluate(context)));
            } catch (CwbException e) {
                verdicts.add(new Verdict(line, line.source(), CheckResult.fail(e.getMessage())));
            }
        }
        return verdicts;
    }

    /** The first failing verdict, or null when all passed. */
    public static Verdict firstFailure(List<Verdict> verdicts) {
        return verdicts.stream().filter(v -> !v.passed()).findFirst().orElse(null);
    }

    /**
     * Why the step's commands must not run here, or empty: a {@code refuse-unless:} guard that fails now
     * (its step's {@code refuse-why:}, then what the guard saw). Every way a step's command is run — typed,
     * {@code :run}, {@code lessons verify}, a demo — asks this first, so an attempt that would really change the
     * machine (a write to a knob of the host's own namespace) is never made.
     */
    public java.util.Optional<String> refusal(Step step, Placeholders placeholders, CheckContext context) {
        if (step.guards().isEmpty()) {
            return java.util.Optional.empty();
        }
        Verdict failed = firstFailure(evaluate(step.guards(), placeholders, context));
        if (failed == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("refused: " + placeholders.expandQuietly(step.refuseWhy()) + " (refuse-unless "
                + failed.line().source() + ": expected " + failed.expectation() + "; saw: " + failed.result().saw() + "). Nothing was run.");
    }

    /** "check 'X' failed: expected ...; saw ...", the line a learner or a teacher reads. */
    public static String describeFailure(Verdict v) {
        return "check '" + v.line().source() + "' failed: expected " + v.expectation() + "; saw: " + v.result().saw();
    }
}
