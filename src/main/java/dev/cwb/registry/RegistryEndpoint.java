package dev.cwb.registry;

import java.net.URI;

/**
 * One registry as the client reaches it: the domain the image is named under ({@code docker.io}), the
 * base address its API answers at ({@code https://registry-1.docker.io}) and whether that is a mirror.
 */
public record RegistryEndpoint(String domain, URI base, boolean mirror) {
    public boolean plainHttp() {
        return base.getScheme().equals("http");
    }

    /** {@code host:port} as written in the base address: what credentials and redirects are compared with. */
    public String authority() {
        return base.getRawAuthority();
    }

    public URI resolve(String pathAndQuery) {
        return URI.create(base + pathAndQuery);
    }
}
