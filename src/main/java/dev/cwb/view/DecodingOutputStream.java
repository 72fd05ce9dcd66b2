package dev.cwb.view;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes for a destination that only takes text (a test's {@code StringWriter}, a lesson check's copy of
 * what a step printed): decoded as UTF-8 as they come, a sequence split across two writes kept until its
 * end arrives, bytes that are not UTF-8 shown as U+FFFD. Where bytes must stay bytes (the workbench's own
 * standard output, a terminal's output stream) they never pass through here; this is only for readers.
 */
public final class DecodingOutputStream extends OutputStream {
    private final Writer text;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes of an incomplete sequence (at most 3) waiting for the rest. */
    private final ByteBuffer pending = ByteBuffer.allocate(4096);
    private final CharBuffer chars = CharBuffer.allocate(4096);

    public DecodingOutputStream(Writer text) {
        this.text = text;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int take = Math.min(len, pending.remaining());
            pending.put(b, off, take);
            off += take;
            len -= take;
            pending.flip();
            decode(false);
            pending.compact();
        }
    }

    private void decode(boolean end) throws IOException {
        while (true) {
            var result = decoder.decode(pending, chars, end);
            chars.flip();
            text.write(chars.array(), chars.arrayOffset() + chars.position(), chars.remaining());
            chars.clear();
            if (!result.isOverflow()) {
                return;
            }
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        text.flush();
    }

    /** Ends the text: an incomplete sequence left at the end becomes U+FFFD. */
    @Override
    public synchronized void close() throws IOException {
        pending.flip();
        decode(true);
        decoder.flush(chars);
        chars.flip();
        text.write(chars.array(), 0, chars.remaining());
        chars.clear();
        pending.clear();
        decoder.reset();
        text.flush();
    }
}
