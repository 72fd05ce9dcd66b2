package dev.cwb.shell;

import dev.cwb.view.DecodingOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;

/**
 * Bytes for the shell's screen (a container's output: relayed from the pty of its own terminal, or from
 * pipes, such as a lesson step's): written to the terminal's output stream as they are, after the text written before them
 * is flushed. The lesson checks and a {@code :record} recording keep text, so they get a decoded copy.
 */
final class ScreenBytes extends OutputStream {
    private final Writer textBefore;
    private final OutputStream terminal;
    private final DecodingOutputStream copy;

    /** {@code textBefore}: the writer to the same terminal; {@code copies}: where the decoded copy goes, never to the screen. */
    ScreenBytes(Writer textBefore, OutputStream terminal, Writer copies) {
        this.textBefore = textBefore;
        this.terminal = terminal;
        this.copy = new DecodingOutputStream(copies);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        textBefore.flush();
        copy.write(b, off, len);
        terminal.write(b, off, len);
        terminal.flush();
    }

    @Override
    public synchronized void flush() throws IOException {
        terminal.flush();
    }
}
