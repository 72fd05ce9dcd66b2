package dev.cwb.cgroup;

import dev.cwb.kernel.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reading and writing cgroup control files, each write recorded in a {@link CgroupTrace}.
 *
 * <p>A control file takes one value per {@code write(2)} and answers with an errno when it refuses it
 * (cgroup-v2.rst, "Conventions"), so a value is written in a single call on a descriptor opened without
 * {@code O_CREAT}: on cgroupfs only the kernel creates files. The same code works on a plain directory
 * tree, which is how the drivers are tested without root.
 */
final class CgroupFiles {
    private final CgroupTrace trace;
    private final java.util.function.Consumer<Path> afterMkdir;

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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
            ch.write(buf);
            record(CgroupWrite.Action.WRITE, file, value, 0, null);
        } catch (IOException e) {
            record(CgroupWrite.Action.WRITE, file, value, errnoOf(e), e);
        }
    }

    /** Makes a directory; false (and nothing recorded) when it already exists. */
    boolean mkdir(Path dir) throws Failure {
        if (Files.isDirectory(dir)) {
            return false;
        }
        try {
            Files.createDirectory(dir);
            afterMkdir.accept(dir);
            record(CgroupWrite.Action.MKDIR, dir, null, 0, null);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false; // made by someone else in the meantime: just as good
        } catch (IOException e) {
            record(CgroupWrite.Action.MKDIR, dir, null, errnoOf(e), e);
            return false;
        }
    }

    void rmdir(Path dir) throws Failure {
        try {
            Files.delete(dir);
            record(CgroupWrite.Action.RMDIR, dir, null, 0, null);
        } catch (IOException e) {
            record(CgroupWrite.Action.RMDIR, dir, null, errnoOf(e), e);
        }
    }

    /** SIGKILLs one process, recording it; a process that is already gone is not an error. */
    void kill(Path procsFile, long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            if (p.destroyForcibly()) {
                trace.add(new CgroupWrite(CgroupWrite.Action.KILL, procsFile, Long.toString(pid), 0));
            }
        });
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

    /**
     * The errno behind a Java I/O exception. The JDK turns the common ones into exception types and puts
     * strerror(3)'s text in the reason of the others (and in the message of a failed write), so the text is
     * matched back to its number.
     */
    static int errnoOf(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof AccessDeniedException) {
            return 13; // EACCES; EPERM arrives as a plain FileSystemException with its own text
        }
        if (e instanceof FileAlreadyExistsException) {
            return Errno.EEXIST;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return 39; // ENOTEMPTY
        }
        String text = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        if (text != null) {
            for (Map.Entry<String, Integer> m : STRERROR.entrySet()) {
                if (text.contains(m.getKey())) {
                    return m.getValue();
                }
            }
        }
        return 5; // EIO: the kernel said something this table does not know
    }

    private static final Map<String, Integer> STRERROR = strerrorTable();

    private static Map<String, Integer> strerrorTable() {
        Map<String, Integer> table = new java.util.LinkedHashMap<>();
        // Longest texts first so "No such file or directory" is not mistaken for a shorter match.
        List<Integer> numbers = new ArrayList<>();
        for (int n = 1; n <= 133; n++) {
            numbers.add(n);
        }
        numbers.stream()
                .map(n -> Map.entry(Errno.message(n), n))
                .filter(en -> !en.getKey().startsWith("E") || en.getKey().contains(" "))
                .sorted((a, b) -> b.getKey().length() - a.getKey().length())
                .forEach(en -> table.putIfAbsent(en.getKey(), en.getValue()));
        return table;
    }
}
