package dev.cwb.classroom;

/** Lets tests of other packages build reports as {@link ClassServerTest} does. */
public final class ClassServerTestAccess {
    private ClassServerTestAccess() {
    }

    public static ProgressReport report(String name, int lesson, int current, String... states) {
        return ClassServerTest.report(name, lesson, current, states);
    }
}
