package dev.cwb.shell;

import java.io.IOException;
import java.io.Writer;

/**
 * Passes a command's output to the terminal and, while started, keeps a copy (at most 1 MiB, colour
 * escapes removed) for the lesson checks {@code output-contains} and {@code last-exit}.
 */
final class OutputCapture extends Writer {
    private static final int LIMIT = 1 << 20;

    private final Writer terminal;
    private StringBuilder copy;

    OutputCapture(Writer terminal) {
        this.terminal = terminal;
    }

    synchronized void start() {
        copy = new StringBuilder();
    }

    synchronized String stop() {
        String text = copy == null ? "" : copy.toString().replaceAll("\u001b\\[[0-9;]*m", "");
        copy = null;
        return text;
    }

    @Override
    public synchronized void write(char[] cbuf, int off, int len) throws IOException {
        keep(cbuf, off, len);
        terminal.write(cbuf, off, len);
    }

    private void keep(char[] cbuf, int off, int len) {
        if (copy != null && copy.length() < LIMIT) {
            copy.append(cbuf, off, Math.min(len, LIMIT - copy.length()));
        }
    }

    /** A writer that only keeps the copy: for text that reached the screen as bytes ({@link ScreenBytes}). */
    Writer copyOnly(java.util.function.Consumer<String> alsoTo) {
        OutputCapture capture = this;
        return new Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) {
                synchronized (capture) {
                    capture.keep(cbuf, off, len);
                }
                alsoTo.accept(new String(cbuf, off, len));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void flush() throws IOException {
        terminal.flush();
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}
