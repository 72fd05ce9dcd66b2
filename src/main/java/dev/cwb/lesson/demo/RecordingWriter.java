package dev.cwb.lesson.demo;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;

/**
 * The terminal's writer, with a tap: while a recording runs ({@code :record FILE}), everything written
 * through it is also saved as asciicast output events.
 */
public final class RecordingWriter extends Writer {
    private final Writer terminal;
    private volatile AsciicastRecorder recorder;

    public RecordingWriter(Writer terminal) {
        this.terminal = terminal;
    }

    public void startRecording(Path file, int width, int height) {
        stopRecording();
        recorder = AsciicastRecorder.start(file, width, height);
    }

    /** Stops the recording; returns its file, or null when none ran. */
    public Path stopRecording() {
        AsciicastRecorder r = recorder;
        recorder = null;
        if (r == null) {
            return null;
        }
        r.close();
        return r.file();
    }

    public boolean recording() {
        return recorder != null;
    }

    /** Records text that reached the terminal some other way (the line editor's echo of a typed line). */
    public void recordOnly(String text) {
        AsciicastRecorder r = recorder;
        if (r != null) {
            r.output(text);
        }
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        terminal.write(cbuf, off, len);
        recordOnly(new String(cbuf, off, len));
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
