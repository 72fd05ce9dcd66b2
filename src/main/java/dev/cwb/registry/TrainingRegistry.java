package dev.cwb.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cwb.image.Digest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A tiny registry on a loopback port that serves one made-up image, so that the launcher's
 * class-data-sharing training (see {@code ./cwb}) can record the classes of a <em>successful</em>
 * {@code pull} without a real registry. It answers the requests a pull makes the way
 * {@code docker-registry} does: {@code GET /v2/}, manifests by tag or digest with {@code Content-Type}
 * and {@code Docker-Content-Digest}, and blobs with their length. Repository {@code cwb/training}, tags
 * {@code single} (a manifest) and {@code index} (an index naming that manifest for this machine and
 * another for a foreign platform). Nothing but the loopback address is listened on.
 */
public final class TrainingRegistry implements AutoCloseable {
    public static final String REPOSITORY = "cwb/training";

    private final Map<String, Served> manifests = new HashMap<>();
    private final Map<String, byte[]> blobs = new HashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;

    private record Served(String mediaType, byte[] bytes) {
    }

    private TrainingRegistry(HttpServer server) {
        this.server = server;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "cwb-training-registry");
            t.setDaemon(true);
            return t;
        });
        byte[] big = tar("big.txt", 2 << 20);
        byte[] small = tar("small.txt", 48 << 10);
        String config = "{\"architecture\":\"" + Platform.host().architecture() + "\",\"os\":\"" + Platform.host().os()
                + "\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256(big) + "\",\"" + Digest.sha256(small) + "\"]}}";
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"config\":" + descriptor(MediaTypes.OCI_CONFIG, blob(config.getBytes(StandardCharsets.UTF_8)), null) + ","
                + "\"layers\":[" + descriptor(MediaTypes.OCI_LAYER_GZIP, blob(gzip(big)), null) + ","
                + descriptor(MediaTypes.OCI_LAYER_GZIP, blob(gzip(small)), null) + "]}";
        byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
        Digest manifestDigest = Digest.sha256(manifestBytes);
        Served single = new Served(MediaTypes.OCI_MANIFEST, manifestBytes);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifestBytes.length, Platform.host()) + ","
                + descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[1]), 1, new Platform("s390x", "linux", null)) + "]}";
        byte[] indexBytes = index.getBytes(StandardCharsets.UTF_8);
        manifests.put("single", single);
        manifests.put(manifestDigest.toString(), single);
        manifests.put("index", new Served(MediaTypes.OCI_INDEX, indexBytes));
        manifests.put(Digest.sha256(indexBytes).toString(), manifests.get("index"));
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    /** Starts serving on an unused loopback port. */
    public static TrainingRegistry start() throws IOException {
        TrainingRegistry r = new TrainingRegistry(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16));
        r.server.start();
        return r;
    }

    /** {@code 127.0.0.1:PORT} (or {@code [::1]:PORT}): a loopback host, which cwb reaches over plain HTTP. */
    public String host() {
        InetSocketAddress a = server.getAddress();
        return (a.getAddress() instanceof java.net.Inet6Address ? "[::1]" : a.getAddress().getHostAddress()) + ":" + a.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private Digest blob(byte[] bytes) {
        Digest d = Digest.sha256(bytes);
        blobs.put(d.toString(), bytes);
        return d;
    }

    private String descriptor(String mediaType, Digest digest, Platform platform) {
        return descriptor(mediaType, digest, blobs.get(digest.toString()).length, platform);
    }

    private static String descriptor(String mediaType, Digest digest, long size, Platform platform) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size
                + (platform == null ? "" : ",\"platform\":{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\""
                + (platform.variant() == null ? "" : ",\"variant\":\"" + platform.variant() + "\"") + "}")
                + "}";
    }

    /** A tar holding one file {@code name} of {@code size} bytes of text. */
    private static byte[] tar(String name, int size) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream(size + 2048);
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", size));
        put(header, 136, "00000000000");
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        tar.writeBytes(header);
        for (int i = 0; i < size; i++) {
            tar.write('a' + i % 26);
        }
        tar.writeBytes(new byte[(512 - size % 512) % 512 + 1024]); // padding, then the two zero blocks that end a tar
        return tar.toByteArray();
    }

    /**
     * Gzip without compression, so that a layer really is as large on the wire as its content: its
     * download takes several socket reads, as a real layer's does.
     */
    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream(bytes.length + 4096);
        try (GZIPOutputStream out = new GZIPOutputStream(gz) {
            {
                def.setLevel(Deflater.NO_COMPRESSION);
            }
        }) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gz.toByteArray();
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, offset, b.length);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String prefix = "/v2/" + REPOSITORY + "/";
            ex.getResponseHeaders().add("Docker-Distribution-API-Version", "registry/2.0");
            if (path.equals("/v2/")) {
                RegistryReplies.send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith(prefix + "manifests/") && manifests.containsKey(path.substring(prefix.length() + 10))) {
                Served m = manifests.get(path.substring(prefix.length() + 10));
                ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(m.bytes()).toString());
                RegistryReplies.send(ex, 200, m.mediaType(), m.bytes());
            } else if (path.startsWith(prefix + "blobs/") && blobs.containsKey(path.substring(prefix.length() + 6))) {
                String digest = path.substring(prefix.length() + 6);
                ex.getResponseHeaders().add("Docker-Content-Digest", digest);
                RegistryReplies.send(ex, 200, "application/octet-stream", blobs.get(digest));
            } else {
                RegistryReplies.error(ex, 404, "NAME_UNKNOWN", "repository name not known to registry");
            }
        }
    }
}
