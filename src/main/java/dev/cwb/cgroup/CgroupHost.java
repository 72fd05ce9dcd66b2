package dev.cwb.cgroup;

import dev.cwb.kernel.MountInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What this host offers for control groups: the {@link CgroupMode}, each v1 hierarchy with its
 * controllers, and the cgroup2 mount with the controllers its root makes available.
 *
 * <p>Found the way {@code statfs(2)} based tools (runc, systemd) find it, but from text a learner can read
 * too: {@code /proc/self/mountinfo} gives every mount's file-system type ({@code cgroup} for a v1
 * hierarchy, {@code cgroup2} for the unified one) and its super options (the controllers of a v1
 * hierarchy); {@code /proc/filesystems} says whether the kernel knows the types at all; the cgroup2 root's
 * {@code cgroup.controllers} lists the controllers no v1 hierarchy has claimed.
 */
public record CgroupHost(CgroupMode mode, List<Hierarchy> v1, Optional<Path> unified, Set<String> unifiedControllers,
        Set<String> kernelFilesystems) {

    /** Controllers cgroups(7) lists for v1; anything else in the super options is a mount flag. */
    static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
            "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc");

    /** One v1 hierarchy: its mount point and the controllers attached to it (one or several). */
    public record Hierarchy(Path mountPoint, Set<String> controllers) {
    }

    public CgroupHost {
        v1 = List.copyOf(v1);
        // Sorted, so explanations read the same on every run.
        unifiedControllers = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(unifiedControllers));
        kernelFilesystems = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(kernelFilesystems));
    }

    /** Looks at this machine. */
    public static CgroupHost detect() {
        String mountinfo = readOrEmpty(Path.of("/proc/self/mountinfo"));
        String filesystems = readOrEmpty(Path.of("/proc/filesystems"));
        return fromText(mountinfo, filesystems, dir -> readOrEmpty(dir.resolve("cgroup.controllers")));
    }

    /** Reads a cgroup2 directory's {@code cgroup.controllers}; a parameter so tests can feed text. */
    @FunctionalInterface
    interface ControllersReader {
        String read(Path dir);
    }

    static CgroupHost fromText(String mountinfo, String filesystems, ControllersReader controllers) {
        Set<String> known = new TreeSet<>();
        for (String line : filesystems.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 0 && f[f.length - 1].startsWith("cgroup")) {
                known.add(f[f.length - 1]);
            }
        }
        List<Hierarchy> v1 = new ArrayList<>();
        List<Path> cgroup2 = new ArrayList<>();
        for (MountInfo.Mount m : MountInfo.parse(mountinfo)) {
            if (m.fsType().equals("cgroup2")) {
                cgroup2.add(Path.of(m.mountPoint()));
            } else if (m.fsType().equals("cgroup")) {
                Set<String> ctrls = new LinkedHashSet<>(m.superOptions());
                ctrls.retainAll(V1_CONTROLLERS);
                if (!ctrls.isEmpty()) { // name=systemd and friends carry no controller
                    v1.add(new Hierarchy(Path.of(m.mountPoint()), ctrls));
                }
            }
        }
        // Prefer the conventional places when a host (or a container) mounts cgroup2 more than once.
        Optional<Path> unified = cgroup2.stream()
                .min(Comparator.comparingInt(p -> p.equals(Path.of("/sys/fs/cgroup")) ? 0
                        : p.equals(Path.of("/sys/fs/cgroup/unified")) ? 1 : 2));
        Set<String> unifiedCtrls = unified
                .map(p -> Set.of(controllers.read(p).trim().split("\\s+")))
                .map(s -> s.stream().filter(c -> !c.isEmpty()).collect(Collectors.toCollection(TreeSet::new)))
                .orElse(new TreeSet<>());
        CgroupMode mode;
        if (!v1.isEmpty()) {
            mode = unified.isPresent() ? CgroupMode.HYBRID : CgroupMode.LEGACY;
        } else {
            mode = unified.isPresent() ? CgroupMode.UNIFIED : CgroupMode.NONE;
        }
        return new CgroupHost(mode, v1, unified, unifiedCtrls, known);
    }

    /**
     * On a hybrid host, the cgroup2 mount (no controllers in it) where the v1 driver's groups get a
     * directory too ({@link LegacyCgroup}); empty on every other kind of host.
     */
    public Optional<Path> hybridUnified() {
        return mode == CgroupMode.HYBRID ? unified : Optional.empty();
    }

    /** The v1 hierarchy a controller is attached to, if any. */
    public Optional<Hierarchy> hierarchyOf(String controller) {
        return v1.stream().filter(h -> h.controllers().contains(controller)).findFirst();
    }

    /** The controllers this host can use at all, in either version. */
    public Set<String> allControllers() {
        Set<String> all = new TreeSet<>(unifiedControllers);
        v1.forEach(h -> all.addAll(h.controllers()));
        return all;
    }

    /**
     * What was found, in one line for a learner, e.g. {@code hybrid: v1 controllers memory, pids, cpu at
     * /sys/fs/cgroup/<controller>; cgroup2 at /sys/fs/cgroup/unified (no controllers)}.
     */
    public String explanation() {
        return switch (mode) {
            case UNIFIED -> "unified (cgroup v2 only): cgroup2 at " + unified.orElseThrow() + " "
                    + describeControllers(unifiedControllers) + "; limits go in each group's memory.max, pids.max, cpu.max";
            case HYBRID -> "hybrid: " + describeV1() + "; cgroup2 at " + unified.orElseThrow() + " "
                    + describeControllers(unifiedControllers)
                    + "; a controller works in one hierarchy only, so limits go through the v1 files";
            case LEGACY -> "legacy (cgroup v1 only): " + describeV1();
            case NONE -> "no cgroup file system is mounted"
                    + (kernelFilesystems.isEmpty() ? " and the kernel lists no cgroup type in /proc/filesystems"
                            : " (the kernel supports " + String.join(", ", kernelFilesystems)
                                    + "; mount one with: mount -t cgroup2 none /sys/fs/cgroup)");
        };
    }

    private static String describeControllers(Set<String> ctrls) {
        return ctrls.isEmpty() ? "(no controllers)" : "(controllers " + String.join(", ", ctrls) + ")";
    }

    private String describeV1() {
        List<String> names = new ArrayList<>();
        v1.forEach(h -> names.addAll(h.controllers()));
        // Most hosts mount each hierarchy at <base>/<controllers joined by commas>: say so once.
        Path base = v1.get(0).mountPoint().getParent();
        boolean conventional = v1.stream().allMatch(h -> h.mountPoint().getParent() != null
                && h.mountPoint().getParent().equals(base)
                && h.mountPoint().getFileName().toString().equals(String.join(",", h.controllers())));
        if (conventional) {
            return "v1 controllers " + String.join(", ", names) + " at " + base + "/<controller>";
        }
        return "v1 controllers " + v1.stream().map(h -> String.join(",", h.controllers()) + " at " + h.mountPoint())
                .collect(Collectors.joining(", "));
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
