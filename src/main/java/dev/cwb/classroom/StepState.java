package dev.cwb.classroom;

/**
 * Where a student stands on one step of a lesson, as the teacher's class view colours it. The order is the
 * order of progress: a step not yet reached, the step being worked on, the same step after a check said
 * "not yet", a step whose checks passed, and a step passed after the student asked for its solution.
 */
public enum StepState {
    NOT_STARTED("not-started", "not started", '·'),
    WORKING("working", "working", '…'),
    CHECK_FAILED("failed", "check failed", '✗'),
    PASSED("passed", "passed", '✓'),
    SOLUTION_SHOWN("solution", "solution shown", 'S');

    /** The name on the wire (JSON) and the CSS class of the page's cell. */
    public final String wire;
    /** The words the page's legend and the CSV use. */
    public final String words;
    /** One character for a terminal or a plain-text grid. */
    public final char symbol;

    StepState(String wire, String words, char symbol) {
        this.wire = wire;
        this.words = words;
        this.symbol = symbol;
    }

    /** The state named {@code wire}, or null for a name this version does not know. */
    public static StepState ofWire(String wire) {
        for (StepState s : values()) {
            if (s.wire.equals(wire)) {
                return s;
            }
        }
        return null;
    }
}
