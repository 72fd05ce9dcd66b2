package dev.cwb.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Preconditions of tests that need something of the host: root, Linux, or a peer program such as
 * {@code umoci} or {@code skopeo}. Elsewhere a missing precondition skips the test with a printed reason;
 * under CI ({@code CI=true}, where .ci/run installs everything and runs as root) it <em>fails</em> the
 * test, so a privileged test can never silently not run.
 */
public final class Requirements {
    private Requirements() {
    }

    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (or under CI fails) unless {@code condition} holds; {@code reason} says what is missing. */
    public static void require(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (underCi()) {
            Assertions.fail("required under CI but missing: " + reason);
        }
        System.out.println("SKIPPED (" + reason + ")");
        Assumptions.abort(reason);
    }

    public static void requireLinux() {
        require(System.getProperty("os.name").toLowerCase().startsWith("linux"), "needs Linux");
    }

    public static void requireRoot() {
        requireLinux();
        require(dev.cwb.WorkbenchHome.isRoot(), "needs root (run the tests with sudo)");
    }

    /** Finds {@code name} on the PATH; skips (or fails under CI) when it is not installed. */
    public static Path requireCommand(String name, String debianPackage) {
        Path found = which(name);
        require(found != null, "needs '" + name + "' (apt-get install " + debianPackage + ")");
        return found;
    }

    public static Path which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
