package dev.cwb.cgroup;

import dev.cwb.kernel.Errno;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallListener;
import dev.cwb.kernel.Syscalls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reading and writing cgroup control files, each change a traced system call and a {@link CgroupWrite} in
 * the {@link CgroupTrace}.
 *
 * <p>A control file takes one value per {@code write(2)} and answers with an errno when it refuses it
 * (cgroup-v2.rst, "Conventions"), so a value is written as {@link Syscalls#writeFile}: openat without
 * {@code O_CREAT} (on cgroupfs only the kernel creates files), one write, close. Directories are made
 * with mkdirat(2) and removed with unlinkat(2) ({@code AT_REMOVEDIR}); a process still inside at removal
 * gets kill(2). Every call goes through {@link #writeThrough the Syscalls it is given} — the container's
 * own process while it can see the host's cgroup mount, else this JVM's calling thread — and so appears,
 * with the kernel's own result, in the trace of whoever made it. The errno a {@link CgroupWrite} carries
 * is that result, never a guess.
 *
 * <p>The same code works on a plain directory tree, which is how the drivers are tested without root.
 * Reading is plain Java file I/O and is not traced: it changes nothing.
 */
final class CgroupFiles {
    private static final int SIGKILL = 9;
    private static final int ESRCH = 3;

    private final CgroupTrace trace;
    private final java.util.function.Consumer<Path> afterMkdir;
    private volatile Syscalls calls = new Syscalls(SyscallListener.NONE);

    CgroupFiles(CgroupTrace trace) {
        this(trace, dir -> { });
    }

    /** {@code afterMkdir} lets a test play the kernel, which fills every new cgroup directory with files. */
    CgroupFiles(CgroupTrace trace, java.util.function.Consumer<Path> afterMkdir) {
        this.trace = trace;
        this.afterMkdir = afterMkdir;
    }

    CgroupTrace trace() {
        return trace;
    }

    /** From now on the calls are made, and reported, through {@code calls}. */
    void writeThrough(Syscalls calls) {
        this.calls = java.util.Objects.requireNonNull(calls, "calls");
    }

    /** Failure of one operation, carrying the errno the kernel gave. */
    static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;
        final CgroupWrite write;

        Failure(CgroupWrite write, Throwable cause) {
            super(write.toString(), cause);
            this.write = write;
        }

        int errno() {
            return write.errno();
        }
    }

    void write(Path file, String value) throws Failure {
        try {
            calls.writeFile(file.toString(), value.getBytes(StandardCharsets.US_ASCII));
            record(CgroupWrite.Action.WRITE, file, value, 0, null);
        } catch (SyscallException e) {
            record(CgroupWrite.Action.WRITE, file, value, errnoOf(e), e);
        }
    }

    /**
     * Several values to one control file that takes one per write(2), such as v1's {@code devices.allow}:
     * one openat, a write of each value, one close (each value recorded as its own change, as echo would
     * make it). The first value the kernel refuses ends it, after the close.
     */
    void writeEach(Path file, List<String> values) throws Failure {
        int fd;
        try {
            fd = calls.open(file.toString(), dev.cwb.kernel.OpenFlags.O_WRONLY | dev.cwb.kernel.OpenFlags.O_TRUNC
                    | dev.cwb.kernel.OpenFlags.O_CLOEXEC);
        } catch (SyscallException e) {
            record(CgroupWrite.Action.WRITE, file, values.get(0), errnoOf(e), e);
            return;
        }
        Failure failed = null;
        try {
            for (String value : values) {
                byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
                try {
                    long n = calls.write(fd, bytes);
                    if (n != bytes.length) {
                        throw new SyscallException("write(2) to " + file + " took " + n + " of " + bytes.length
                                + " bytes, and the file takes a value whole or not at all");
                    }
                    record(CgroupWrite.Action.WRITE, file, value, 0, null);
                } catch (SyscallException e) {
                    record(CgroupWrite.Action.WRITE, file, value, errnoOf(e), e);
                }
            }
        } catch (Failure f) {
            failed = f;
        } finally {
            try {
                calls.close(fd);
            } catch (SyscallException e) {
                if (failed == null) {
                    failed = new Failure(new CgroupWrite(CgroupWrite.Action.WRITE, file, "", errnoOf(e)), e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** Makes a directory; false (and nothing recorded) when it already exists. */
    boolean mkdir(Path dir) throws Failure {
        if (Files.isDirectory(dir)) {
            return false;
        }
        try {
            calls.mkdir(dir.toString(), 0755);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EEXIST && Files.isDirectory(dir)) {
                return false; // made by someone else in the meantime: just as good
            }
            record(CgroupWrite.Action.MKDIR, dir, null, errnoOf(e), e);
            return false;
        }
        afterMkdir.accept(dir);
        record(CgroupWrite.Action.MKDIR, dir, null, 0, null);
        return true;
    }

    void rmdir(Path dir) throws Failure {
        try {
            calls.rmdir(dir.toString());
            record(CgroupWrite.Action.RMDIR, dir, null, 0, null);
        } catch (SyscallException e) {
            record(CgroupWrite.Action.RMDIR, dir, null, errnoOf(e), e);
        }
    }

    /** SIGKILLs one process, recording it; a process that is already gone (ESRCH) is not an error. */
    void kill(Path procsFile, long pid) {
        try {
            calls.kill((int) pid, SIGKILL);
            trace.add(new CgroupWrite(CgroupWrite.Action.KILL, procsFile, Long.toString(pid), 0));
        } catch (SyscallException e) {
            if (e.errno() != ESRCH) {
                trace.add(new CgroupWrite(CgroupWrite.Action.KILL, procsFile, Long.toString(pid), errnoOf(e)));
            }
        }
    }

    /**
     * The errno of a failed call. A failure without one (cwb-init went away before it answered, a write
     * cut short) is not the kernel refusing a value: it is reported as it is, not as a cgroup error.
     */
    private static int errnoOf(SyscallException e) {
        if (e.errno() == 0) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, e.getMessage(), "run cleanup, then try again");
        }
        return e.errno();
    }

    /** Records the operation, then throws when the kernel refused it. */
    private void record(CgroupWrite.Action action, Path path, String value, int errno, IOException cause)
            throws Failure {
        CgroupWrite w = new CgroupWrite(action, path, value, errno);
        trace.add(w);
        if (errno != 0) {
            throw new Failure(w, cause);
        }
    }

    /** The whole file, or empty when it does not exist. */
    static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A file holding one number, or empty when absent or not a number ({@code max}). */
    static OptionalLong readLong(Path file) {
        Optional<String> s = read(file);
        if (s.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(s.get().trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** One key of a flat-keyed file ({@code memory.events}, {@code cpu.stat}, {@code memory.oom_control}). */
    static OptionalLong readKey(Path file, String key) {
        return read(file).map(text -> keyIn(text, key)).orElse(OptionalLong.empty());
    }

    /**
     * The {@code oom_kill} line of {@code file}. Unlike the other readings, a file that cannot be read is not
     * "none": it is unknown, with the reason (a missing file included: the memory controller keeps it).
     */
    static OomKills oomKills(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return OomKills.unknown(file + " cannot be read: " + dev.cwb.CwbException.reason(e));
        }
        OptionalLong n = keyIn(text, "oom_kill");
        // oom_kill appeared in memory.events and memory.oom_control with Linux 4.13
        return n.isPresent() ? OomKills.counted(n.getAsLong()) : OomKills.unknown(file + " has no oom_kill line");
    }

    /** The value of {@code key} in the text of a flat-keyed file ({@code key value} lines). */
    static OptionalLong keyIn(String text, String key) {
        for (String line : text.split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals(key)) {
                try {
                    return OptionalLong.of(Long.parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The pids listed in a {@code cgroup.procs} file (none when it is missing). */
    static List<Long> pids(Path procsFile) {
        List<Long> pids = new ArrayList<>();
        read(procsFile).ifPresent(s -> {
            for (String line : s.split("\n")) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.trim()));
                }
            }
        });
        return pids;
    }
}
