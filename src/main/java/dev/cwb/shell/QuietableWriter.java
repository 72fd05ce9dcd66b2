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
}
