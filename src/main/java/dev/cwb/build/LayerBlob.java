package dev.cwb.build;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.StoreTransaction;

import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPOutputStream;

/**
 * A directory of changes made into a layer blob in one pass: {@link LayerDiffer} writes the tar, which is
 * hashed (its sha256 is the layer's diff_id, OCI image-spec "Image Configuration") on its way into gzip,
 * whose bytes are staged and hashed by the store (the blob digest the manifest names). Gzip's header
 * carries no time, so equal tars give equal blobs.
 */
public final class LayerBlob {
    /** The blob, its diff_id, and what the layer holds. */
    public record Made(Descriptor blob, Digest diffId, LayerDiffer.Stats stats) {
        /** No entries: a step that changed no file (BuildKit leaves such a layer out). */
        public boolean empty() {
            return stats.entries() == 0;
        }
    }

    private LayerBlob() {
    }

    /** Stages the layer of {@code upper} in {@code tx}. */
    public static Made stage(StoreTransaction tx, Path upper, LayerDiffer.Options options, String what) {
        MessageDigest tarHash = Digest.newSha256();
        LayerDiffer.Stats[] stats = new LayerDiffer.Stats[1];
        Descriptor blob = tx.writeBlob(MediaTypes.OCI_LAYER_GZIP, out -> {
            GZIPOutputStream gzip = new GZIPOutputStream(new java.io.FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws java.io.IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() {
                    // the store closes its own stream
                }
            }, 64 * 1024);
            DigestOutputStream tar = new DigestOutputStream(gzip, tarHash);
            stats[0] = LayerDiffer.write(upper, options, tar);
            tar.flush();
            gzip.close(); // finishes the stream and frees the deflater; the store's stream stays open
        }, what);
        return new Made(blob, Digest.ofSha256(tarHash.digest()), stats[0]);
    }
}
