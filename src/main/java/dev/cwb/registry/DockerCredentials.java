package dev.cwb.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Registry passwords saved by {@code docker login}: the {@code auths} object of
 * {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker/config.json}, see docker-config-json(5)).
 * Each key names a registry ({@code "registry.example.com:5000"}, or Hub's historical
 * {@code "https://index.docker.io/v1/"}); its {@code auth} field is base64 of {@code user:password}.
 * Credential helpers ({@code credsStore}) are programs and are not run.
 */
public final class DockerCredentials {
    /** A user name and password for one registry. {@link #toString()} never shows the password. */
    public record Credentials(String user, String password) {
        public String basicHeader() {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return user + ":<redacted>";
        }
    }

    private final Path configFile;

    public DockerCredentials(Path dockerConfigDir) {
        this.configFile = dockerConfigDir.resolve("config.json");
    }

    public Path configFile() {
        return configFile;
    }

    /** The saved credentials for {@code domain} (as the image is named, e.g. {@code docker.io}), if any. */
    public Optional<Credentials> lookup(String domain) {
        if (!Files.isRegularFile(configFile)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(Files.readAllBytes(configFile));
        } catch (IOException e) {
            throw CwbException.badInput("cannot read " + configFile + ": " + e.getMessage(),
                    "fix the JSON, or move the file away to pull anonymously");
        }
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths == null || !auths.isObject()) {
            return Optional.empty();
        }
        String wanted = canonical(domain);
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!canonical(e.getKey()).equals(wanted)) {
                continue;
            }
            JsonNode auth = e.getValue().get("auth");
            if (auth == null || auth.asText().isEmpty()) {
                continue;
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.asText().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException bad) {
                throw CwbException.badInput("the saved login for " + e.getKey() + " in " + configFile + " is not valid base64",
                        "run 'docker login' again or fix the auth field (base64 of user:password)");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw CwbException.badInput("the saved login for " + e.getKey() + " in " + configFile + " has no ':' between user and password",
                        "the auth field must be base64 of user:password");
            }
            return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        return Optional.empty();
    }

    /** Reduces a config key or domain to host[:port]; every name of Docker Hub becomes {@code docker.io}. */
    static String canonical(String key) {
        String k = key.trim().toLowerCase(java.util.Locale.ROOT);
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return switch (k) {
            case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> "docker.io";
            default -> k;
        };
    }
}
