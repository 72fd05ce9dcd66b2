package dev.cwb.cleanup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Work directories outside {@code $CWB_HOME} (an {@code unpack --flat} being built beside its target)
 * are registered here while they are written: a file in {@code $CWB_HOME/pending/} names the directory and
 * stays locked by the live process. If the process is killed, the lock goes and {@code cleanup} finds
 * the directory through the file.
 */
public final class PendingWork implements AutoCloseable {
    private final Path pointer;
    private final FileChannel channel;
    private final FileLock lock;

    private PendingWork(Path pointer, FileChannel channel, FileLock lock) {
        this.pointer = pointer;
        this.channel = channel;
        this.lock = lock;
    }

    /** Registers {@code workDir} as being written by this process until {@link #close()}. */
    public static PendingWork register(Path pendingDir, Path workDir) throws IOException {
        Files.createDirectories(pendingDir);
        Path pointer = pendingDir.resolve(UUID.randomUUID().toString());
        FileChannel ch = FileChannel.open(pointer, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.lock();
            ch.write(java.nio.ByteBuffer.wrap(workDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8)));
            return new PendingWork(pointer, ch, lock);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(pointer);
            throw e;
        }
    }

    /** A registration whose process is gone, and the directory it named. */
    public record Abandoned(Path pointer, Path workDir) {
    }

    /** The registrations nobody holds any more. */
    public static List<Abandoned> abandoned(Path pendingDir) throws IOException {
        List<Abandoned> found = new ArrayList<>();
        if (!Files.isDirectory(pendingDir)) {
            return found;
        }
        try (Stream<Path> s = Files.list(pendingDir)) {
            for (Path pointer : s.toList()) {
                if (!InUseMarker.locked(pointer)) { // locked: a live workbench is still writing there
                    found.add(new Abandoned(pointer, Path.of(Files.readString(pointer, StandardCharsets.UTF_8).strip())));
                }
            }
        }
        return found;
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(pointer);
            lock.release();
        } finally {
            channel.close();
        }
    }
}
