package dev.cwb.container;

import dev.cwb.kernel.Kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies bytes from a descriptor (the read end of a container's stdout pipe, say) or a stream (a log file)
 * to an {@link OutputStream}, on a thread of its own, byte for byte: nothing is decoded, nothing is added,
 * and each read is written and flushed before the next, so at most one buffer ({@link #BUFFER} bytes) is
 * held, whatever the length of the stream. What a container writes therefore reaches the workbench's
 * standard output as the same bytes and as soon as the pipe hands them over.
 *
 * <p>The source is the pump's: it is closed at end of file, and also when the destination fails (a reader
 * that went away, {@code ./cwb run ... | head -c 10}), so that the writer's next write gets EPIPE as it
 * would writing to the closed pipe itself. Building blocks for other paths (a log file written from a
 * container's output, a pty's master side copied to the terminal) are the two {@code start} methods.
 */
public final class BytePump {
    /** One pipe's worth and a little more: Linux pipes hold 64 KiB by default (pipe(7)). */
    public static final int BUFFER = 64 * 1024;

    private final Thread thread;
    private volatile long bytes;
    private volatile IOException failure;

    private BytePump(String name, Runnable body) {
        this.thread = new Thread(body, name);
        this.thread.setDaemon(true); // a command that leaves a writer running must not keep the JVM alive
    }

    /** Starts copying from descriptor {@code fd} (read(2), untraced) to {@code to}; the pump closes {@code fd}. */
    public static BytePump start(String name, int fd, OutputStream to) {
        BytePump[] self = new BytePump[1];
        self[0] = new BytePump(name, () -> {
            byte[] buf = new byte[BUFFER];
            try {
                long n;
                while ((n = Kernel.read(fd, buf)) > 0 || (n < 0 && Kernel.interruptedCall())) {
                    if (n > 0) {
                        self[0].write(to, buf, (int) n);
                    }
                }
            } catch (IOException e) {
                self[0].failure = e;
            } finally {
                Kernel.close(fd); // at end of file every writer is gone; after a failure the writers see EPIPE
            }
        });
        self[0].thread.start();
        return self[0];
    }

    /** Starts copying {@code from} to {@code to}; the pump closes {@code from}. */
    public static BytePump start(String name, InputStream from, OutputStream to) {
        BytePump[] self = new BytePump[1];
        self[0] = new BytePump(name, () -> {
            byte[] buf = new byte[BUFFER];
            try (from) {
                for (int n; (n = from.read(buf)) >= 0; ) {
                    self[0].write(to, buf, n);
                }
            } catch (IOException e) {
                self[0].failure = e;
            }
        });
        self[0].thread.start();
        return self[0];
    }

    private void write(OutputStream to, byte[] buf, int n) throws IOException {
        to.write(buf, 0, n);
        to.flush();
        bytes += n;
    }

    /** Waits at most {@code millis} for the source to end; true when it has (and everything was written). */
    public boolean await(long millis) throws InterruptedException {
        thread.join(Math.max(1, millis));
        return !thread.isAlive();
    }

    /** The bytes copied so far. */
    public long bytes() {
        return bytes;
    }

    /** Why the destination stopped taking bytes, or null. */
    public IOException failure() {
        return failure;
    }
}
