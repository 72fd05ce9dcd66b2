package dev.cwb.cleanup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Marks a working directory (a staged load, a layer being unpacked) as in use by a live workbench: an
 * exclusive lock (fcntl(2) record lock) on {@code DIR/.in-use}, held for as long as the work goes on.
 * The kernel drops the lock when the process dies, however it dies, so {@code cleanup} can tell a
 * directory a killed session left behind (no lock holder) from one still being written.
 */
public final class InUseMarker implements AutoCloseable {
    static final String FILE = ".in-use";
    private final FileChannel channel;
    private final FileLock lock;

    private InUseMarker(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Marks {@code dir} (which must exist) as in use until {@link #close()}. */
    public static InUseMarker hold(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return new InUseMarker(ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Deletes the marker file of a directory whose work is finished (its lock may still be held: deleting is fine). */
    public static void forget(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE));
    }

    /** True when some live process (this one included) holds {@code dir}'s marker. */
    public static boolean inUse(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try {
            return locked(file);
        } catch (IOException e) {
            return true; // cannot tell: leave it alone
        }
    }

    /** True when a live process (this one included) holds the lock on {@code file}; probing takes it only for a moment. */
    static boolean locked(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock probe = ch.tryLock();
            if (probe == null) {
                return true; // another process holds it
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // this JVM holds it
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
