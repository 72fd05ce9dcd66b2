package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.DiskFull;
import dev.cwb.kernel.DirFd;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Creates small regular files on a few threads while the tar goes on being read. Unpacking an image is
 * mostly open(2), write(2), close(2) and a few metadata calls per file — kernel time — and on two
 * cores two threads making those calls finish sooner than one.
 *
 * <p>The extractor stays in charge of order: it asks {@link #conflicts} before touching a path, and
 * calls {@link #drain} before anything that deletes, links or replaces (whiteouts, hardlinks, an entry
 * whose path or a parent of it is still being written). Each file is created relative to a directory
 * descriptor the extractor has already resolved inside the root ({@link RootedDirs.Handle}, held until
 * the file is written), so the writers never resolve anything themselves.
 */
final class FileWriteQueue implements AutoCloseable {
    /** Files larger than this are written by the reading thread itself: they would only fill memory. */
    static final int MAX_QUEUED_FILE = 1 << 20;
    private static final long MAX_QUEUED_BYTES = 32L << 20;

    /** What to do to a file once its content is written (chown, chmod, times), through its descriptor. */
    interface Metadata {
        void apply(int fd) throws IOException;
    }

    private final ExecutorService pool;
    private final List<Future<?>> pending = new ArrayList<>();
    private final Set<String> pendingPaths = new HashSet<>();
    /** Every directory above a queued file: replacing one of them would pull the ground from under a writer. */
    private final Set<String> pendingParents = new HashSet<>();
    private long pendingBytes;

    /** Where the files go: a full disk is reported for that file system. */
    private java.nio.file.Path where = java.nio.file.Path.of(".");

    /** Names the directory the files are written under, for a full disk's message. */
    FileWriteQueue at(java.nio.file.Path where) {
        this.where = where;
        return this;
    }

    FileWriteQueue(int threads) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "layer-write");
            t.setDaemon(true);
            return t;
        });
    }

    /** True when {@code path} (relative to the root), a directory above it or a file below it is still being written. */
    boolean conflicts(String path) {
        if (pendingPaths.isEmpty()) {
            return false;
        }
        if (pendingParents.contains(path)) {
            return true;
        }
        for (String p = path; !p.isEmpty(); p = TarPaths.parent(p)) {
            if (pendingPaths.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** Queues a new file {@code name} in {@code dir} (it must not exist) with its content, creation mode and metadata. */
    void submit(RootedDirs.Handle dir, String name, String path, int mode, byte[] content, Metadata metadata, String failureLabel)
            throws IOException {
        if (pendingBytes + content.length > MAX_QUEUED_BYTES) {
            drain();
        }
        pendingPaths.add(path);
        for (String p = TarPaths.parent(path); !p.isEmpty() && pendingParents.add(p); p = TarPaths.parent(p)) {
            // each directory once
        }
        pendingBytes += content.length;
        dir.acquire();
        pending.add(pool.submit(() -> {
            try {
                int fd = dir.dir.create(name, mode);
                try {
                    DirFd.writeAll(fd, content, content.length, name);
                    metadata.apply(fd);
                } finally {
                    DirFd.closeFile(fd, name);
                }
            } catch (IOException e) {
                DiskFull.check(e, where); // a full disk is no fault of the layer's
                throw CwbException.corrupt(failureLabel + ": " + e.getMessage(),
                        "the layer is malformed or hostile; nothing was left in the layer cache");
            } finally {
                dir.release();
            }
            return null;
        }));
    }
    /** Waits until every queued file is written; the first failure is thrown. */
    void drain() throws IOException {
        try {
            for (Future<?> f : pending) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("cancelled");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        } finally {
            pending.clear();
            pendingPaths.clear();
            pendingParents.clear();
            pendingBytes = 0;
        }
    }

    /** Stops the writers and waits for them, so nobody writes into a directory the caller is about to delete. */
    @Override
    public void close() {
        LayerWorkers.stopAndWait(pool); // also after Ctrl-C, when this thread's interrupt flag is still set
    }
}
