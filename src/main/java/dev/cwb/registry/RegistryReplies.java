package dev.cwb.registry;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Answers of the workbench's own loopback registries ({@link TrainingRegistry}, the lesson verifier's
 * stand-in for Docker Hub): a body with its media type, or an error in the distribution spec's shape
 * ({@code {"errors":[{"code":...,"message":...}]}}, distribution-spec "Error Codes"). A HEAD request gets
 * the headers and the Content-Length the GET would have, and no body.
 */
public final class RegistryReplies {
    private RegistryReplies() {
    }

    /** Sends {@code body} as {@code type} with {@code status}, then closes the response body. */
    public static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Sends a distribution-spec error: {@code code} is one of the spec's codes, such as {@code BLOB_UNKNOWN}. */
    public static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        send(ex, status, "application/json", ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
