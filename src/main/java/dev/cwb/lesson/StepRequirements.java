package dev.cwb.lesson;

import dev.cwb.WorkbenchHome;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a step's {@code requires:} are met here: a program on the PATH ({@code skopeo}),
 * {@code root}, or {@code registry}: a registry the workbench can reach, {@code $CWB_REGISTRY_MIRROR} when it is
 * set (the classroom registry, or the loopback registry {@code lessons verify} starts: {@link LessonRegistry}),
 * else Docker Hub. A step whose requirement is missing is optional for a learner: the player says why. For
 * {@code lessons verify} it is a step not played, counted and named in its summary (and under CI a failure
 * of the test suite).
 */
public final class StepRequirements {
    private StepRequirements() {
    }

    /** The requirements of {@code step} that are not met here, each with the reason in words. */
    public static List<String> missing(Step step) {
        return missing(step, System.getenv());
    }

    /** The same, with the registry settings of {@code env} ({@code CWB_REGISTRY_MIRROR}). */
    public static List<String> missing(Step step, java.util.Map<String, String> env) {
        List<String> missing = new ArrayList<>();
        for (String need : step.requires()) {
            switch (need) {
                case "root" -> {
                    if (!WorkbenchHome.isRoot()) {
                        missing.add("root (start the workbench with sudo)");
                    }
                }
                case "registry" -> {
                    String why = registryUnreachable(env.get("CWB_REGISTRY_MIRROR"));
                    if (why != null) {
                        missing.add("a registry: " + why);
                    }
                }
                default -> {
                    if (which(need) == null) {
                        missing.add(need + " (not installed here)");
                    }
                }
            }
        }
        return missing;
    }

    static String registryUnreachable(String mirror) {
        String host = "registry-1.docker.io";
        int port = 443;
        if (mirror != null && !mirror.isBlank()) {
            try {
                URI uri = URI.create(mirror.contains("://") ? mirror : "https://" + mirror);
                host = uri.getHost();
                port = uri.getPort() > 0 ? uri.getPort() : "http".equals(uri.getScheme()) ? 80 : 443;
            } catch (IllegalArgumentException e) {
                return "CWB_REGISTRY_MIRROR=" + mirror + " is not a URL";
            }
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return null;
        } catch (Exception e) {
            return host + ":" + port + " cannot be reached (" + e.getClass().getSimpleName() + ")"
                    + (mirror == null || mirror.isBlank() ? "; in a classroom without internet the teacher sets CWB_REGISTRY_MIRROR" : "");
        }
    }

    /** The program's file on the PATH (or in /usr/sbin, /sbin), or null. */
    public static Path which(String program) {
        if (program.isEmpty() || program.contains("/") || program.length() > 255) {
            return null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            try {
                Path candidate = Path.of(dir, program);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            } catch (java.nio.file.InvalidPathException e) {
                return null;
            }
        }
        return null;
    }
}
