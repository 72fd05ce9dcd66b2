package dev.cwb.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cgroup file system made of plain files in a temporary directory, for testing what the drivers write
 * without root. {@link #v2()} and {@link #v1(Map)} play the kernel's part of filling each new group
 * directory with its control files (with the kernel's initial values).
 */
final class FakeCgroupFs {
    private FakeCgroupFs() {
    }

    static void put(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String get(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new v2 group gets, as cgroup.controllers, what its parent enabled in cgroup.subtree_control. */
    static java.util.function.Consumer<Path> v2() {
        return dir -> {
            String enabled = get(dir.getParent().resolve("cgroup.subtree_control")).replace("+", "").trim();
            put(dir.resolve("cgroup.controllers"), enabled.isEmpty() ? "" : enabled + "\n");
            put(dir.resolve("cgroup.subtree_control"), "");
            put(dir.resolve("cgroup.procs"), "");
            put(dir.resolve("cgroup.kill"), "");
            put(dir.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
            List<String> ctrls = enabled.isEmpty() ? List.of() : List.of(enabled.split(" "));
            if (ctrls.contains("memory")) {
                put(dir.resolve("memory.max"), "max\n");
                put(dir.resolve("memory.swap.max"), "max\n");
                put(dir.resolve("memory.current"), "0\n");
                put(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
            }
            if (ctrls.contains("pids")) {
                put(dir.resolve("pids.max"), "max\n");
                put(dir.resolve("pids.current"), "0\n");
            }
            if (ctrls.contains("cpu")) {
                put(dir.resolve("cpu.max"), "max 100000\n");
            }
        };
    }

    /** A new v1 group gets the files of the controllers its hierarchy (found by mount point) carries. */
    static java.util.function.Consumer<Path> v1(Map<Path, List<String>> hierarchies, boolean swapAccounting) {
        return dir -> {
            List<String> ctrls = new ArrayList<>();
            hierarchies.forEach((mount, c) -> {
                if (dir.startsWith(mount)) {
                    ctrls.addAll(c);
                }
            });
            put(dir.resolve("cgroup.procs"), "");
            if (ctrls.contains("memory")) {
                put(dir.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
                if (swapAccounting) {
                    put(dir.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
                }
                put(dir.resolve("memory.usage_in_bytes"), "0\n");
                put(dir.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
            }
            if (ctrls.contains("pids")) {
                put(dir.resolve("pids.max"), "max\n");
            }
            if (ctrls.contains("cpu")) {
                put(dir.resolve("cpu.cfs_period_us"), "100000\n");
                put(dir.resolve("cpu.cfs_quota_us"), "-1\n");
            }
        };
    }
}
