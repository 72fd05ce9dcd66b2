package dev.cwb.cli;

/** Lets tests of other packages format a size as {@code stats} does. */
public final class StatsTestAccess {
    private StatsTestAccess() {
    }

    public static String binary(long bytes) {
        return StatsCommand.binary(bytes);
    }
}
