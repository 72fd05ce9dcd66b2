package dev.cwb.kernel;

/**
 * A wait status, as wait4(2) fills it in (see the WIFEXITED family of macros in wait(2)): how a process
 * ended — its exit code, or the signal that killed it.
 */
public record WaitStatus(int raw) {
    /** True when the process called exit (or returned from main). */
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    /** The exit code, when {@link #exited()}. */
    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    /** True when a signal ended the process. */
    public boolean signaled() {
        return !exited() && ((raw & 0x7f) + 1) >> 1 > 0 && (raw & 0xff) != 0x7f;
    }

    /** The signal that ended it, when {@link #signaled()}. */
    public int signal() {
        return raw & 0x7f;
    }

    /** The status a shell would report: the exit code, or 128 + the signal. */
    public int shellStatus() {
        return exited() ? exitCode() : 128 + signal();
    }

    /** {@code exited 0}, {@code killed by SIGKILL}. */
    @Override
    public String toString() {
        return exited() ? "exited " + exitCode() : "killed by " + StraceText.signal(signal());
    }

    /** strace's rendering inside the brackets: {@code {WIFEXITED(s) && WEXITSTATUS(s) == 0}}. */
    static String describe(int raw) {
        WaitStatus s = new WaitStatus(raw);
        if (s.exited()) {
            return "{WIFEXITED(s) && WEXITSTATUS(s) == " + s.exitCode() + "}";
        }
        return "{WIFSIGNALED(s) && WTERMSIG(s) == " + StraceText.signal(s.signal())
                + ((raw & 0x80) != 0 ? " && WCOREDUMP(s)" : "") + "}";
    }
}
