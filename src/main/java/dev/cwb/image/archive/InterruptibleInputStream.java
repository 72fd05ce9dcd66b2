package dev.cwb.image.archive;

import dev.cwb.CwbException;

import java.io.FilterInputStream;
import java.io.InputStream;

/**
 * Makes a long copy stop when its thread is interrupted (the shell interrupts the running command on
 * Ctrl-C). Plain file reads ignore interruption, so without this check a multi-gigabyte load would run
 * to the end. The exception unwinds through the store transaction, which then discards what it staged.
 */
final class InterruptibleInputStream extends FilterInputStream {
    /** Exit status of a command stopped by Ctrl-C: 128 + SIGINT, as shells report it. */
    static final int INTERRUPTED_EXIT = 130;

    InterruptibleInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws java.io.IOException {
        check();
        return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws java.io.IOException {
        check();
        return super.read(b, off, len);
    }

    @Override
    public long skip(long n) throws java.io.IOException {
        check();
        return super.skip(n);
    }

    /**
     * Throws when the current thread has been interrupted. Like a thrown {@link InterruptedException}, the
     * exception <em>is</em> the report of the interruption, so the flag is cleared: the shell's next
     * command must not start out interrupted.
     */
    static void check() {
        if (Thread.interrupted()) {
            throw new CwbException(INTERRUPTED_EXIT, "interrupted; nothing was changed",
                    "run the command again to start over");
        }
    }
}
