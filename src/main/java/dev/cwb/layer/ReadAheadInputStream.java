package dev.cwb.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a source stream on its own thread, a few chunks ahead of the consumer. Unpacking a layer is two
 * kinds of work — decompressing and hashing (CPU) and creating files (system calls); with this in
 * between they overlap on two cores instead of taking turns.
 */
final class ReadAheadInputStream extends InputStream {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<Object> queue;
    private final Thread producer;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    ReadAheadInputStream(InputStream source, int chunkSize, int depth, String threadName) {
        this.queue = new ArrayBlockingQueue<>(depth);
        this.producer = new Thread(() -> pump(source, chunkSize), threadName);
        producer.setDaemon(true);
        producer.start();
    }

    /** Reads the source to its end. It does not close it: the owner still checks what follows (a digest). */
    private void pump(InputStream source, int chunkSize) {
        try {
            while (true) {
                byte[] chunk = source.readNBytes(chunkSize);
                if (chunk.length == 0) {
                    break;
                }
                queue.put(chunk);
                if (chunk.length < chunkSize) {
                    break;
                }
            }
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            try {
                queue.put(e);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        if (pos < current.length) {
            return true;
        }
        Object next;
        try {
            next = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("cancelled");
        }
        if (next instanceof IOException io) {
            throw io;
        }
        if (next instanceof RuntimeException re) {
            throw re;
        }
        byte[] chunk = (byte[]) next;
        if (chunk == END) {
            ended = true;
            return false;
        }
        current = chunk;
        pos = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = 0;
        while (skipped < n && fill()) {
            int step = (int) Math.min(n - skipped, current.length - pos);
            pos += step;
            skipped += step;
        }
        return skipped;
    }

    @Override
    public void close() {
        producer.interrupt();
        queue.clear();
        current = new byte[0];
        ended = true;
    }
}
