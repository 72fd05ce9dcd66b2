package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageStore;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.VerifyingInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * A layer blob opened for one pass: the compressed bytes are checked against the blob digest, the
 * uncompressed tar against the diff_id. Decompression and hashing run on a read-ahead thread, so the
 * reader (listing or extracting) works in parallel with them. After the reader is done, {@link #verify()}
 * reads whatever is left and throws if either digest does not match — only then may the result be used.
 */
public final class LayerSource implements AutoCloseable {
    private final VerifyingInputStream blob;
    private final MessageDigest diffHasher = Digest.newSha256();
    private final LayerScanner.CountingInputStream counted;
    private final InputStream tar;
    private final Digest expectedDiffId;
    private final String what;

    public LayerSource(ImageStore store, Descriptor layer, Digest expectedDiffId, String what) throws IOException {
        this.what = what;
        this.expectedDiffId = expectedDiffId;
        this.blob = store.openBlob(layer, what);
        this.counted = new LayerScanner.CountingInputStream(new DigestInputStream(
                LayerStreams.uncompressed(blob, MediaTypes.compressionOf(layer.mediaType())), diffHasher));
        this.tar = new ReadAheadInputStream(counted, 1 << 20, 8, "layer-read-ahead");
    }

    /** The uncompressed tar stream. */
    public InputStream tar() {
        return tar;
    }

    /** Drains the stream and checks both digests; returns the uncompressed size. */
    public long verify() throws IOException {
        tar.transferTo(java.io.OutputStream.nullOutputStream());
        blob.verifyToEnd();
        Digest diffId = Digest.ofSha256(diffHasher.digest());
        if (expectedDiffId != null && !expectedDiffId.equals(diffId)) {
            throw CwbException.corrupt(what + ": its uncompressed tar hashes to " + diffId + " but the config's diff_id is "
                    + expectedDiffId, "the image's layer and config disagree; it was not used");
        }
        return counted.count();
    }

    @Override
    public void close() throws IOException {
        tar.close();
        blob.close();
    }
}
