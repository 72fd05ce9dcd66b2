package dev.cwb.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A minimal distribution-spec registry on 127.0.0.1 serving one image (as {@code NAME:TAG}) from an
 * {@link ImageStore}, with {@code Range} requests answered by {@code 206}, and able to misbehave the way
 * a stuck server does: stop sending in the middle of a layer while keeping the connection open.
 * A stalled answer waits until {@link #close()} (at most a minute), so a test always ends by itself.
 */
public final class TinyRegistry implements AutoCloseable {
    /** How the layer blobs are served. */
    public enum Stall {
        /** every byte, at once */
        NONE,
        /** the first request gets {@link #firstBytes} and then nothing; a Range request is answered in full */
        ONCE,
        /** every request gets some bytes ({@link #firstBytes}, then {@link #rangeBytes} per Range request) and then nothing */
        ALWAYS,
        /** the first request gets {@link #firstBytes} then nothing; a Range request gets no answer at all */
        RANGE_UNANSWERED
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tiny-registry");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch release = new CountDownLatch(1);
    private final String name;
    private final String tag;
    private final ImageStore source;
    private final Descriptor manifest;
    private final Map<Digest, Descriptor> blobs;
    private final List<Digest> layers;
    public volatile Stall stall = Stall.NONE;
    public volatile int firstBytes = 1 << 20;
    public volatile int rangeBytes = 256 << 10;
    /** The Range header of every layer request, "" for none, in order of arrival. */
    public final List<String> layerRanges = new CopyOnWriteArrayList<>();
    /** Counted down each time an answer stops sending. */
    public volatile CountDownLatch stalled = new CountDownLatch(1);

    /** Serves {@code image} of {@code source} as {@code name:tag}. */
    public TinyRegistry(ImageStore source, String reference, String name, String tag) throws IOException {
        this.source = source;
        this.name = name;
        this.tag = tag;
        Image image = source.image(reference);
        this.manifest = image.manifestDescriptor();
        this.layers = image.layers().stream().map(Descriptor::digest).toList();
        this.blobs = new java.util.HashMap<>(image.layers().stream().collect(Collectors.toMap(Descriptor::digest, Function.identity(), (a, b) -> a)));
        blobs.put(image.manifest().config().digest(), image.manifest().config());
        blobs.put(manifest.digest(), manifest);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    /** {@code 127.0.0.1:PORT}: the registry part of an image reference. */
    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public String reference() {
        return host() + "/" + name + ":" + tag;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                send(ex, 200, "application/json", "{}".getBytes(), 0);
                return;
            }
            String prefix = "/v2/" + name + "/";
            if (path.equals(prefix + "manifests/" + tag) || path.equals(prefix + "manifests/" + manifest.digest())) {
                ex.getResponseHeaders().add("Docker-Content-Digest", manifest.digest().toString());
                send(ex, 200, manifest.mediaType(), Files.readAllBytes(source.blobPath(manifest.digest())), 0);
                return;
            }
            if (path.startsWith(prefix + "blobs/")) {
                Digest d = Digest.parse(path.substring((prefix + "blobs/").length()));
                if (blobs.containsKey(d)) {
                    blob(ex, d, Files.readAllBytes(source.blobPath(d)));
                    return;
                }
            }
            send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"no\"}]}".getBytes(), 0);
        }
    }

    private void blob(HttpExchange ex, Digest d, byte[] bytes) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
        }
        boolean layer = layers.contains(d);
        if (layer) {
            layerRanges.add(range == null ? "" : range);
        }
        Stall mode = layer ? stall : Stall.NONE;
        if (from > 0) {
            if (mode == Stall.RANGE_UNANSWERED) {
                hang();
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
            send(ex, 206, "application/octet-stream", bytes, from, mode == Stall.ALWAYS ? rangeBytes : -1);
            return;
        }
        send(ex, 200, "application/octet-stream", bytes, 0, mode == Stall.NONE ? -1 : firstBytes);
    }

    private void send(HttpExchange ex, int status, String type, byte[] bytes, int from) throws IOException {
        send(ex, status, type, bytes, from, -1);
    }

    /** Announces {@code bytes[from..]}; with {@code stopAfter} >= 0 sends only that many of them, then goes quiet. */
    private void send(HttpExchange ex, int status, String type, byte[] bytes, int from, int stopAfter) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length - from);
        if (head) {
            return;
        }
        OutputStream out = ex.getResponseBody();
        int n = stopAfter < 0 ? bytes.length - from : Math.min(stopAfter, bytes.length - from);
        out.write(bytes, from, n);
        out.flush();
        if (stopAfter >= 0) {
            hang();
            return;
        }
        out.close();
    }

    private void hang() {
        stalled.countDown();
        try {
            release.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
    }
}
