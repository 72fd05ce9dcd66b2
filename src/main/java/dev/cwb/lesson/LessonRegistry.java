package dev.cwb.lesson;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.registry.RegistryReplies;
import dev.cwb.samples.BuildListener;
import dev.cwb.samples.BuiltImage;
import dev.cwb.samples.RecipeParser;
import dev.cwb.samples.SampleBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The registry {@code lessons verify} pulls from: a distribution-API server on a loopback port that stands
 * in for Docker Hub while lessons are verified, so that a step marked {@code requires: registry} is played on
 * every machine, internet or not. The verifier points {@code docker.io} at it, as a classroom's
 * {@code CWB_REGISTRY_MIRROR} would.
 *
 * <p>It serves {@code library/hello-world:latest} the way Hub serves it: an image index naming one manifest
 * per platform ({@code linux/amd64} and {@code linux/arm64/v8}, each a real image built from a recipe with
 * the {@code hello} sample's program, {@link dev.cwb.samples.HelloProgram}), Bearer tokens from its own token
 * endpoint (distribution's token authentication: {@code GET /v2/} answers 401 with a
 * {@code WWW-Authenticate: Bearer realm=...} challenge), manifests with {@code Docker-Content-Digest}, and blobs.
 * Its greeting differs from the {@code hello} sample's, so no blob of it is in the learner's store before the
 * pull and every blob really is downloaded. The images live in {@code $CWB_HOME/lessons/registry/} (built
 * again, reproducibly, at each start; safe to delete). Nothing but the loopback address is listened on.
 */
public final class LessonRegistry implements AutoCloseable {
    /** The repository it serves, as Hub names it ({@code hello-world} is {@code library/hello-world}). */
    public static final String REPOSITORY = "library/hello-world";
    static final String GREETING = """
            Hello from hello-world!
            This image came from the workbench's own registry on a loopback port, which stands in for
            Docker Hub while lessons are verified (lessons verify).
            """;
    private static final String RECIPE = """
            # hello-world: what lessons verify's loopback registry serves as Docker Hub's hello-world.
            FROM scratch
            HELLO-PROGRAM /hello greeting.txt
            CMD ["/hello"]
            """;
    private static final List<Platform> PLATFORMS = List.of(new Platform("amd64", "linux", null), new Platform("arm64", "linux", "v8"));

    private record Served(String mediaType, byte[] bytes) {
    }

    private final ImageStore store;
    private final Map<String, Served> manifests = new LinkedHashMap<>();
    private final String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    private final HttpServer server;
    private final ExecutorService executor;

    private LessonRegistry(ImageStore store, HttpServer server) {
        this.store = store;
        this.server = server;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "cwb-lesson-registry");
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    /** Builds the images into {@code dir} (an OCI layout) and starts serving them on an unused loopback port. */
    public static LessonRegistry start(Path dir) {
        try {
            Path recipeDir = Files.createDirectories(dir.resolve("recipes").resolve("hello-world"));
            Files.writeString(recipeDir.resolve("recipe"), RECIPE);
            Files.writeString(recipeDir.resolve("greeting.txt"), GREETING);
            ImageStore store = ImageStore.open(dir.resolve("images"));
            LessonRegistry registry = new LessonRegistry(store,
                    HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16));
            List<Descriptor> perPlatform = new java.util.ArrayList<>();
            for (Platform p : PLATFORMS) {
                BuiltImage built = new SampleBuilder(store, 0, p, () -> {
                    throw new IllegalStateException("hello-world uses no busybox");
                }, BuildListener.SILENT).build(RecipeParser.parse(recipeDir.resolve("recipe")));
                byte[] manifest = store.rawBlob(built.manifest()).readAllBytes();
                registry.manifests.put(built.manifest().toString(), new Served(MediaTypes.OCI_MANIFEST, manifest));
                perPlatform.add(new Descriptor(MediaTypes.OCI_MANIFEST, built.manifest(), manifest.length, null, p, null));
            }
            byte[] index = Json.bytes(ImageIndex.of(perPlatform));
            Served served = new Served(MediaTypes.OCI_INDEX, index);
            registry.manifests.put("latest", served);
            registry.manifests.put(Digest.sha256(index).toString(), served);
            registry.server.start();
            return registry;
        } catch (IOException e) {
            throw CwbException.io("starting the lessons' loopback registry in " + dir, e, "check that " + dir.getParent() + " is writable");
        }
    }

    /** {@code http://127.0.0.1:PORT}: the mirror for {@code docker.io} while lessons are verified. */
    public String url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress() instanceof java.net.Inet6Address ? "[::1]" : a.getAddress().getHostAddress();
        return "http://" + host + ":" + a.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            ex.getResponseHeaders().add("Docker-Distribution-API-Version", "registry/2.0");
            if (path.equals("/token")) {
                RegistryReplies.send(ex, 200, "application/json", ("{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":300}")
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            String prefix = "/v2/" + REPOSITORY + "/";
            if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                String scope = path.startsWith(prefix) ? ",scope=\"repository:" + REPOSITORY + ":pull\"" : "";
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + url() + "/token\",service=\"cwb-lessons\"" + scope);
                RegistryReplies.error(ex, 401, "UNAUTHORIZED", "authentication required");
                return;
            }
            if (path.equals("/v2/")) {
                RegistryReplies.send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith(prefix + "manifests/")) {
                Served m = manifests.get(URLDecoder.decode(path.substring(prefix.length() + "manifests/".length()), StandardCharsets.UTF_8));
                if (m == null) {
                    RegistryReplies.error(ex, 404, "MANIFEST_UNKNOWN", "manifest unknown");
                    return;
                }
                ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(m.bytes()).toString());
                RegistryReplies.send(ex, 200, m.mediaType(), m.bytes());
            } else if (path.startsWith(prefix + "blobs/")) {
                blob(ex, path.substring(prefix.length() + "blobs/".length()));
            } else {
                RegistryReplies.error(ex, 404, "NAME_UNKNOWN", "repository name not known to registry");
            }
        }
    }

    private void blob(HttpExchange ex, String name) throws IOException {
        Digest digest;
        try {
            digest = Digest.parse(name);
        } catch (RuntimeException e) {
            RegistryReplies.error(ex, 400, "DIGEST_INVALID", "provided digest did not match uploaded content");
            return;
        }
        if (!store.hasBlob(digest)) {
            RegistryReplies.error(ex, 404, "BLOB_UNKNOWN", "blob unknown to registry");
            return;
        }
        byte[] bytes;
        try (InputStream in = store.rawBlob(digest)) {
            bytes = in.readAllBytes();
        }
        ex.getResponseHeaders().add("Docker-Content-Digest", digest.toString());
        RegistryReplies.send(ex, 200, "application/octet-stream", bytes);
    }
}
