package dev.cwb.container;

import dev.cwb.cgroup.Cgroup;
import dev.cwb.cgroup.CgroupUsage;
import dev.cwb.layer.LayerCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What a diagram of a container shows, read from the kernel and the file system at one moment: the overlay
 * stack (the image's layers, the upper directory, the merged view), the namespaces (the host's id beside the
 * container's, per kind, from {@code /proc/PID/ns}), the cgroup (its directories, limits and usage, from
 * the cgroup files) and the processes (host pid beside the pid inside, from {@code /proc/PID/status}
 * NSpid). Nothing here is remembered from what the workbench did: each value is what the kernel says now.
 */
public record ContainerPicture(String name, String image, List<Layer> layers, Upper upper, Merged merged,
                               List<NamespaceView.Row> namespaces, Optional<Group> cgroup, List<Proc> processes) {
    /** Walking more entries than this to count them is not worth a diagram's time: the count says "more than". */
    public static final int COUNT_LIMIT = 200_000;

    /** One image layer: its place (0 = bottom), digest and entries. */
    public record Layer(int index, String digest, int entries) {
    }

    /** The upper directory: what the container changed, as overlayfs keeps it. */
    public record Upper(Path dir, int added, int copiedUp, int deleted) {
    }

    /** The merged view: where it is mounted (empty when it is not), and how many entries it shows. */
    public record Merged(Optional<Path> mountPoint, long entries) {
    }

    /** The cgroup: per directory, its limit and usage as the files say. */
    public record Group(String name, String version, List<Path> directories, OptionalLong memoryLimit, OptionalLong pidsLimit,
                        Optional<String> cpuLimit, CgroupUsage usage) {
    }

    /** One process: host pid, its parent's host pid, its pid in the innermost namespace, its role and command. */
    public record Proc(int hostPid, int parentHostPid, int insidePid, String role, String command) {
    }

    public static ContainerPicture of(Container c) {
        List<Layer> layers = new ArrayList<>();
        for (LayerCache.Unpacked u : c.layers()) {
            layers.add(new Layer(u.index(), u.info().diffId().toString(), u.info().entries()));
        }
        return new ContainerPicture(c.name(), c.image().reference().familiar(), layers, upper(c), merged(c),
                NamespaceView.rows(c), Optional.ofNullable(c.cgroup()).map(ContainerPicture::group), processes(c));
    }

    private static Upper upper(Container c) {
        int added = 0;
        int copied = 0;
        int deleted = 0;
        try {
            for (UpperChanges.Change ch : UpperChanges.of(c.dirs().upper(), c.lowers())) {
                switch (ch.kind()) {
                    case ADDED -> added++;
                    case COPIED_UP -> copied++;
                    case DELETED -> deleted++;
                }
            }
        } catch (IOException e) {
            // an upper directory that cannot be read shows as unchanged; the diagram says where it is
        }
        return new Upper(c.dirs().upper(), added, copied, deleted);
    }

    /**
     * The merged view seen from the host: through {@code /proc/PID/root} once the container's root has
     * changed (its mounts may be in a mount namespace of its own), else the rootfs directory while the
     * overlay is mounted there.
     */
    private static Merged merged(Container c) {
        if (!c.overlayMounted()) {
            return new Merged(Optional.empty(), 0);
        }
        Path seen = c.root() == Container.RootChange.PIVOT_ROOT || c.root() == Container.RootChange.CHROOT
                ? Path.of("/proc", Integer.toString(c.current().pid()), "root", ".") : c.dirs().rootfs();
        // (the "." makes the walk go through the magic link: a walk of /proc/PID/root itself sees one symlink)
        return new Merged(Optional.of(c.dirs().rootfs()), count(seen));
    }

    /** Entries below {@code dir} on its own file system (not crossing into /proc or /sys mounted inside). */
    static long count(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.skip(1).filter(p -> !isKernelMount(dir.relativize(p))).limit(COUNT_LIMIT).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    private static boolean isKernelMount(Path relative) {
        String first = relative.getNameCount() == 0 ? "" : relative.getName(0).toString();
        return relative.getNameCount() > 1 && (first.equals("proc") || first.equals("sys") || first.equals("dev"));
    }

    private static Group group(Cgroup g) {
        boolean v2 = g.version() == dev.cwb.cgroup.CgroupMode.UNIFIED;
        OptionalLong memory = number(g, "memory", v2 ? "memory.max" : "memory.limit_in_bytes");
        OptionalLong pids = number(g, "pids", "pids.max");
        Optional<String> cpu = v2 ? read(g, "cpu", "cpu.max").filter(s -> !s.startsWith("max"))
                .map(s -> cpus(s.split(" ")))
                : number(g, "cpu", "cpu.cfs_quota_us").stream().filter(q -> q > 0).boxed().findFirst()
                        .map(q -> cpus(new String[] {Long.toString(q), read(g, "cpu", "cpu.cfs_period_us").orElse("100000")}));
        // v1 says "no limit" with a huge number (PAGE_COUNTER_MAX pages).
        OptionalLong mem = memory.isPresent() && memory.getAsLong() >= Long.MAX_VALUE / 2 ? OptionalLong.empty() : memory;
        return new Group(g.name(), v2 ? "v2" : "v1", g.directories(), mem, pids, cpu, g.usage());
    }

    private static String cpus(String[] quotaPeriod) {
        try {
            return String.format("%.2f CPU", Double.parseDouble(quotaPeriod[0].trim()) / Double.parseDouble(quotaPeriod[1].trim()));
        } catch (RuntimeException e) {
            return String.join(" ", quotaPeriod);
        }
    }

    private static OptionalLong number(Cgroup g, String controller, String file) {
        Optional<String> text = read(g, controller, file);
        try {
            return text.isEmpty() || text.get().equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text.get()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> read(Cgroup g, String controller, String file) {
        return g.controlFile(controller, file).flatMap(p -> {
            try {
                return Optional.of(Files.readString(p).trim());
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    private static List<Proc> processes(Container c) {
        List<Proc> result = new ArrayList<>();
        for (ContainerProgress.Proc p : ContainerProgress.processes(c)) {
            result.add(new Proc(p.hostPid(), parent(p.hostPid()), p.insidePid(), p.role(), p.command()));
        }
        return result;
    }

    /** The parent's pid, field 4 of {@code /proc/PID/stat} (after the command in parentheses); 0 if gone. */
    static int parent(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(rest[1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
