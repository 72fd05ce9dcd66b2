package dev.cwb.lesson.check;

/**
 * One fact about the real state of the machine that a lesson step should have brought about: an image in
 * the store, a directory in the layer cache, a file in an unpacked root filesystem. A check never looks at
 * what the learner typed (only {@code last-exit} and {@code output-contains} look at the last command,
 * and lessons use them as a supplement).
 *
 * <p>New kinds of check are new classes registered in a {@link CheckVocabulary}; nothing else changes. The
 * kernel lessons' checks ({@link ContainerChecks}, {@link NamespaceChecks}, {@link RootChecks},
 * {@link CgroupChecks}, {@link TraceChecks}) read /proc, /sys/fs/cgroup and the session's trace.
 */
public interface Check {
    /** What the check expects, in words: "image busybox is in the store". */
    String expectation();

    /** Looks at the state now. Never throws for a failed expectation: it says what it saw instead. */
    CheckResult evaluate(CheckContext context);
}
