package dev.cwb.registry;

import java.net.URI;
import java.util.Locale;

/**
 * Scheme, host and port of an address: the unit credentials belong to (RFC 6454, "The Web Origin
 * Concept"; RFC 9110 §11.6.2 leaves it to the client whether {@code Authorization} survives a redirect,
 * and curl, Go's {@code net/http} and Docker all drop it when the host changes). Two addresses with the
 * same origin reach the same server over the same kind of connection; {@code https://r.example} and
 * {@code https://r.example:443} are one origin, {@code http://r.example} is another.
 */
record Origin(String scheme, String host, int port) {
    static Origin of(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        return new Origin(scheme, host, port);
    }

    /** True when going from {@code this} to {@code next} would send over plain HTTP what went over TLS. */
    boolean downgradedBy(Origin next) {
        return scheme.equals("https") && !next.scheme.equals("https");
    }

    @Override
    public String toString() {
        return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
