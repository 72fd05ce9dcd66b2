package dev.cwb;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the workbench keeps its files.
 *
 * <p>{@code $CWB_HOME} when set; otherwise {@code /var/lib/cwb} for root (like {@code /var/lib/docker})
 * and {@code $XDG_DATA_HOME/cwb} or {@code ~/.local/share/cwb} for everyone else (XDG Base Directory
 * Specification). Inside it:
 * <pre>
 *   images/   an OCI image layout (oci-layout, index.json, blobs/sha256/...)
 *   layers/   unpacked layers, one directory per diff_id, shared by all images (overlay lowerdirs)
 *   cache/    derived data that can always be rebuilt (layer statistics, ...)
 *   pending/  one locked file per work directory being written elsewhere (for 'cleanup')
 *   run/      containers' workspaces and what cleanup needs of them; private to the owner (see HomeSafety)
 *   history   the shell's command history
 * </pre>
 */
public record WorkbenchHome(Path root) {

    public static WorkbenchHome fromEnvironment() {
        return fromEnvironment(System.getenv(), System.getProperty("user.home"), isRoot());
    }

    static WorkbenchHome fromEnvironment(Map<String, String> env, String userHome, boolean root) {
        String explicit = env.get("CWB_HOME");
        if (explicit != null && !explicit.isBlank()) {
            return new WorkbenchHome(Path.of(explicit).toAbsolutePath());
        }
        if (root) {
            return new WorkbenchHome(Path.of("/var/lib/cwb"));
        }
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(userHome, ".local", "share");
        return new WorkbenchHome(base.resolve("cwb"));
    }

    /** True when this process runs as uid 0 (read from /proc, so no native call is needed). */
    public static boolean isRoot() {
        int uid = effectiveUid();
        return uid >= 0 ? uid == 0 : "root".equals(System.getProperty("user.name"));
    }

    /** This process's effective user id from /proc/self/status, or -1 where there is no /proc (not Linux). */
    public static int effectiveUid() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.split("\\s+")[2]); // real, effective, saved, fs: take effective
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** {@code run/}: the state of running things (containers, cgroup owners, cwb-init); mode 0700. */
    public Path run() {
        return root.resolve("run");
    }

    public Path imageLayout() {
        return root.resolve("images");
    }

    public Path layers() {
        return root.resolve("layers");
    }

    public Path pending() {
        return root.resolve("pending");
    }

    public Path cache() {
        return root.resolve("cache");
    }

    public Path historyFile() {
        return root.resolve("history");
    }
}
