package dev.cwb.registry;

import dev.cwb.CwbException;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where registries are reached and how: the classroom mirror of Docker Hub ({@code CWB_REGISTRY_MIRROR}),
 * the hosts spoken to over plain HTTP ({@code --insecure-registry}, {@code CWB_INSECURE_REGISTRIES}) and
 * the directory of Docker's client configuration ({@code DOCKER_CONFIG}, default {@code ~/.docker}).
 *
 * <p>Docker Hub's name for people ({@code docker.io}) is not the host its API lives on: the distribution
 * API of Hub answers at {@code registry-1.docker.io}. A mirror replaces that host for Hub images only,
 * as Docker's {@code registry-mirrors} setting does.
 */
public record RegistrySettings(URI mirror, Set<String> insecureHosts, Path dockerConfigDir, java.time.Duration stallTimeout) {
    public static final String HUB_API_HOST = "registry-1.docker.io";
    /** How long a registry may send nothing before a request is retried or a download resumed ({@code --timeout}). */
    public static final java.time.Duration DEFAULT_STALL_TIMEOUT = java.time.Duration.ofSeconds(30);

    public RegistrySettings {
        insecureHosts = Set.copyOf(insecureHosts);
        if (stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stall timeout must be positive: " + stallTimeout);
        }
    }

    public RegistrySettings(URI mirror, Set<String> insecureHosts, Path dockerConfigDir) {
        this(mirror, insecureHosts, dockerConfigDir, DEFAULT_STALL_TIMEOUT);
    }

    /** The same settings with another stall timeout. */
    public RegistrySettings withStallTimeout(java.time.Duration timeout) {
        return new RegistrySettings(mirror, insecureHosts, dockerConfigDir, timeout);
    }

    /** Settings from environment variables (pass {@code System.getenv()}) plus {@code --insecure-registry} hosts. */
    public static RegistrySettings from(Map<String, String> env, Iterable<String> extraInsecure) {
        URI mirror = null;
        String mirrorText = env.get("CWB_REGISTRY_MIRROR");
        if (mirrorText != null && !mirrorText.isBlank()) {
            mirror = parseMirror(mirrorText.trim());
        }
        Set<String> insecure = new LinkedHashSet<>();
        String list = env.get("CWB_INSECURE_REGISTRIES");
        if (list != null) {
            for (String h : list.split("[,\\s]+")) {
                if (!h.isBlank()) {
                    insecure.add(h.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        if (extraInsecure != null) {
            extraInsecure.forEach(h -> insecure.add(h.trim().toLowerCase(Locale.ROOT)));
        }
        String dockerConfig = env.get("DOCKER_CONFIG");
        Path configDir = dockerConfig != null && !dockerConfig.isBlank() ? Path.of(dockerConfig)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker");
        return new RegistrySettings(mirror, insecure, configDir);
    }

    private static URI parseMirror(String text) {
        String withScheme = text.contains("://") ? text : "https://" + text;
        try {
            URI uri = new URI(withScheme.endsWith("/") ? withScheme.substring(0, withScheme.length() - 1) : withScheme);
            if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException("no host");
            }
            return uri;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw CwbException.badInput("CWB_REGISTRY_MIRROR='" + text + "' is not a registry address",
                    "set it like http://10.0.0.5:5000 (scheme, host and port of the classroom mirror)");
        }
    }

    /** The address to speak the distribution API to for images named under {@code domain}. */
    public RegistryEndpoint endpointFor(String domain) {
        if (domain.equals("docker.io") && mirror != null) {
            return new RegistryEndpoint(domain, URI.create(mirror.getScheme() + "://" + mirror.getRawAuthority()), true);
        }
        String host = domain.equals("docker.io") ? HUB_API_HOST : domain;
        boolean plain = isLoopback(host) || insecureHosts.contains(host.toLowerCase(Locale.ROOT))
                || insecureHosts.contains(hostWithoutPort(host).toLowerCase(Locale.ROOT));
        return new RegistryEndpoint(domain, URI.create((plain ? "http://" : "https://") + host), false);
    }

    /** localhost, 127.0.0.0/8 and ::1 never leave the machine, so Docker lets them use plain HTTP too (see {@link Loopback}). */
    static boolean isLoopback(String hostAndPort) {
        return Loopback.isLoopback(hostAndPort);
    }

    static String hostWithoutPort(String hostAndPort) {
        if (hostAndPort.startsWith("[")) {
            int end = hostAndPort.indexOf(']');
            return end < 0 ? hostAndPort : hostAndPort.substring(0, end + 1);
        }
        int colon = hostAndPort.lastIndexOf(':');
        return colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
    }
}
