package dev.cwb;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replacing a file whole, so that a reader — or the workbench after a crash, a full disk or Ctrl-C — finds
 * either the old content or the new, never part of the new: the content is written to a temporary file of
 * a name no other process uses, in the same directory (a rename is atomic only within one file system,
 * rename(2)), with its final permissions from its first byte (no window in which another user may open
 * it), flushed to the disk (fsync(2)), and then renamed over the file; the directory is flushed last, so
 * the rename itself survives a power cut. If anything fails on the way, the temporary file is removed and
 * the old file is as it was. This is the pattern of {@code renameio} (Go) and of Git's lock files.
 */
public final class AtomicFile {
    /** Owner read and write only: state, progress, secrets. */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    /** Readable by everyone, written by the owner: a file a user asked for (a trace, an exported list). */
    public static final Set<PosixFilePermission> SHARED = PosixFilePermissions.fromString("rw-r--r--");

    /** What goes into the file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces {@code file} with {@code bytes}, mode 0600. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, PRIVATE, out -> out.write(bytes));
    }

    /**
     * Replaces {@code file} with what {@code content} writes, with permissions {@code mode} less the
     * umask (as open(2) applies it); creates the parent directories first. A failure ({@link DiskFull#is a full disk} too) leaves no temporary file.
     */
    public static void write(Path file, Set<PosixFilePermission> mode, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(mode));
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the first failure is the one to report
                }
            }
        }
    }

    /** fsync(2) of a directory, so a rename in it is on the disk; a file system that refuses it loses nothing here. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            // some file systems do not sync directories; the rename has happened all the same
        }
    }
}
