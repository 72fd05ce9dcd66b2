package dev.cwb.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The second half of a Bearer challenge (Docker "Token Authentication Specification"): ask the
 * {@code realm} for a token valid for one {@code service} and {@code scope}
 * ({@code repository:library/alpine:pull}). Anonymous requests get a token for public repositories;
 * with a saved login the request carries Basic credentials and the token may allow more (push, private
 * repositories). The answer is JSON with {@code token} (or the OAuth2 name {@code access_token}).
 */
final class TokenRequest {
    private TokenRequest() {
    }

    /** The realm URL with {@code service} and {@code scope} query parameters. */
    static URI uri(AuthChallenge challenge, String scope) {
        String realm = challenge.param("realm");
        if (realm == null || realm.isBlank()) {
            throw new CwbException(CwbException.IO, "the registry asked for a Bearer token but named no realm to get it from",
                    "the registry is misconfigured");
        }
        StringBuilder q = new StringBuilder(realm);
        char sep = realm.contains("?") ? '&' : '?';
        if (challenge.param("service") != null) {
            q.append(sep).append("service=").append(URLEncoder.encode(challenge.param("service"), StandardCharsets.UTF_8));
            sep = '&';
        }
        q.append(sep).append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        try {
            URI uri = URI.create(q.toString());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("not absolute");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new CwbException(CwbException.IO, "the registry's token realm '" + realm + "' is not a URL", "the registry is misconfigured");
        }
    }

    /** The token from the realm's JSON answer. */
    static String parseToken(byte[] body) {
        try {
            JsonNode root = Json.mapper().readTree(body);
            for (String field : new String[] {"token", "access_token"}) {
                JsonNode t = root == null ? null : root.get(field);
                if (t != null && !t.asText().isEmpty()) {
                    return t.asText();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        throw new CwbException(CwbException.IO, "the token server's answer has no token", "the registry's auth service is misconfigured");
    }
}
