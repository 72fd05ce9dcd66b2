package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.StoreTransaction;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * {@code GET /v2/NAME/blobs/DIGEST} streamed into a {@link StoreTransaction}, which hashes the bytes and
 * refuses them unless they match the digest and size the manifest gave. If the connection breaks
 * part-way, or the registry goes quiet for the stall timeout ({@code --timeout}), the download continues
 * from where it stopped with {@code Range: bytes=N-} (RFC 9110 §14.2), after a pause that doubles each
 * time; a server that ignores the range answers {@code 200} with the whole blob, and the bytes already
 * received are skipped, so the blob is restarted without the store seeing anything twice. After
 * {@value #MAX_FAILURES} resumptions the pull fails with one line naming the blob and how many of its
 * bytes had arrived, and the transaction (with those bytes) is rolled back.
 */
final class BlobDownload extends InputStream {
    static final int MAX_FAILURES = 4;

    private final RegistryClient client;
    private final Descriptor blob;
    private final LongConsumer progress;
    private InputStream current;
    private long offset;
    private int failures;

    private BlobDownload(RegistryClient client, Descriptor blob, LongConsumer progress) {
        this.client = client;
        this.blob = blob;
        this.progress = progress;
    }

    /** Downloads {@code blob} into {@code tx}, verified. {@code progress} hears the byte count so far. */
    static void into(StoreTransaction tx, RegistryClient client, Descriptor blob, String what, LongConsumer progress)
            throws InterruptedException {
        try (BlobDownload in = new BlobDownload(client, blob, progress)) {
            tx.putBlob(blob.mediaType(), in, blob.digest(), blob.size(), what);
        } catch (CwbException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof Failure f) {
                    throw f.error;
                }
                if (t instanceof InterruptedIOException) {
                    throw RegistryClient.interrupted(e);
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                throw RegistryClient.interrupted(e);
            }
            throw e;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("cancelled");
            }
            int n;
            try {
                if (current == null) {
                    open();
                }
                n = current.read(buf, off, len);
            } catch (Failure | InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                broken(e instanceof ReadAheadBody.Stalled ? e.getMessage() : e.toString());
                continue;
            }
            if (n < 0 && offset < blob.size()) {
                broken("the connection closed after " + offset + " of " + blob.size() + " bytes");
                continue;
            }
            if (n > 0) {
                offset += n;
                if (offset > blob.size()) {
                    throw new Failure(CwbException.corrupt("blob " + blob.digest() + " is larger than its descriptor says ("
                            + blob.size() + " bytes); it was not stored", "the registry serves a damaged image; nothing was stored"));
                }
                progress.accept(offset);
            }
            return n;
        }
    }

    /** Forgets the broken connection and waits before the next attempt; gives up after {@link #MAX_FAILURES}. */
    private void broken(String why) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("cancelled");
        }
        closeCurrent();
        failures++;
        if (failures > MAX_FAILURES) {
            throw new Failure(new CwbException(CwbException.IO, "downloading blob " + blob.digest() + " failed " + failures + " times, the last: "
                    + why + "; " + received(),
                    "check the network and pull again, or give a slow registry more time with --timeout SECONDS; nothing was stored"));
        }
        long waitMillis = RegistryClient.FIRST_BACKOFF.toMillis() << (failures - 1);
        client.trace().note("blob " + blob.digest().shortId() + ": " + why + "; resuming at byte " + offset + " in " + waitMillis + " ms");
        try {
            Thread.sleep(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("cancelled");
        }
    }

    private void open() throws IOException {
        Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        HttpResponse<InputStream> r;
        try {
            r = client.send("GET", "/v2/" + client.repository() + "/blobs/" + blob.digest(), headers, null, "blob " + blob.digest());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("cancelled");
        } catch (CwbException e) {
            throw new Failure(offset == 0 ? e : new CwbException(e.exitCode(), "resuming blob " + blob.digest() + " failed: "
                    + e.getMessage() + "; " + received(), e.hint(), e));
        }
        InputStream in = r.body();
        if (offset > 0 && r.statusCode() != 206) {
            client.trace().note("the server ignored the Range request: skipping the " + offset + " bytes already stored");
            in.skipNBytes(offset);
        }
        current = in;
    }

    private String received() {
        return offset + " of its " + blob.size() + " bytes had arrived";
    }

    private void closeCurrent() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // the connection is gone anyway
            }
            current = null;
        }
    }

    @Override
    public void close() {
        closeCurrent();
    }

    /** Carries a registry error through {@link StoreTransaction#putBlob}, which only sees IOExceptions. */
    static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;
        final transient CwbException error;

        Failure(CwbException error) {
            super(error.getMessage());
            this.error = error;
        }
    }
}
