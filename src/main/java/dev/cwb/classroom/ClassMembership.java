package dev.cwb.classroom;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A student's side of a class: the server's address, the join code and the name to show, kept in
 * {@code $CWB_HOME/class/joined.json} (0600: the code is a secret of the class) by {@code class join} and
 * removed by {@code class leave}.
 */
public record ClassMembership(@JsonProperty("url") String url, @JsonProperty("code") String code,
                              @JsonProperty("name") String name) {
    public static Path file(Path home) {
        return home.resolve("class").resolve("joined.json");
    }

    /** Checks a server address as typed: {@code http[s]://host[:port]} with nothing after the path's root. */
    public static URI parseUrl(String typed) {
        try {
            URI u = new URI(typed.endsWith("/") ? typed.substring(0, typed.length() - 1) : typed);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null
                    || (u.getRawPath() != null && !u.getRawPath().isEmpty()) || u.getRawQuery() != null || u.getUserInfo() != null) {
                throw new URISyntaxException(typed, "not http://HOST:PORT");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new CwbException(CwbException.BAD_INPUT, "'" + dev.cwb.view.Excerpt.of(typed) + "' is not a class server's address",
                    "give it as the teacher's screen shows it, e.g. http://10.0.0.5:" + ClassServer.DEFAULT_PORT);
        }
    }

    public static Optional<ClassMembership> read(Path home) {
        Path f = file(home);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            ClassMembership m = Json.MAPPER.readValue(f.toFile(), ClassMembership.class);
            return m.url() == null || m.code() == null || m.name() == null ? Optional.empty() : Optional.of(m);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void save(Path home) {
        Path f = file(home);
        try {
            PrivateFile.write(f, Json.MAPPER.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot save the class membership to " + f + ": " + e.getMessage(), null);
        }
    }

    public static boolean forget(Path home) {
        try {
            return Files.deleteIfExists(file(home));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot remove " + file(home) + ": " + e.getMessage(), null);
        }
    }
}
