package dev.cwb.layer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Holds one file's content copied out of a layer tar until the layer has been verified: nothing read from
 * a layer may be shown before its digests are checked, and the check comes only at the end of the tar.
 * Small files stay in memory; beyond {@link #MEMORY_LIMIT} the bytes go to a temporary file, deleted on
 * {@link #close()}.
 */
public final class ContentBuffer implements AutoCloseable {
    static final int MEMORY_LIMIT = 8 << 20;
    /** How much of the start is kept in memory for sniffing (git looks at the first 8000 bytes). */
    public static final int HEAD_SIZE = 8000;

    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private Path spill;
    private OutputStream spillOut;
    private final byte[] head = new byte[HEAD_SIZE];
    private int headLength;
    private long size;

    /** Copies all of {@code in} (one tar entry's data) into the buffer. */
    void fill(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("cancelled");
            }
            write(buf, n);
        }
        if (spillOut != null) {
            spillOut.flush();
        }
    }

    private void write(byte[] buf, int n) throws IOException {
        if (headLength < HEAD_SIZE) {
            int take = Math.min(n, HEAD_SIZE - headLength);
            System.arraycopy(buf, 0, head, headLength, take);
            headLength += take;
        }
        size += n;
        if (spillOut == null && memory.size() + (long) n > MEMORY_LIMIT) {
            spill = Files.createTempFile("cwb-cat", ".bin");
            spillOut = Files.newOutputStream(spill);
            memory.writeTo(spillOut);
            memory = null;
        }
        if (spillOut != null) {
            spillOut.write(buf, 0, n);
        } else {
            memory.write(buf, 0, n);
        }
    }

    public long size() {
        return size;
    }

    /** The first bytes (up to {@link #HEAD_SIZE}), for deciding whether the content is text. */
    public byte[] head() {
        return Arrays.copyOf(head, headLength);
    }

    /** The whole content, from the start. */
    public InputStream open() throws IOException {
        if (spillOut != null) {
            spillOut.flush();
            return Files.newInputStream(spill);
        }
        return new ByteArrayInputStream(memory.toByteArray());
    }

    @Override
    public void close() throws IOException {
        if (spillOut != null) {
            spillOut.close();
            Files.deleteIfExists(spill);
        }
    }
}
