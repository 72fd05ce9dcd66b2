package dev.cwb.layer;

import com.github.luben.zstd.ZstdInputStream;
import dev.cwb.CwbException;
import dev.cwb.image.MediaTypes.Compression;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Turns a layer blob into the tar stream it carries. A layer's media type says how it is compressed
 * (OCI image-spec "Image Layer Filesystem Changeset"); the first bytes are checked too, because Docker's
 * {@code docker save} tars hold uncompressed layers under a gzip media type name, and some tools do the
 * reverse; archives given to {@code load} are told apart the same way, never by their file name.
 * Magic numbers: gzip {@code 1f 8b} (RFC 1952 §2.3.1), zstd {@code 28 b5 2f fd} (RFC 8878 §3.1.1).
 */
public final class LayerStreams {
    private static final int BUFFER = 1 << 17;

    private LayerStreams() {
    }

    /** The uncompressed tar stream of a layer blob, whatever its compression turns out to be. */
    public static InputStream uncompressed(InputStream blob, Compression declared) throws IOException {
        BufferedInputStream in = new BufferedInputStream(blob, BUFFER);
        Compression actual = sniff(in);
        Compression use = actual != Compression.NONE ? actual : declared == Compression.NONE ? Compression.NONE : actual;
        return switch (use) {
            case GZIP -> new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
            case ZSTD -> {
                try {
                    yield new BufferedInputStream(new ZstdInputStream(in), BUFFER);
                } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                    throw new CwbException(CwbException.UNSUPPORTED, "cannot read a zstd layer: the zstd native library does not load here ("
                            + e.getMessage() + ")", "use an image with gzip layers", e);
                }
            }
            case NONE -> in;
        };
    }

    /** Looks at the first bytes without consuming them. */
    public static Compression sniff(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] head = in.readNBytes(4);
        in.reset();
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (head.length == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
                && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }
}
