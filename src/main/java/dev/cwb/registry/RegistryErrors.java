package dev.cwb.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;

/**
 * Turns what went wrong on the wire into one {@link CwbException} line: which registry, what it said
 * (the distribution-spec error codes such as {@code MANIFEST_UNKNOWN} in the JSON body), and what to do.
 */
final class RegistryErrors {
    private RegistryErrors() {
    }

    /** The first {@code errors[].code} and {@code message} of an error body (distribution-spec "Error Codes"). */
    record ErrorBody(String code, String message) {
        static ErrorBody parse(byte[] body) {
            try {
                JsonNode root = Json.mapper().readTree(body);
                JsonNode first = root == null ? null : root.path("errors").path(0);
                if (first != null && !first.isMissingNode()) {
                    return new ErrorBody(first.path("code").asText(""), first.path("message").asText(""));
                }
            } catch (IOException | RuntimeException e) {
                // not JSON: many proxies answer with HTML
            }
            String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
            return new ErrorBody("", text.contains("<") ? "" : text.replaceAll("\\s+", " "));
        }

        String describe() {
            if (code.isEmpty()) {
                return message;
            }
            return message.isEmpty() ? code : code + ": " + message;
        }
    }

    /**
     * A failed response. {@code what} names the object ({@code "manifest alpine:latest"}), {@code loggedIn}
     * whether credentials were sent, which changes the advice for 401.
     */
    static CwbException fromResponse(RegistryEndpoint endpoint, String what, int status, HttpHeaders headers, byte[] body,
                                     boolean loggedIn) {
        ErrorBody err = ErrorBody.parse(body);
        String host = endpoint.domain() + (endpoint.mirror() ? " (mirror " + endpoint.authority() + ")" : "");
        String said = err.describe().isEmpty() ? "" : " (" + err.describe() + ")";
        switch (status) {
            case 401:
                return new CwbException(CwbException.BAD_INPUT, host + " refused the login for " + what + ": 401 Unauthorized" + said,
                        loggedIn ? "the user or password is wrong: run 'docker login " + endpoint.domain() + "' again or fix ~/.docker/config.json"
                                : "this registry needs a login: run 'docker login " + endpoint.domain() + "' (cwb reads ~/.docker/config.json)");
            case 403:
                return new CwbException(CwbException.BAD_INPUT, host + " denied access to " + what + ": 403 Forbidden" + said,
                        "check the repository name and that your account may use it");
            case 404:
                String kind = switch (err.code()) {
                    case "MANIFEST_UNKNOWN" -> "that tag or digest does not exist in the repository";
                    case "NAME_UNKNOWN" -> "the repository does not exist";
                    case "BLOB_UNKNOWN" -> "the registry lost a blob the manifest names";
                    default -> "404 Not Found";
                };
                return CwbException.notFound(what + " not found on " + host + ": " + kind + said,
                        err.code().equals("BLOB_UNKNOWN") ? "the image in the registry is damaged: push it again"
                                : "check the spelling of the name and tag (Docker Hub official images are library/NAME)");
            case 429:
                String after = headers.firstValue("Retry-After").map(v -> "; Retry-After: " + v + (v.matches("\\d+") ? " seconds" : "")).orElse("");
                return new CwbException(CwbException.IO, host + " is rate limiting requests: 429 Too Many Requests" + after + said,
                        "wait and try again, log in ('docker login') for a higher limit, or use a classroom mirror (CWB_REGISTRY_MIRROR)");
            default:
                return new CwbException(CwbException.IO, host + " failed to serve " + what + ": HTTP " + status + said,
                        status >= 500 ? "the registry has a problem: try again later" : "the registry refused the request");
        }
    }

    /** A failure before any response: no route, no name, bad TLS, a timeout. */
    static CwbException fromIOException(RegistryEndpoint endpoint, URI uri, IOException e, java.time.Duration stallTimeout) {
        String host = uri.getRawAuthority();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            if (root instanceof SSLException) {
                break;
            }
            root = root.getCause();
        }
        if (root instanceof UnresolvedAddressException || root instanceof UnknownHostException) {
            return new CwbException(CwbException.IO, "cannot find registry host " + uri.getHost() + ": the name does not resolve (DNS)",
                    "check the spelling and your network; in a classroom without internet set CWB_REGISTRY_MIRROR", e);
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new CwbException(CwbException.IO, "cannot reach registry " + host + ": the connection timed out",
                    "check your network or proxy; in a classroom set CWB_REGISTRY_MIRROR", e);
        }
        if (root instanceof ConnectException || e instanceof ConnectException) {
            return new CwbException(CwbException.IO, "cannot reach registry " + host + ": connection refused",
                    "is the registry running and the port right? (no network? set CWB_REGISTRY_MIRROR to a classroom mirror)", e);
        }
        if (root instanceof SSLException || e instanceof SSLException) {
            return new CwbException(CwbException.IO, "TLS with registry " + host + " failed: " + root.getMessage(),
                    endpoint.plainHttp() ? "check the address" : "if this registry speaks plain HTTP, add --insecure-registry "
                            + uri.getRawAuthority() + " (or CWB_INSECURE_REGISTRIES); otherwise its certificate is not trusted", e);
        }
        if (e instanceof ReadAheadBody.Stalled) {
            return new CwbException(CwbException.IO, "registry " + host + " stopped sending in the middle of an answer: " + e.getMessage(),
                    "try again, or give a slow registry more time with --timeout SECONDS", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new CwbException(CwbException.IO, "registry " + host + " sent no answer for " + ReadAheadBody.Stalled.seconds(stallTimeout),
                    "try again, or give a slow registry more time with --timeout SECONDS", e);
        }
        return new CwbException(CwbException.IO, "talking to registry " + host + " failed: " + e, "check the network and try again", e);
    }
}
