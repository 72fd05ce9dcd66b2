package dev.cwb.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small registry front for tests: it demands a Bearer token (Docker's token flow, with its own token
 * endpoint) and proxies authorised requests to a real registry behind it. It can also misbehave on
 * purpose: answer 429, or cut the first blob download in half.
 */
final class TokenFront implements AutoCloseable {
    static final String TOKEN = "tok-secret-123";
    private final HttpServer server;
    private final URI upstream;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    volatile String basicUserPassword;
    volatile boolean rateLimit;
    final AtomicInteger cutBlobDownloads = new AtomicInteger();

    TokenFront(URI upstream) throws IOException {
        this.upstream = upstream;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/", this::registry);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void token(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String wanted = basicUserPassword == null ? null : "Basic " + Base64.getEncoder().encodeToString(basicUserPassword.getBytes(StandardCharsets.UTF_8));
        if (wanted != null && !wanted.equals(auth)) {
            send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
            return;
        }
        send(ex, 200, "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
    }

    private void registry(HttpExchange ex) throws IOException {
        if (rateLimit) {
            ex.getResponseHeaders().add("Retry-After", "30");
            send(ex, 429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
            return;
        }
        if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host() + "/token\",service=\"front\",scope=\"repository:e2e/app:pull\"");
            send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
            return;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(ex.getRequestURI().toString()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
        for (String h : List.of("Accept", "Range")) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        HttpResponse<byte[]> r;
        try {
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Range", "Accept-Ranges")) {
            r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
        }
        byte[] body = r.body();
        boolean blob = ex.getRequestURI().getPath().contains("/blobs/") && ex.getRequestMethod().equals("GET") && body.length > 1000;
        if (blob && ex.getRequestHeaders().getFirst("Range") == null && cutBlobDownloads.getAndDecrement() > 0) {
            ex.sendResponseHeaders(r.statusCode(), body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            ex.getHttpContext().getServer();
            // drop the connection with half the promised bytes sent
            ex.close();
            return;
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(r.statusCode(), -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
