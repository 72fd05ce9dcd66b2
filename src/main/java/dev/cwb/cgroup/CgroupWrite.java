package dev.cwb.cgroup;

import dev.cwb.kernel.Errno;

import java.nio.file.Path;

/**
 * One change the workbench made to a cgroup file system — a directory made or removed, a value written
 * to a control file, a process killed — and what the kernel answered. Each is made of real system calls
 * (mkdirat, openat/write/close, unlinkat, kill), traced where they were made ({@link CgroupFiles}); this
 * is their summary as the shell command that does the same, which {@code cgroup show} lists so a learner
 * can repeat every step with {@code echo}. It is never printed as a system call.
 *
 * @param errno 0 when the kernel accepted it, otherwise the errno the call returned
 */
public record CgroupWrite(Action action, Path path, String value, int errno) {

    /**
     * What was done: {@code mkdir(2)}, {@code write(2)} of a value, {@code rmdir(2)}, or a {@code kill(2)} of a
     * process found in {@code path} (a {@code cgroup.procs} file; {@code value} is the pid).
     */
    public enum Action { MKDIR, WRITE, RMDIR, KILL }

    public boolean ok() {
        return errno == 0;
    }

    /** The result as strace would show it: {@code ok}, or {@code EBUSY (Device or resource busy)}. */
    public String result() {
        return ok() ? "ok" : Errno.name(errno) + " (" + Errno.message(errno) + ")";
    }

    /** The shell command that does the same thing, e.g. {@code echo 20971520 > .../memory.limit_in_bytes}. */
    public String asShell() {
        return switch (action) {
            case MKDIR -> "mkdir " + path;
            case RMDIR -> "rmdir " + path;
            case KILL -> "kill -KILL " + value + "    # listed in " + path;
            case WRITE -> "echo " + (value.contains(" ") ? "'" + value + "'" : value) + " > " + path;
        };
    }

    @Override
    public String toString() {
        return asShell() + "  = " + result();
    }
}
