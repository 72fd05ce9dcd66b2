package dev.cwb.registry;

import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * Hears every HTTP exchange the registry client makes, in order. {@link ExplainPrinter} turns it into
 * the {@code --explain} trace; {@link #NONE} ignores it.
 */
public interface HttpTrace {
    HttpTrace NONE = new HttpTrace() {
    };

    /** A request about to be sent; {@code headers} as sent (the printer must redact secrets). */
    default void request(String method, URI uri, HttpHeaders headers) {
    }

    default void response(int status, HttpHeaders headers) {
    }

    /** A line of commentary: why the next request is made (a token fetch, a retry, a redirect). */
    default void note(String text) {
    }
}
