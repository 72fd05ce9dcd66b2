package dev.cwb.kernel;

/** A system call that failed: which call, on what, and the errno the kernel returned. */
public final class SyscallException extends java.io.IOException {
    private static final long serialVersionUID = 1L;
    private final String call;
    private final int errno;

    public SyscallException(String call, String target, int errno) {
        super(call + "(" + target + "): " + Errno.name(errno) + " (" + Errno.message(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** A failure around a call rather than of it (cwb-init went away): no errno. */
    public SyscallException(String message) {
        super(message);
        this.call = "";
        this.errno = 0;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
