package dev.cwb.kernel;

/**
 * Told about every system call {@link Syscalls} makes, right after it returns, on the thread that made
 * it. A listener that prints gives the learner strace's view as the step runs; {@link SyscallLog}
 * keeps the session's calls for {@code trace}.
 */
@FunctionalInterface
public interface SyscallListener {
    SyscallListener NONE = record -> { };

    void called(SyscallRecord record);

    /** This listener, then {@code next}. */
    default SyscallListener andThen(SyscallListener next) {
        return record -> {
            called(record);
            next.called(record);
        };
    }
}
