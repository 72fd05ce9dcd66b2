package dev.cwb.kernel;

import java.time.Duration;
import java.util.List;

/**
 * One system call as it happened: its kernel name, its arguments decoded the way strace decodes them,
 * what it returned, the errno when it failed, how long the native call took, and the id of the thread
 * (task) that made it: namespaces, root and working directory belong to that task, not to the process.
 *
 * @param name     the system call's name as the kernel knows it ({@code mkdirat}, {@code pivot_root})
 * @param args     each argument as strace prints it ({@code "MS_BIND|MS_REC"}, {@code "\"/x\""}, {@code "NULL"})
 * @param result   the return value; {@code -1} on failure
 * @param errno    the error number on failure, otherwise {@code 0}
 * @param duration how long the call took, as {@code timing} says: the native call on this thread, or the
 *                 round trip to cwb-init (the request, the call there, the answer); no decoding or printing
 * @param tid      the calling thread's kernel id, gettid(2)
 * @param timing   what {@code duration} measures
 */
public record SyscallRecord(String name, List<String> args, long result, int errno, Duration duration, long tid,
                            Timing timing) {
    /** What a record's duration measures. */
    public enum Timing {
        /** The native call, made on the workbench's own thread (syscall(2) through JNA). */
        CALL,
        /** The round trip to cwb-init: request written, the call made there, the answer read. */
        ROUND_TRIP
    }

    public SyscallRecord {
        args = List.copyOf(args);
        java.util.Objects.requireNonNull(timing, "timing");
    }

    /** A call made on this thread: its duration is the call's. */
    public SyscallRecord(String name, List<String> args, long result, int errno, Duration duration, long tid) {
        this(name, args, result, errno, duration, tid, Timing.CALL);
    }

    public boolean failed() {
        return result == -1 && errno != 0;
    }

    /** {@code EEXIST}, or null when the call succeeded. */
    public String errnoName() {
        return failed() ? Errno.name(errno) : null;
    }

    /** strerror(3)'s text for the errno ({@code File exists}), or null when the call succeeded. */
    public String errnoMessage() {
        return failed() ? Errno.message(errno) : null;
    }

    /** The call without its result: {@code mkdirat(AT_FDCWD, "/x", 0755)}. */
    public String call() {
        return name + "(" + String.join(", ", args) + ")";
    }

    /**
     * The line strace prints for this call: {@code mount("none", "/x", "tmpfs", 0, NULL) = 0} or
     * {@code mkdirat(AT_FDCWD, "/x", 0755) = -1 EEXIST (File exists)}. strace pads with spaces before
     * {@code =} to reach column 40 (its {@code -a} option); this line has exactly one space there.
     */
    public String straceLine() {
        String r = failed() ? "-1 " + errnoName() + " (" + errnoMessage() + ")"
                : name.equals("umask") ? StraceText.octal((int) result) : Long.toString(result); // strace shows a mask in octal
        return call() + " = " + r;
    }

    @Override
    public String toString() {
        return straceLine();
    }
}
