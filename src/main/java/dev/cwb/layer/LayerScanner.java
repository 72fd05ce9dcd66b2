package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.Digest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.VerifyingInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a layer blob once, end to end, and lists its entries — without extracting anything. While it
 * reads, it checks both names of the layer: the blob's digest (of the compressed bytes, in the manifest)
 * and the diff_id (of the uncompressed tar, in the config's {@code rootfs.diff_ids}). Nothing it returns
 * may be used unless both match, so a mismatch is an exception, never a result.
 */
public final class LayerScanner {
    private LayerScanner() {
    }

    /** What one pass over a layer found. */
    public record ScannedLayer(List<LayerEntry> entries, long uncompressedSize, Digest diffId) {
    }

    /**
     * @param blob      the verifying stream of the layer blob (closed here)
     * @param mediaType the layer's media type, for its compression
     * @param expectedDiffId the diff_id the config gives for this layer
     * @param what      how to name the layer in errors, e.g. "layer 2 of busybox:latest"
     */
    public static ScannedLayer scan(VerifyingInputStream blob, String mediaType, Digest expectedDiffId, String what) {
        MessageDigest hasher = Digest.newSha256();
        List<LayerEntry> entries = new ArrayList<>();
        long size;
        // Two threads per layer: a read-ahead thread reads the blob, hashes it and inflates it; this thread
        // hashes the tar (the diff_id) and walks its headers. On two cores the stages overlap.
        try (blob;
             InputStream inflated = new ReadAheadInputStream(
                     LayerStreams.uncompressed(blob, MediaTypes.compressionOf(mediaType)), 1 << 20, 8, "layer-inflate");
             CountingInputStream tarBytes = new CountingInputStream(new DigestInputStream(inflated, hasher))) {
            CheckedTar tar = new CheckedTar(tarBytes, what);
            for (TarArchiveEntry e; (e = tar.next()) != null; ) {
                entries.add(toEntry(e));
            }
            tarBytes.transferTo(java.io.OutputStream.nullOutputStream()); // the diff_id covers the tar's end padding too
            blob.verifyToEnd();
            size = tarBytes.count();
        } catch (CwbException e) {
            throw e;
        } catch (java.io.InterruptedIOException e) {
            throw new CwbException(CwbException.IO, "cancelled while reading " + what, null);
        } catch (IOException | RuntimeException e) {
            throw CwbException.corrupt("cannot read " + what + ": " + describe(e),
                    "the layer blob is truncated or damaged; it was not used");
        }
        Digest diffId = Digest.ofSha256(hasher.digest());
        if (expectedDiffId != null && !expectedDiffId.equals(diffId)) {
            throw CwbException.corrupt(what + ": its uncompressed tar hashes to " + diffId + " but the config's diff_id is "
                    + expectedDiffId, "the image's layer and config disagree; it was not used");
        }
        return new ScannedLayer(entries, size, diffId);
    }

    /**
     * The bytes of the regular files in a layer: the least that unpacking it needs (directories, links and
     * the file system's own blocks come on top), or -1 when the layer cannot be read. One pass over the blob;
     * only asked for after a full disk stopped an unpack, to say what was needed.
     */
    public static long fileBytes(dev.cwb.image.ImageStore store, dev.cwb.image.Descriptor layer, Digest diffId, String what) {
        try {
            return scan(store.openBlob(layer, what), layer.mediaType(), diffId, what).entries().stream()
                    .filter(e -> e.kind() == LayerEntry.Kind.FILE).mapToLong(LayerEntry::size).sum();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static LayerEntry toEntry(TarArchiveEntry e) {
        String path = TarPaths.clean(e.getName());
        String base = TarPaths.baseName(path);
        if (base.equals(LayerEntry.OPAQUE_MARKER)) {
            return new LayerEntry(TarPaths.parent(path), LayerEntry.Kind.OPAQUE, 0);
        }
        String deleted = TarPaths.whiteoutTarget(path, e.getName());
        if (deleted != null) {
            return new LayerEntry(deleted, LayerEntry.Kind.WHITEOUT, 0);
        }
        LayerEntry.Kind kind;
        // The type flag decides; commons-compress also calls any name ending in '/' a directory.
        if (e.isSymbolicLink()) {
            kind = LayerEntry.Kind.SYMLINK;
        } else if (e.isLink()) {
            kind = LayerEntry.Kind.HARDLINK;
        } else if (e.isCharacterDevice()) {
            kind = LayerEntry.Kind.CHAR_DEVICE;
        } else if (e.isBlockDevice()) {
            kind = LayerEntry.Kind.BLOCK_DEVICE;
        } else if (e.isFIFO()) {
            kind = LayerEntry.Kind.FIFO;
        } else if (e.isDirectory()) {
            kind = LayerEntry.Kind.DIRECTORY;
        } else {
            kind = LayerEntry.Kind.FILE;
        }
        return new LayerEntry(path, kind, kind == LayerEntry.Kind.FILE ? e.getSize() : 0);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.io.EOFException) {
            return "it ends early (" + (m == null ? "unexpected end of stream" : m) + ")";
        }
        if (e instanceof java.util.zip.ZipException) {
            return "its gzip data is corrupt (" + m + ")";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Counts the bytes that pass through. */
    static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // skipping must still hash: read through
            byte[] buf = new byte[65536];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        long count() {
            return count;
        }
    }
}
