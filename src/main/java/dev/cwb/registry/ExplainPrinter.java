package dev.cwb.registry;

import dev.cwb.view.Printable;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * The {@code --explain} trace: each request line and the response headers that drive the protocol,
 * in the order they happen. Secrets never appear: an {@code Authorization} header is shown only as its
 * scheme, and the token or password after it as {@code <redacted>}; bodies (which hold tokens) are never
 * printed.
 */
public final class ExplainPrinter implements HttpTrace {
    /** The response headers a learner needs to follow a pull (distribution-spec §"Pulling"). */
    static final List<String> SHOWN = List.of("WWW-Authenticate", "Content-Type", "Docker-Content-Digest", "Location",
            "Content-Length", "Content-Range", "Retry-After", "Docker-Distribution-API-Version");

    private final PrintWriter out;

    public ExplainPrinter(PrintWriter out) {
        this.out = out;
    }

    @Override
    public synchronized void request(String method, URI uri, HttpHeaders headers) {
        out.println("> " + method + " " + redactQuery(uri));
        headers.firstValue("Authorization").ifPresent(v -> out.println(">   Authorization: " + redactAuthorization(v)));
        headers.firstValue("Accept").ifPresent(v -> out.println(">   Accept: " + v));
        headers.firstValue("Range").ifPresent(v -> out.println(">   Range: " + v));
        headers.firstValue("Content-Type").ifPresent(v -> out.println(">   Content-Type: " + v));
        out.flush();
    }

    @Override
    public synchronized void response(int status, HttpHeaders headers) {
        out.println("< " + status + " " + reason(status));
        for (String name : SHOWN) {
            for (String v : headers.allValues(name)) {
                out.println("<   " + name + ": " + Printable.of(v));
            }
        }
        out.flush();
    }

    @Override
    public synchronized void note(String text) {
        out.println("# " + Printable.of(text));
        out.flush();
    }

    /** {@code Bearer eyJ...} becomes {@code Bearer <redacted>}. */
    static String redactAuthorization(String value) {
        int space = value.indexOf(' ');
        return (space < 0 ? "" : value.substring(0, space) + " ") + "<redacted>";
    }

    /** Blob redirects to storage often carry signed query parameters: credentials in all but name. */
    static String redactQuery(URI uri) {
        String q = uri.getRawQuery();
        if (q == null) {
            return uri.toString();
        }
        StringBuilder kept = new StringBuilder();
        for (String pair : q.split("&")) {
            String key = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
            String lower = key.toLowerCase(Locale.ROOT);
            boolean secret = lower.contains("sig") || lower.contains("token") || lower.contains("credential")
                    || lower.contains("key") || lower.contains("password") || lower.contains("_state");
            kept.append(kept.length() == 0 ? "" : "&").append(secret ? key + "=<redacted>" : pair);
        }
        String s = uri.toString();
        return s.substring(0, s.indexOf('?') + 1) + kept;
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "";
        };
    }
}
