package dev.cwb.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a registry's {@code 401 Unauthorized} asks for, from its {@code WWW-Authenticate} header
 * (RFC 7235 §4.1): a scheme and parameters, e.g.
 * {@code Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"}.
 *
 * <p>{@code Basic} means: send a user name and password with every request (RFC 7617). {@code Bearer}
 * means: get a short-lived token from the {@code realm} URL for this {@code service} and {@code scope},
 * then send it as {@code Authorization: Bearer TOKEN} (Docker "Token Authentication Specification").
 */
public record AuthChallenge(String scheme, Map<String, String> params) {
    public AuthChallenge {
        params = Map.copyOf(params);
    }

    public boolean isBearer() {
        return scheme.equalsIgnoreCase("bearer");
    }

    public boolean isBasic() {
        return scheme.equalsIgnoreCase("basic");
    }

    public String param(String name) {
        return params.get(name.toLowerCase(Locale.ROOT));
    }

    /** Parses one challenge; quoted values may contain commas and escaped quotes. Returns null for a blank header. */
    public static AuthChallenge parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String text = header.trim();
        int space = text.indexOf(' ');
        String scheme = space < 0 ? text : text.substring(0, space);
        Map<String, String> params = new LinkedHashMap<>();
        int i = space < 0 ? text.length() : space + 1;
        while (i < text.length()) {
            while (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == ' ')) {
                i++;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = text.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
                i++; // closing quote
            } else {
                while (i < text.length() && text.charAt(i) != ',') {
                    value.append(text.charAt(i++));
                }
            }
            params.put(key, value.toString().trim());
        }
        return new AuthChallenge(scheme, params);
    }
}
