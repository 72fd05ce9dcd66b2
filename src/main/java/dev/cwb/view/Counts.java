package dev.cwb.view;

/** A number with its noun, singular for one: {@code 1 entry}, {@code 3 entries}, {@code 1 file}. */
public final class Counts {
    private Counts() {
    }

    /** {@code n} and {@code one} when n is 1, else {@code n} and {@code many}. */
    public static String of(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
