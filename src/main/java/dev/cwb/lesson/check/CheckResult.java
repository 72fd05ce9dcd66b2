package dev.cwb.lesson.check;

/** The outcome of one {@link Check}: passed or not, and what the check saw, in words a learner can act on. */
public record CheckResult(boolean passed, String saw) {
    public static CheckResult pass(String saw) {
        return new CheckResult(true, saw);
    }

    public static CheckResult fail(String saw) {
        return new CheckResult(false, saw);
    }

    public static CheckResult of(boolean passed, String saw) {
        return new CheckResult(passed, saw);
    }
}
