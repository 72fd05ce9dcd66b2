package dev.cwb.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response body read as an {@link InputStream}, with the network allowed to run ahead of the reader.
 *
 * <p>The JDK client delivers a body as a reactive stream (java.util.concurrent.Flow): its selector
 * thread reads the socket and hands each piece on only as far as the consumer has asked for ("demand").
 * {@code BodyHandlers.ofInputStream()} asks for one piece at a time, so the socket sits idle while the
 * reader hashes and writes the previous piece. This body asks for {@value #DEPTH} pieces ahead: while one
 * piece of a layer is hashed and written to disk, the next ones are already arriving. That overlap is
 * most of the speed of a pull from a nearby registry.
 *
 * <p><b>Stalls.</b> A server can stop sending in the middle of a body and keep the connection open;
 * TCP then waits for ever, and so would a reader. When nothing at all arrives for the stall timeout
 * while the reader waits, {@link #read} throws a {@link Stalled} exception (the download is then
 * resumed or reported by its caller) and the body is cancelled. Time the reader spends hashing or
 * writing does not count: only waiting for bytes the network does not deliver.
 */
final class ReadAheadBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
    /** Pieces asked for ahead of the reader; each is one socket read (see RegistryClient.READ_BUFFER). */
    static final int DEPTH = 8;
    private final long stallNanos;

    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final CompletableFuture<InputStream> body = CompletableFuture.completedFuture(this);
    private volatile Flow.Subscription subscription;
    private List<ByteBuffer> current = List.of();
    private boolean holding; // current is a delivered piece that has not been replaced by a request(1) yet
    private int index;
    private boolean ended;
    private volatile boolean closed;

    /** @param stall how long to wait for the next bytes before giving up; null waits for ever */
    ReadAheadBody(java.time.Duration stall) {
        this.stallNanos = stall == null ? 0 : stall.toNanos();
    }

    /** The handler for {@code HttpClient.send}: every status gets the same kind of body. */
    static HttpResponse.BodyHandler<InputStream> handler(java.time.Duration stall) {
        return info -> new ReadAheadBody(stall);
    }

    /** Nothing arrived for the stall timeout: the server went quiet with the body unfinished. */
    static final class Stalled extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        Stalled(java.time.Duration stall) {
            super("the server sent nothing for " + seconds(stall));
        }

        static String seconds(java.time.Duration d) {
            long ms = d.toMillis();
            return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
        }
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(DEPTH);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        arrived.add(buffers);
    }

    @Override
    public void onError(Throwable failure) {
        arrived.add(failure);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * Copies what has arrived, waiting only when nothing has: a large {@code buf} is filled from several
     * pieces at once, so the caller writes to disk in large pieces too.
     */
    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the response body is closed");
        }
        if (len == 0) {
            return 0;
        }
        int copied = 0;
        while (copied < len) {
            ByteBuffer b = nextBuffer(copied == 0);
            if (b == null) {
                break;
            }
            int n = Math.min(len - copied, b.remaining());
            b.get(buf, off + copied, n);
            copied += n;
        }
        return copied == 0 && ended ? -1 : copied;
    }

    /** The buffer to copy from next, or null at the end (or, with {@code wait} false, when none is here yet). */
    private ByteBuffer nextBuffer(boolean wait) throws IOException {
        while (true) {
            while (index < current.size()) {
                ByteBuffer b = current.get(index);
                if (b.hasRemaining()) {
                    return b;
                }
                index++;
            }
            if (ended) {
                return null;
            }
            if (holding) {
                holding = false;
                current = List.of();
                subscription.request(1); // that piece is used up: ask for one more
            }
            Object next;
            if (wait) {
                try {
                    next = stallNanos == 0 ? arrived.take() : arrived.poll(stallNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
                    if (next == null) {
                        ended = true;
                        close();
                        throw new Stalled(java.time.Duration.ofNanos(stallNanos));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("cancelled");
                }
            } else {
                next = arrived.poll();
                if (next == null) {
                    return null;
                }
            }
            if (next instanceof Throwable t) {
                ended = true;
                throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
            }
            if (next == END) {
                ended = true;
                return null;
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> list = (List<ByteBuffer>) next;
            current = list;
            holding = true;
            index = 0;
        }
    }

    @Override
    public int available() {
        int n = 0;
        for (int i = index; i < current.size(); i++) {
            n += current.get(i).remaining();
        }
        return n;
    }

    /** Closing before the end cancels the download; the connection is then not reused. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null && !ended) {
            s.cancel();
        }
        arrived.clear();
    }
}
