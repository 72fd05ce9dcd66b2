package dev.cwb.image;

import dev.cwb.CwbException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts the bytes of a blob as they are read, and at the end checks them against the
 * descriptor that named the blob. A blob longer than its descriptor says fails as soon as the extra
 * byte arrives, so a hostile blob cannot make a reader consume unbounded data.
 *
 * <p>Reading to the end (or calling {@link #verifyToEnd()}) is what proves the bytes are right: whoever
 * uses what was read must not keep it unless verification passed.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final Digest expectedDigest;
    private final long expectedSize;
    private final String what;
    private final MessageDigest hasher;
    private long count;
    private boolean verified;

    /**
     * @param expectedSize the size the descriptor gives, or -1 when unknown
     * @param what         how to name the blob in an error, e.g. {@code "blob sha256:ab12... (layer 2)"}
     */
    public VerifyingInputStream(InputStream in, Digest expectedDigest, long expectedSize, String what) {
        super(in);
        this.expectedDigest = expectedDigest;
        this.expectedSize = expectedSize;
        this.what = what;
        this.hasher = expectedDigest.newHasher();
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            finish();
        } else {
            hasher.update((byte) b);
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n < 0) {
            finish();
        } else if (n > 0) {
            hasher.update(buf, off, n);
            advance(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 65536)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void advance(int n) {
        count += n;
        if (expectedSize >= 0 && count > expectedSize) {
            throw CwbException.corrupt(what + " is larger than its descriptor says (" + expectedSize
                    + " bytes); it was not used", "the blob is damaged or was replaced: remove the image and load it again");
        }
    }

    private void finish() {
        if (verified) {
            return;
        }
        if (expectedSize >= 0 && count != expectedSize) {
            throw CwbException.corrupt(what + " has " + count + " bytes but its descriptor says " + expectedSize
                    + "; it was not used", "the blob is truncated or damaged: remove the image and load it again");
        }
        Digest actual = new Digest(expectedDigest.algorithm(), java.util.HexFormat.of().formatHex(hasher.digest()));
        if (!actual.equals(expectedDigest)) {
            throw CwbException.corrupt(what + " does not match its digest: the bytes hash to " + actual
                    + "; it was not used", "the blob is damaged or was replaced: remove the image and load it again");
        }
        verified = true;
    }

    /** Reads whatever is left and verifies; throws {@link CwbException} on a size or digest mismatch. */
    public void verifyToEnd() throws IOException {
        byte[] buf = new byte[65536];
        while (read(buf, 0, buf.length) >= 0) {
            // drain: the hash covers every byte
        }
    }

    public long bytesRead() {
        return count;
    }

    public boolean verified() {
        return verified;
    }
}
