package dev.cwb.shell;

import java.io.Writer;

/**
 * A writer that can be silenced for good. A cancelled command may still be unwinding on its thread (a
 * blocked read, a last error message); once silenced, nothing it prints can land in the middle of the
 * learner's next prompt.
 */
final class QuietableWriter extends Writer {
    private final Writer target;
    private boolean quiet;

    QuietableWriter(Writer target) {
        this.target = target;
        this.lock = this;
    }

    /** Drops everything written from now on; a write already in progress finishes first. */
    synchronized void silence() {
        quiet = true;
    }

    @Override
    public synchronized void write(char[] buffer, int offset, int length) throws java.io.IOException {
        if (!quiet) {
            target.write(buffer, offset, length);
        }
    }

    @Override
    public synchronized void flush() throws java.io.IOException {
        if (!quiet) {
            target.flush();
        }
    }

    @Override
    public void close() {
        // the terminal belongs to the shell; a command never closes it
    }

    /** A byte stream to {@code bytes} that goes silent with this writer. */
    java.io.OutputStream bytes(java.io.OutputStream bytes) {
        QuietableWriter gate = this;
        return new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                synchronized (gate) {
                    if (!gate.quiet) {
                        bytes.write(b, off, len);
                    }
                }
            }

            @Override
            public void flush() throws java.io.IOException {
                synchronized (gate) {
                    if (!gate.quiet) {
                        bytes.flush();
                    }
                }
            }
        };
    }
}
