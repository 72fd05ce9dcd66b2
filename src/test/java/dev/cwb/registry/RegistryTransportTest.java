package dev.cwb.registry;

import com.sun.net.httpserver.HttpServer;
import dev.cwb.CwbException;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport under a pull, against a small HTTP server on loopback: bodies read ahead arrive intact,
 * a cut body is an error and not a hang, closing a client ends its thread, and TLS for a plain-HTTP
 * registry is the JDK's own once it is needed.
 */
@Timeout(30)
class RegistryTransportTest {
    /** Larger than the read-ahead window (DEPTH pieces of READ_BUFFER), so demand must be renewed. */
    static final byte[] BIG = new byte[5 * 1024 * 1024 + 123];

    static {
        new Random(42).nextBytes(BIG);
    }

    HttpServer server;
    String base;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/big", ex -> {
            ex.sendResponseHeaders(200, BIG.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(BIG);
            }
        });
        server.createContext("/cut", ex -> {
            // announces the whole body, sends a third of it, then drops the connection
            ex.sendResponseHeaders(200, BIG.length);
            OutputStream out = ex.getResponseBody();
            out.write(BIG, 0, BIG.length / 3);
            out.flush();
            ex.getHttpContext().getServer().stop(0);
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        base = "127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private RegistryClient client() {
        RegistryEndpoint endpoint = new RegistryEndpoint(base, java.net.URI.create("http://" + base), false);
        return new RegistryClient(RegistryClient.newHttpClient(true), endpoint, "test/repo", "pull", Optional.empty(), HttpTrace.NONE);
    }

    @Test
    void aBodyLargerThanTheReadAheadWindowArrivesIntact() throws Exception {
        try (RegistryClient client = client()) {
            HttpResponse<InputStream> r = client.send("GET", "http://" + base + "/big", Map.of(), null, "the big body");
            byte[] got;
            try (InputStream in = r.body()) {
                got = in.readAllBytes();
            }
            assertEquals(BIG.length, got.length);
            assertArrayEquals(BIG, got);
        }
    }

    @Test
    void aBodyCutShortIsAnErrorNotAHang() throws Exception {
        try (RegistryClient client = client()) {
            HttpResponse<InputStream> r = client.send("GET", "http://" + base + "/cut", Map.of(), null, "the cut body");
            try (InputStream in = r.body()) {
                IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
                assertNotNull(e.getMessage());
            }
        }
    }

    @Test
    void closingTheClientEndsItsSelectorThread() throws Exception {
        Set<Thread> others = selectorThreads(); // of clients other tests left behind
        RegistryClient client = client();
        try (InputStream in = client.send("GET", "http://" + base + "/big", Map.of(), null, "the big body").body()) {
            in.readAllBytes();
        }
        Set<Thread> before = selectorThreads();
        before.removeAll(others);
        assertEquals(1, before.size(), "a client that has sent a request has one selector thread");
        client.close();
        for (Thread t : before) {
            t.join(2000); // without close() it would wait for a garbage collection, seconds at least
        }
        assertTrue(before.stream().noneMatch(Thread::isAlive), "the selector thread still runs after close()");
    }

    private static Set<Thread> selectorThreads() {
        Set<Thread> all = Thread.getAllStackTraces().keySet();
        Set<Thread> found = new java.util.HashSet<>();
        for (Thread t : all) {
            if (t.getName().matches("HttpClient-\\d+-SelectorManager")) {
                found.add(t);
            }
        }
        return found;
    }

    @Test
    void tlsForAPlainHttpRegistryIsTheJdksDefaultOnceUsed() throws Exception {
        SSLContext deferred = DeferredTls.context();
        String[] expected = SSLContext.getDefault().createSSLEngine("registry.example", 443).getEnabledProtocols();
        String[] got = deferred.createSSLEngine("registry.example", 443).getEnabledProtocols();
        assertEquals(Arrays.asList(expected), Arrays.asList(got));
        assertEquals(Arrays.asList("TLSv1.3", "TLSv1.2"),
                Arrays.asList(RegistryClient.newHttpClient(true).sslParameters().getProtocols()));
    }

    @Test
    void anUnusableStoreIsReportedBeforeAnUnreachableRegistry(@TempDir Path tmp) {
        CwbException broken = new CwbException(CwbException.IO, "cannot open the image store: test", null);
        RegistrySettings settings = new RegistrySettings(null, Set.of(), tmp);
        ImagePuller puller = new ImagePuller(() -> {
            throw broken;
        }, settings, HttpTrace.NONE, PullListener.NONE, 1);
        CwbException e = assertThrows(CwbException.class, () -> puller.pull(Reference.parse("127.0.0.1:1/nothing/here:v1"), Platform.host()));
        assertEquals(broken.getMessage(), e.getMessage());
    }

    @Test
    void anUnreachableRegistryIsReportedWhenTheStoreIsFine(@TempDir Path tmp) {
        RegistrySettings settings = new RegistrySettings(null, Set.of(), tmp);
        ImagePuller puller = new ImagePuller(() -> ImageStore.open(tmp.resolve("store")), settings, HttpTrace.NONE, PullListener.NONE, 1);
        CwbException e = assertThrows(CwbException.class, () -> puller.pull(Reference.parse("127.0.0.1:1/nothing/here:v1"), Platform.host()));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
    }
}
