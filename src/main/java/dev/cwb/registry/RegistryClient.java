package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Reference;
import dev.cwb.registry.DockerCredentials.Credentials;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Speaks the OCI distribution API ("distribution-spec") to one repository of one registry, with the
 * JDK's {@link HttpClient}. It owns the three things every request needs:
 * <ul>
 *   <li><b>authentication</b> — {@link #ping()} sends {@code GET /v2/}; a {@code 401} carries a
 *       {@link AuthChallenge} and the client answers it once (Basic credentials, or a Bearer token from
 *       the realm), then sends {@code Authorization} with every request to this registry;</li>
 *   <li><b>redirects</b> — followed by hand, because blob downloads are commonly redirected to a storage
 *       host that must <em>not</em> receive the registry's credentials;</li>
 *   <li><b>retries</b> — a dropped connection, 408 or 5xx is retried with exponential backoff.</li>
 * </ul>
 * Every exchange is reported to an {@link HttpTrace}, which is what {@code --explain} prints.
 */
public final class RegistryClient implements AutoCloseable {
    static final int MAX_ATTEMPTS = 4;
    static final int MAX_REDIRECTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(400);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    static final int READ_BUFFER = 256 * 1024;

    private final HttpClient http;
    private final RegistryEndpoint endpoint;
    private final String repository;
    private final String actions;
    private final Optional<Credentials> credentials;
    private final HttpTrace trace;
    private final Duration stallTimeout;
    private final HttpResponse.BodyHandler<InputStream> bodyHandler;
    private volatile String authorization;

    /** A client with the default stall timeout ({@link RegistrySettings#DEFAULT_STALL_TIMEOUT}). */
    public RegistryClient(HttpClient http, RegistryEndpoint endpoint, String repository, String actions,
                          Optional<Credentials> credentials, HttpTrace trace) {
        this(http, endpoint, repository, actions, credentials, trace, RegistrySettings.DEFAULT_STALL_TIMEOUT);
    }

    /**
     * @param actions {@code "pull"} or {@code "pull,push"}: the scope a token is requested for
     * @param stallTimeout how long the registry may send nothing (no response headers, or no bytes of a
     *                     body) before the request counts as failed and is retried or resumed
     */
    public RegistryClient(HttpClient http, RegistryEndpoint endpoint, String repository, String actions,
                          Optional<Credentials> credentials, HttpTrace trace, Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
        this.bodyHandler = ReadAheadBody.handler(stallTimeout);
        this.http = http;
        this.endpoint = endpoint;
        this.repository = repository;
        this.actions = actions;
        this.credentials = credentials;
        this.trace = trace;
    }

    /** A client for {@code ref}'s repository, with the settings' endpoint and saved login. */
    public static RegistryClient forReference(RegistrySettings settings, Reference ref, String actions, HttpTrace trace) {
        RegistryEndpoint endpoint = settings.endpointFor(ref.domain());
        Optional<Credentials> creds = new DockerCredentials(settings.dockerConfigDir()).lookup(ref.domain());
        return new RegistryClient(newHttpClient(endpoint.plainHttp()), endpoint, ref.path(), actions, creds, trace, settings.stallTimeout());
    }

    /**
     * The JDK client as the registry code uses it: redirects are followed by hand (see {@link #exchange}).
     * For a plain-HTTP registry, TLS is prepared only if an {@code https} address is ever reached
     * ({@link DeferredTls}).
     */
    public static HttpClient newHttpClient(boolean plainHttp) {
        widenReadBuffers();
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (plainHttp) {
            b.sslContext(DeferredTls.context()).sslParameters(DeferredTls.PARAMETERS);
        }
        return b.build();
    }

    /**
     * Ends the client's threads once the pull or push is over.
     *
     * <p>A JDK {@link HttpClient} keeps a selector thread waiting in {@code epoll_wait(2)} until the client
     * is garbage-collected (Java 21 added {@code close()}). The JVM, before it exits, waits up to 300 ms
     * for any thread that is inside native code like that, so a one-shot {@code cwb pull} used to sit
     * for 0.3 s after printing its result. On Java 21 and later this calls {@code close()}; on Java 17
     * it interrupts the selector thread, which ends the client the same way (the thread is named
     * {@code HttpClient-ID-SelectorManager}, with the ID the client's {@code toString()} ends with, a
     * convention the JDK's own tests rely on). Connections still open are closed.
     */
    @Override
    public void close() {
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // closing is a courtesy: the threads end with the JVM anyway
            }
            return;
        }
        String self = http.toString();
        int open = self.lastIndexOf('(');
        if (open < 0 || !self.endsWith(")")) {
            return;
        }
        String selectorName = "HttpClient-" + self.substring(open + 1, self.length() - 1) + "-SelectorManager";
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 8];
        int n = root.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            if (threads[i].getName().equals(selectorName)) {
                threads[i].interrupt();
            }
        }
    }

    /**
     * The JDK client reads a socket {@value #READ_BUFFER} bytes at a time instead of its default 16 KiB
     * ({@code jdk.httpclient.bufsize}, documented in the {@code java.net.http} module): each read is
     * handed from the client's selector thread to the reader, so a layer of 100 MB in 16 KiB pieces
     * spends more time in hand-overs than in copying. Read once, when the client's classes are first
     * used; a value the user set on the command line wins.
     */
    private static void widenReadBuffers() {
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(READ_BUFFER));
        }
    }

    public RegistryEndpoint endpoint() {
        return endpoint;
    }

    public String repository() {
        return repository;
    }

    public HttpTrace trace() {
        return trace;
    }

    public Duration stallTimeout() {
        return stallTimeout;
    }

    /**
     * {@code GET /v2/}: is this a registry, and what login does it want? Answers the challenge at once so
     * that later requests carry {@code Authorization} from the start, as Docker does.
     */
    public void ping() throws InterruptedException {
        HttpResponse<InputStream> r = exchangeWithRetry("GET", endpoint.resolve("/v2/"), Map.of(), null, "the registry API (/v2/)", false);
        byte[] body = drain(r);
        if (r.statusCode() == 401) {
            authenticate(r, "the registry API (/v2/)");
        } else if (r.statusCode() == 404) {
            throw new CwbException(CwbException.IO, endpoint.authority() + " answered /v2/ with 404: it is not a container registry",
                    "check the host name and port");
        } else if (r.statusCode() >= 400) {
            throw RegistryErrors.fromResponse(endpoint, "the registry API (/v2/)", r.statusCode(), r.headers(), body, authorization != null);
        }
    }

    /**
     * Sends a request to this registry ({@code path} like {@code /v2/NAME/manifests/TAG}, or an absolute
     * URL from a {@code Location} header) and returns a successful (below 400) response whose body the
     * caller must read or close. Errors become {@link CwbException}s naming {@code what}.
     */
    public HttpResponse<InputStream> send(String method, String pathOrUrl, Map<String, String> headers,
                                          Supplier<HttpRequest.BodyPublisher> body, String what) throws InterruptedException {
        URI uri = pathOrUrl.startsWith("/") ? endpoint.resolve(pathOrUrl) : URI.create(pathOrUrl);
        HttpResponse<InputStream> r = exchangeWithRetry(method, uri, headers, body, what, true);
        if (r.statusCode() == 401) {
            drain(r);
            authenticate(r, what);
            r = exchangeWithRetry(method, uri, headers, body, what, true);
        }
        if (r.statusCode() >= 400) {
            byte[] err = drain(r);
            throw RegistryErrors.fromResponse(endpoint, what, r.statusCode(), r.headers(), err, authorization != null);
        }
        return r;
    }

    /** {@code send} for a response with no body worth keeping (HEAD, PUT, a check). Returns the status. */
    public HttpResponse<InputStream> sendAndClose(String method, String pathOrUrl, Map<String, String> headers,
                                                  Supplier<HttpRequest.BodyPublisher> body, String what) throws InterruptedException {
        HttpResponse<InputStream> r = send(method, pathOrUrl, headers, body, what);
        drain(r);
        return r;
    }

    /** Like {@link #send} but a 404 is an answer ("not there"), not an error: for blob existence checks. */
    public boolean exists(String path, String what) throws InterruptedException {
        URI uri = endpoint.resolve(path);
        HttpResponse<InputStream> r = exchangeWithRetry("HEAD", uri, Map.of(), null, what, true);
        drain(r);
        if (r.statusCode() == 401) {
            authenticate(r, what);
            r = exchangeWithRetry("HEAD", uri, Map.of(), null, what, true);
            drain(r);
        }
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() >= 400) {
            throw RegistryErrors.fromResponse(endpoint, what, r.statusCode(), r.headers(), new byte[0], authorization != null);
        }
        return true;
    }

    /** Answers a 401's challenge: Basic with the saved login, or Bearer with a token from the realm. */
    private void authenticate(HttpResponse<?> unauthorized, String what) throws InterruptedException {
        AuthChallenge challenge = AuthChallenge.parse(unauthorized.headers().firstValue("WWW-Authenticate").orElse(null));
        boolean retrying = authorization != null;
        if (challenge == null || retrying) {
            throw RegistryErrors.fromResponse(endpoint, what, 401, unauthorized.headers(), new byte[0], credentials.isPresent());
        }
        if (challenge.isBasic()) {
            if (credentials.isEmpty()) {
                throw RegistryErrors.fromResponse(endpoint, what, 401, unauthorized.headers(), new byte[0], false);
            }
            trace.note("the registry wants Basic auth: sending the saved login for " + endpoint.domain() + " (user " + credentials.get().user() + ")");
            authorization = credentials.get().basicHeader();
            return;
        }
        if (!challenge.isBearer()) {
            throw new CwbException(CwbException.UNSUPPORTED, endpoint.domain() + " asks for '" + challenge.scheme() + "' authentication, which cwb does not speak",
                    "cwb supports Basic and Bearer (token) registries");
        }
        String scope = "repository:" + repository + ":" + actions;
        URI tokenUri = TokenRequest.uri(challenge, scope);
        trace.note("the registry wants a Bearer token: asking its realm for scope " + scope
                + (credentials.isPresent() ? " with the saved login (user " + credentials.get().user() + ")" : " anonymously"));
        if (credentials.isPresent() && !loginMayGoTo(tokenUri)) {
            throw new CwbException(CwbException.IO, endpoint.domain() + " sends logins for tokens to " + tokenUri.getScheme() + "://"
                    + tokenUri.getRawAuthority() + ", over plain HTTP: cwb does not send the saved login of user "
                    + credentials.get().user() + " there unencrypted", "the registry's token realm must be https; tell its administrator");
        }
        Map<String, String> headers = credentials.map(c -> Map.of("Authorization", c.basicHeader())).orElse(Map.of());
        HttpResponse<InputStream> r = exchangeWithRetry("GET", tokenUri, headers, null, "a token", false);
        byte[] body = drain(r);
        if (r.statusCode() >= 400) {
            throw RegistryErrors.fromResponse(endpoint, "a token for " + repository + " from " + tokenUri.getRawAuthority(),
                    r.statusCode(), r.headers(), body, credentials.isPresent());
        }
        authorization = "Bearer " + TokenRequest.parseToken(body);
    }

    /** One logical request: transient failures retried with backoff, redirects followed. */
    private HttpResponse<InputStream> exchangeWithRetry(String method, URI uri, Map<String, String> headers,
                                                        Supplier<HttpRequest.BodyPublisher> body, String what,
                                                        boolean sendAuthorization) throws InterruptedException {
        Duration wait = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<InputStream> r = exchange(method, uri, headers, body, sendAuthorization);
                boolean transientStatus = r.statusCode() == 408 || r.statusCode() == 502 || r.statusCode() == 503 || r.statusCode() == 504
                        || r.statusCode() == 500;
                if (!transientStatus || attempt == MAX_ATTEMPTS) {
                    return r;
                }
                drain(r);
                trace.note("HTTP " + r.statusCode() + " for " + what + ": retrying in " + wait.toMillis() + " ms (attempt " + (attempt + 1) + " of " + MAX_ATTEMPTS + ")");
            } catch (InterruptedIOException e) {
                throw interrupted(e);
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw interrupted(e);
                }
                CwbException mapped = RegistryErrors.fromIOException(endpoint, uri, e, stallTimeout);
                if (attempt == MAX_ATTEMPTS || !retryable(e)) {
                    throw mapped;
                }
                trace.note(mapped.getMessage() + ": retrying in " + wait.toMillis() + " ms (attempt " + (attempt + 1) + " of " + MAX_ATTEMPTS + ")");
            }
            Thread.sleep(wait.toMillis());
            wait = wait.multipliedBy(2);
        }
    }

    /** DNS failures and TLS errors do not heal in a second; resets and timeouts often do. */
    private static boolean retryable(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException
                    || t instanceof javax.net.ssl.SSLException || t instanceof java.net.ConnectException) {
                return false;
            }
        }
        return true;
    }

    static InterruptedException interrupted(Exception cause) {
        InterruptedException e = new InterruptedException("cancelled");
        e.initCause(cause);
        return e;
    }

    /**
     * One request and the redirects it leads to, followed by hand so that credentials stay with their
     * origin ({@link Origin}): the registry's own {@code Authorization} goes only to the registry's origin,
     * a caller's {@code Authorization} (the saved login sent to a token realm) only to the origin it was
     * meant for. A hop to another host, port or scheme gets neither, so a storage host, or a plain-HTTP
     * address an {@code https} registry redirects to, never sees a password or token.
     */
    private HttpResponse<InputStream> exchange(String method, URI uri, Map<String, String> headers,
                                               Supplier<HttpRequest.BodyPublisher> body, boolean sendAuthorization)
            throws IOException, InterruptedException {
        URI current = uri;
        String currentMethod = method;
        Origin first = Origin.of(uri);
        Origin registry = Origin.of(endpoint.base());
        String callersAuthorization = headers.get("Authorization");
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current)
                    .method(currentMethod, body == null || !currentMethod.equals(method) ? HttpRequest.BodyPublishers.noBody() : body.get());
            headers.forEach((name, value) -> {
                if (!name.equalsIgnoreCase("Authorization")) {
                    b.header(name, value);
                }
            });
            Origin here = Origin.of(current);
            if (callersAuthorization != null) {
                if (here.equals(first)) {
                    b.header("Authorization", callersAuthorization);
                }
            } else if (sendAuthorization && authorization != null && here.equals(registry)) {
                b.header("Authorization", authorization);
            }
            if ("http".equals(current.getScheme())) {
                b.version(HttpClient.Version.HTTP_1_1);
            }
            if (body == null && stallTimeout != null) {
                // until the response headers arrive; the body's own stalls are ReadAheadBody's to notice
                b.timeout(stallTimeout);
            }
            HttpRequest request = b.build();
            trace.request(currentMethod, current, request.headers());
            HttpResponse<InputStream> r = http.send(request, bodyHandler);
            trace.response(r.statusCode(), r.headers());
            int s = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            boolean redirect = (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && location.isPresent();
            if (!redirect) {
                return r;
            }
            drain(r);
            if (hop == MAX_REDIRECTS) {
                throw new CwbException(CwbException.IO, "the registry redirected more than " + MAX_REDIRECTS + " times", "the registry is misconfigured");
            }
            URI next = current.resolve(location.get());
            if (s == 303) {
                currentMethod = "GET";
            }
            Origin there = Origin.of(next);
            boolean carriesAuthorization = request.headers().firstValue("Authorization").isPresent();
            boolean keeps = callersAuthorization != null ? there.equals(first) : sendAuthorization && authorization != null && there.equals(registry);
            trace.note("following the redirect to " + next.getRawAuthority()
                    + (!carriesAuthorization || keeps ? ""
                    : here.downgradedBy(there) ? " (from https to plain http: Authorization is not forwarded)"
                    : " (another origin: Authorization is not forwarded)"));
            current = next;
        }
    }

    /**
     * Whether the saved login may be sent to a token realm. Docker Hub's realm is another host
     * ({@code auth.docker.io}), so the realm's host need not be the registry's; but a login never goes
     * unencrypted to a host that was not itself allowed plain HTTP: only an {@code https} realm, or a
     * plain-HTTP one on loopback or on the (plain-HTTP) registry's own host.
     */
    private boolean loginMayGoTo(URI realm) {
        if ("https".equalsIgnoreCase(realm.getScheme())) {
            return true;
        }
        return Loopback.isLoopback(realm.getRawAuthority())
                || endpoint.plainHttp() && Origin.of(realm).host().equals(Origin.of(endpoint.base()).host());
    }

    /** Reads a small body (an error message) and closes the stream; large bodies are cut off. */
    static byte[] drain(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            return in == null ? new byte[0] : in.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
