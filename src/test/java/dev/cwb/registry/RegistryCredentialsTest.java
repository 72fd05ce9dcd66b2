package dev.cwb.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cwb.CwbException;
import dev.cwb.registry.DockerCredentials.Credentials;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Credentials stay with their origin: a registry on 127.0.0.1 that redirects to 127.0.0.2, or from https
 * to plain http, and a token realm that redirects elsewhere, never make the client send Authorization
 * on the second hop; loopback is an address, not a name that starts with "127.".
 */
@Timeout(30)
class RegistryCredentialsTest {
    static final Credentials LOGIN = new Credentials("teacher", "s3cret");
    static final String BASIC = LOGIN.basicHeader();

    @TempDir
    Path tmp;
    final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** One request as a server saw it: path and Authorization header (null when absent). */
    record Seen(String path, String authorization) {
    }

    private HttpServer serve(HttpServer server, HttpHandler handler) {
        server.createContext("/", handler);
        server.start();
        servers.add(server);
        return server;
    }

    private HttpServer plain(String address, HttpHandler handler) throws IOException {
        return serve(HttpServer.create(new InetSocketAddress(address, 0), 0), handler);
    }

    /** Records every request, then answers 200 with a small body. */
    private HttpServer recording(HttpServer server, List<Seen> seen, String body) {
        return serve(server, ex -> {
            seen.add(new Seen(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization")));
            reply(ex, 200, body, Map.of());
        });
    }

    private static void reply(HttpExchange ex, int status, String body, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String url(String scheme, HttpServer s) {
        return scheme + "://" + s.getAddress().getAddress().getHostAddress() + ":" + s.getAddress().getPort();
    }

    /**
     * A registry wanting Basic auth: /v2/ answers 401 without it; a blob request with it is redirected to
     * {@code target}, as registries send blobs to a storage host.
     */
    private HttpHandler basicRegistry(List<Seen> seen, String target) {
        return ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            seen.add(new Seen(ex.getRequestURI().getPath(), auth));
            if (!BASIC.equals(auth)) {
                reply(ex, 401, "", Map.of("WWW-Authenticate", "Basic realm=\"classroom\""));
            } else if (ex.getRequestURI().getPath().contains("/blobs/")) {
                reply(ex, 307, "", Map.of("Location", target + "/storage/blob"));
            } else {
                reply(ex, 200, "{}", Map.of());
            }
        };
    }

    private RegistryClient client(HttpClient http, String base, HttpTrace trace) {
        URI uri = URI.create(base);
        RegistryEndpoint endpoint = new RegistryEndpoint(uri.getRawAuthority(), uri, false);
        return new RegistryClient(http, endpoint, "class/app", "pull", Optional.of(LOGIN), trace, Duration.ofSeconds(10));
    }

    private static String body(HttpResponse<InputStream> r) throws IOException {
        try (InputStream in = r.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aRedirectToAnotherLoopbackHostGetsNoAuthorization() throws Exception {
        List<Seen> storage = new CopyOnWriteArrayList<>();
        List<Seen> registry = new CopyOnWriteArrayList<>();
        HttpServer other = recording(HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0), storage, "the blob");
        HttpServer reg = plain("127.0.0.1", basicRegistry(registry, url("http", other)));
        StringWriter trace = new StringWriter();
        try (RegistryClient client = client(RegistryClient.newHttpClient(true), url("http", reg), new ExplainPrinter(new PrintWriter(trace, true)))) {
            client.ping();
            assertEquals("the blob", body(client.send("GET", "/v2/class/app/blobs/sha256:" + "a".repeat(64), Map.of(), null, "a blob")));
        }
        assertEquals(BASIC, registry.get(registry.size() - 1).authorization(), "the registry itself got the login");
        assertEquals(List.of(new Seen("/storage/blob", null)), storage, "the storage host on 127.0.0.2 got no Authorization");
        assertTrue(trace.toString().contains("following the redirect to " + other.getAddress().getAddress().getHostAddress() + ":"
                + other.getAddress().getPort() + " (another origin: Authorization is not forwarded)"), trace.toString());
    }

    @Test
    void aTokenRealmThatRedirectsElsewhereDoesNotPassTheLoginOn() throws Exception {
        List<Seen> elsewhere = new CopyOnWriteArrayList<>();
        List<Seen> realm = new CopyOnWriteArrayList<>();
        List<Seen> registry = new CopyOnWriteArrayList<>();
        HttpServer other = recording(HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0), elsewhere, "{\"token\":\"t0k\"}");
        // the realm is on another host than the registry (as auth.docker.io is for Docker Hub), and redirects once more
        HttpServer auth = plain("127.0.0.3", ex -> {
            realm.add(new Seen(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization")));
            reply(ex, 302, "", Map.of("Location", url("http", other) + "/issued?" + ex.getRequestURI().getRawQuery()));
        });
        HttpServer reg = plain("127.0.0.1", ex -> {
            String a = ex.getRequestHeaders().getFirst("Authorization");
            registry.add(new Seen(ex.getRequestURI().getPath(), a));
            if ("Bearer t0k".equals(a)) {
                reply(ex, 200, "{}", Map.of());
            } else {
                reply(ex, 401, "", Map.of("WWW-Authenticate", "Bearer realm=\"" + url("http", auth) + "/token\",service=\"reg\""));
            }
        });
        try (RegistryClient client = client(RegistryClient.newHttpClient(true), url("http", reg), HttpTrace.NONE)) {
            client.ping();
            client.sendAndClose("GET", "/v2/class/app/manifests/v1", Map.of(), null, "a manifest");
        }
        assertEquals(List.of(new Seen("/token", BASIC)), realm, "the realm the registry named gets the login");
        assertEquals(List.of(new Seen("/issued", null)), elsewhere, "the host the realm redirects to does not");
        assertEquals("Bearer t0k", registry.get(registry.size() - 1).authorization());
    }

    @Test
    void aRedirectFromHttpsToPlainHttpGetsNoAuthorization() throws Exception {
        SSLContext tls = selfSignedFor127001();
        List<Seen> storage = new CopyOnWriteArrayList<>();
        List<Seen> registry = new CopyOnWriteArrayList<>();
        HttpServer downgraded = recording(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), storage, "the blob");
        HttpsServer secure = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        secure.setHttpsConfigurator(new HttpsConfigurator(tls));
        serve(secure, basicRegistry(registry, url("http", downgraded)));
        HttpClient http = HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER).build();
        StringWriter trace = new StringWriter();
        try (RegistryClient client = client(http, url("https", secure), new ExplainPrinter(new PrintWriter(trace, true)))) {
            client.ping();
            assertEquals("the blob", body(client.send("GET", "/v2/class/app/blobs/sha256:" + "b".repeat(64), Map.of(), null, "a blob")));
        }
        assertEquals(BASIC, registry.get(registry.size() - 1).authorization(), "the https registry got the login");
        assertEquals(List.of(new Seen("/storage/blob", null)), storage, "plain http on the same host got no Authorization");
        assertTrue(trace.toString().contains("(from https to plain http: Authorization is not forwarded)"), trace.toString());
    }

    @Test
    void anHttpsRegistryWhoseRealmIsPlainHttpElsewhereNeverGetsTheLoginSent() throws Exception {
        SSLContext tls = selfSignedFor127001();
        HttpsServer secure = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        secure.setHttpsConfigurator(new HttpsConfigurator(tls));
        serve(secure, ex -> reply(ex, 401, "", Map.of("WWW-Authenticate", "Bearer realm=\"http://auth.example/token\",service=\"reg\"")));
        // auth.example is reached only through a recording proxy on loopback: no name is looked up, nothing leaves the machine
        List<Seen> proxied = new CopyOnWriteArrayList<>();
        HttpServer proxy = recording(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), proxied, "{\"token\":\"t0k\"}");
        HttpClient http = HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER).proxy(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                return List.of(uri.getHost().equals("auth.example") ? new Proxy(Proxy.Type.HTTP, proxy.getAddress()) : Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            }
        }).build();
        try (RegistryClient client = client(http, url("https", secure), HttpTrace.NONE)) {
            CwbException e = assertThrows(CwbException.class, client::ping);
            assertTrue(e.oneLine().startsWith(client.endpoint().domain() + " sends logins for tokens to http://auth.example, over plain HTTP:"
                    + " cwb does not send the saved login of user teacher there unencrypted"), e.oneLine());
        }
        assertEquals(List.of(), proxied, "nothing was sent to the plain-HTTP realm");
    }

    @Test
    void anOriginIsSchemeHostAndPort() {
        assertEquals(Origin.of(URI.create("https://r.example/v2/")), Origin.of(URI.create("https://R.example:443/x")));
        assertEquals(Origin.of(URI.create("http://r.example")), Origin.of(URI.create("http://r.example:80")));
        // the same host and port over plain HTTP is another origin: what went over TLS must not go there
        assertFalse(Origin.of(URI.create("https://r.example:8443")).equals(Origin.of(URI.create("http://r.example:8443"))));
        assertTrue(Origin.of(URI.create("https://r.example:8443")).downgradedBy(Origin.of(URI.create("http://r.example:8443"))));
        assertFalse(Origin.of(URI.create("https://r.example")).equals(Origin.of(URI.create("https://r.example:5000"))));
        assertFalse(Origin.of(URI.create("https://r.example")).equals(Origin.of(URI.create("https://s.example"))));
    }

    @Test
    void loopbackIsAnAddressNotANameStartingWith127() {
        for (String yes : List.of("127.0.0.1", "127.0.0.1:5000", "127.255.3.4:80", "localhost:5000", "LOCALHOST", "[::1]:5000", "::1",
                "[0:0:0:0:0:0:0:1]:5000", "[::0:1]")) {
            assertTrue(RegistrySettings.isLoopback(yes), yes);
        }
        for (String no : List.of("127.evil.example", "127.evil.example:5000", "127.0.0.1.nip.io:5000", "127.0.0.256", "127.0.0", "128.0.0.1",
                "1270.0.0.1", "localhost.example", "[::2]:5000", "[1::]", "[::1:0]", "127.0.0.1e")) {
            assertFalse(RegistrySettings.isLoopback(no), no);
        }
        RegistrySettings settings = RegistrySettings.from(Map.of("HOME", "/h"), List.of());
        assertEquals(URI.create("https://127.evil.example:5000"), settings.endpointFor("127.evil.example:5000").base());
        assertEquals(URI.create("http://127.0.0.1:5000"), settings.endpointFor("127.0.0.1:5000").base());
    }

    /** A TLS context whose key and only trusted certificate are one self-signed certificate for IP 127.0.0.1 (made by keytool). */
    private SSLContext selfSignedFor127001() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Requirements.require(Files.isExecutable(keytool), "needs the JDK's keytool (apt-get install openjdk-17-jdk-headless)");
        Path store = tmp.resolve("tls.p12");
        Processes.check(tmp, keytool.toString(), "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
