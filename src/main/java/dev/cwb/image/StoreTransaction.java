package dev.cwb.image;

import dev.cwb.CwbException;
import dev.cwb.DiskFull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A write to the {@link ImageStore} that becomes visible all at once or not at all.
 *
 * <p>Blobs are streamed into a private staging directory ({@code ingest/ID/}) while their digest is
 * computed; a blob whose bytes do not match the digest it was announced with is refused there. On
 * {@link #commit()} the staged blobs are renamed into {@code blobs/sha256/} and index.json is replaced
 * in one rename. Closing without committing deletes the staging directory: nothing half-written remains.
 */
public final class StoreTransaction implements AutoCloseable {
    private static final int COPY_BUFFER = 1 << 20;
    private final ImageStore store;
    private final Path staging;
    // putBlob may be called from several threads at once (a pull downloads layers in parallel)
    private final Map<Digest, Path> staged = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final java.util.concurrent.atomic.AtomicLong stagedCount = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Reference, Descriptor> tags = new LinkedHashMap<>();
    private final dev.cwb.cleanup.InUseMarker marker;
    private boolean done;

    StoreTransaction(ImageStore store, Path staging, dev.cwb.cleanup.InUseMarker marker) {
        this.store = store;
        this.staging = staging;
        this.marker = marker;
    }

    /**
     * Streams a blob into staging. With {@code expected} non-null the bytes must hash to it (and have
     * {@code expectedSize} bytes when that is not -1), or a {@link CwbException} names {@code what}.
     */
    public Descriptor putBlob(String mediaType, InputStream in, Digest expected, long expectedSize, String what) {
        Path tmp = staging.resolve("blob-" + stagedCount.incrementAndGet() + "-" + System.nanoTime());
        MessageDigest hasher = Digest.newSha256();
        long size;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            size = copyHashing(in, out, hasher, expectedSize);
        } catch (IOException e) {
            if (DiskFull.is(e)) {
                deleteQuietly(tmp); // first give its blocks back, so the free space said is what there is
                throw DiskFull.error("storing " + what, staging, expectedSize, "nothing was added to the store", e);
            }
            // A FileChannel is interruptible: Ctrl-C closes it and the write ends with this exception.
            String why = e instanceof ClosedByInterruptException ? "cancelled" : e.getMessage();
            throw new CwbException(CwbException.IO, "cannot store " + what + ": " + why, null, e);
        }
        Digest actual = Digest.ofSha256(hasher.digest());
        if (expected != null && !expected.equals(actual)) {
            throw CwbException.corrupt(what + " does not match its digest " + expected + " (its bytes hash to " + actual + ")",
                    "the source is damaged; nothing was added to the store");
        }
        if (expectedSize >= 0 && expectedSize != size) {
            throw CwbException.corrupt(what + " has " + size + " bytes but its descriptor says " + expectedSize,
                    "the source is damaged; nothing was added to the store");
        }
        Path previous = staged.putIfAbsent(actual, tmp);
        if (previous != null) {
            deleteQuietly(tmp);
        }
        return new Descriptor(mediaType, actual, size);
    }

    /**
     * Copies {@code in} to {@code out} while hashing, in large pieces: a layer is tens of megabytes, and
     * 8 KiB pieces (what {@code InputStream.transferTo} uses) would cost one {@code write(2)} each.
     */
    private static long copyHashing(InputStream in, FileChannel out, MessageDigest hasher, long expectedSize) throws IOException {
        byte[] buf = new byte[expectedSize < 0 ? COPY_BUFFER : (int) Math.min(COPY_BUFFER, Math.max(expectedSize, 8192))];
        long size = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            hasher.update(buf, 0, n);
            ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
            while (chunk.hasRemaining()) {
                out.write(chunk); // ENOSPC here: DiskFull tells it apart in putBlob (a read never fails so)
            }
            size += n;
        }
        return size;
    }

    /** Writes a blob's bytes as they are made; the caller writes them to the stream it is handed. */
    @FunctionalInterface
    public interface BlobWriter {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /**
     * Stages a blob {@code writer} makes (a layer tar being compressed, say) without holding it in memory:
     * the bytes go to the staging file and the hash as they are written.
     */
    public Descriptor writeBlob(String mediaType, BlobWriter writer, String what) {
        Path tmp = staging.resolve("blob-" + stagedCount.incrementAndGet() + "-" + System.nanoTime());
        MessageDigest hasher = Digest.newSha256();
        long size;
        try (java.io.OutputStream file = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), COPY_BUFFER);
             java.security.DigestOutputStream out = new java.security.DigestOutputStream(file, hasher)) {
            writer.writeTo(out);
            out.flush();
            size = Files.size(tmp);
        } catch (IOException e) {
            deleteQuietly(tmp);
            if (DiskFull.is(e)) {
                throw DiskFull.error("storing " + what, staging, -1, "nothing was added to the store", e);
            }
            throw new CwbException(CwbException.IO, "cannot store " + what + ": " + e.getMessage(), null, e);
        }
        Digest actual = Digest.ofSha256(hasher.digest());
        if (staged.putIfAbsent(actual, tmp) != null) {
            deleteQuietly(tmp);
        }
        return new Descriptor(mediaType, actual, size);
    }

    public Descriptor putBlob(String mediaType, byte[] bytes, String what) {
        return putBlob(mediaType, new java.io.ByteArrayInputStream(bytes), null, -1, what);
    }

    /** True when the blob is already in the store or staged here. */
    public boolean has(Digest digest) {
        return staged.containsKey(digest) || store.hasBlob(digest);
    }

    /** Names {@code manifest} as {@code ref} in index.json when the transaction commits. */
    public void tag(Reference ref, Descriptor manifest) {
        tags.put(ref, manifest);
    }

    /** Moves the staged blobs into place and rewrites index.json, under the store's lock. */
    public synchronized void commit() {
        if (done) {
            throw new IllegalStateException("transaction already finished");
        }
        store.withLock(() -> {
            java.util.List<Path> added = new java.util.ArrayList<>();
            try {
                staged.forEach((digest, path) -> {
                    Path target = store.blobPath(digest);
                    if (!Files.exists(target)) {
                        added.add(target);
                    }
                    ImageStore.moveBlobIntoPlace(path, target);
                });
                for (Descriptor manifest : tags.values()) {
                    if (!store.hasBlob(manifest.digest())) {
                        throw CwbException.corrupt("manifest " + manifest.digest() + " was tagged but never stored", null);
                    }
                }
                store.writeIndex(ImageIndex.of(ImageStore.retag(store.index().manifests(), tags)));
            } catch (RuntimeException e) {
                // index.json still names none of them (the lock is held): take back what this commit moved in
                added.forEach(StoreTransaction::deleteQuietly);
                if (DiskFull.is(e)) {
                    throw DiskFull.error("writing " + store.indexFile(), store.indexFile(), -1, "nothing was added to the store", e);
                }
                throw e;
            }
            return null;
        });
        done = true;
        close();
    }

    /** Discards whatever was staged and not committed. */
    @Override
    public synchronized void close() {
        done = true;
        try {
            marker.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
        if (!Files.exists(staging)) {
            return;
        }
        try (Stream<Path> files = Files.walk(staging)) {
            files.sorted(Comparator.reverseOrder()).forEach(StoreTransaction::deleteQuietly);
        } catch (IOException e) {
            // best effort: 'cleanup' removes stale ingest directories
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
