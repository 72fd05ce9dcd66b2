package dev.cwb.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The mounts of this process as {@code /proc/self/mountinfo} lists them (proc(5)). Each line is
 * {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS}; a v1 cgroup
 * hierarchy names its controllers in the super options ({@code rw,memory} or {@code rw,cpu,cpuacct}).
 */
public final class MountInfo {
    private MountInfo() {
    }

    /**
     * One mount: where it is, what file system type, its source, its per-mount options ({@code rw,nosuid})
     * and its super-block options ({@code lowerdir=...} for an overlay).
     */
    public record Mount(String mountPoint, String root, String fsType, Set<String> superOptions, String source,
                        String options) {
        /** Compatibility with callers that only need the first four fields. */
        public Mount(String mountPoint, String root, String fsType, Set<String> superOptions) {
            this(mountPoint, root, fsType, superOptions, "", "");
        }
    }

    /** The mounts of process {@code pid} as its mount namespace has them ({@code "self"} for this JVM). */
    public static List<Mount> of(String pid) {
        try {
            return parse(java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "mountinfo")));
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** True when {@code path} is a mount point in this JVM's mount namespace. */
    public static boolean isMountPoint(java.nio.file.Path path) {
        String p = path.toAbsolutePath().normalize().toString();
        return of("self").stream().anyMatch(m -> m.mountPoint().equals(p));
    }

    /** Mount points at or under {@code dir} in this JVM's mount namespace. */
    public static List<java.nio.file.Path> under(java.nio.file.Path dir) {
        String d = dir.toAbsolutePath().normalize().toString();
        return of("self").stream().map(Mount::mountPoint)
                .filter(m -> m.equals(d) || m.startsWith(d.endsWith("/") ? d : d + "/"))
                .map(java.nio.file.Path::of).toList();
    }

    public static List<Mount> parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (dash < 6 || f.length < dash + 4) {
                continue; // not a mount line (blank, or a format this parser does not know)
            }
            Set<String> options = new LinkedHashSet<>(Arrays.asList(f[dash + 3].split(",")));
            mounts.add(new Mount(unescape(f[4]), unescape(f[3]), f[dash + 1], options, unescape(f[dash + 2]), f[5]));
        }
        return mounts;
    }

    /** The kernel writes space, tab, newline and backslash in paths as three-digit octal escapes. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
