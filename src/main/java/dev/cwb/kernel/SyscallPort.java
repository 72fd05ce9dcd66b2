package dev.cwb.kernel;

/**
 * Where a traced system call is made: on the calling thread of this JVM ({@link #HERE}), or in a
 * container's cwb-init process ({@link InitProcess}). {@link Syscalls} decodes and records the call the
 * same way for both.
 */
public interface SyscallPort {
    /** This JVM's calling thread. */
    SyscallPort HERE = new LocalPort();

    /**
     * Makes system call {@code number} with {@code args}, each a {@link Long} or a {@link Block}; returns
     * the kernel's result, or minus the errno when the call failed (the kernel's own convention).
     */
    long make(long number, Object[] args) throws SyscallException;

    /** The id strace would print for the caller: a thread id here, cwb-init's process id there. */
    long callerId();

    /**
     * True when the time a call takes here is a round trip — the request sent, the call made by another
     * process, the answer read — rather than the call alone on this thread ({@link SyscallRecord#timing}).
     */
    default boolean timesRoundTrip() {
        return false;
    }
}
