package dev.cwb.cgroup;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The workbench's groups on this host, through the driver that can actually limit something here: the
 * v2 driver ({@link UnifiedCgroup}) on a unified host, the v1 driver ({@link LegacyCgroup}) on hybrid and
 * legacy hosts, where the controllers are attached to v1 hierarchies. Callers see one {@link Cgroup}
 * interface either way, so {@code cgroup set memory 64M} is the same command everywhere.
 *
 * <p>Groups are made under {@code cwb/} at the root of each hierarchy, which needs root. (Without root on a
 * unified host, the way forward is a systemd-delegated subtree; see {@link CgroupErrors}.)
 */
public final class Cgroups {
    private final CgroupHost host;
    private final CgroupTrace trace;
    private final CgroupOwners owners;

    public Cgroups(CgroupHost host, CgroupTrace trace, CgroupOwners owners) {
        this.host = host;
        this.trace = trace;
        this.owners = owners;
    }

    public CgroupHost host() {
        return host;
    }

    public CgroupTrace trace() {
        return trace;
    }

    /** Which driver this host gets: {@link CgroupMode#UNIFIED} (v2) or {@link CgroupMode#LEGACY} (v1). */
    public CgroupMode driver() {
        return switch (host.mode()) {
            case UNIFIED -> CgroupMode.UNIFIED;
            case HYBRID, LEGACY -> CgroupMode.LEGACY;
            case NONE -> throw new CwbException(CwbException.UNSUPPORTED, "cannot use cgroups: " + host.explanation(),
                    "cgroups need a Linux host with /sys/fs/cgroup mounted");
        };
    }

    /** Makes group {@code name}, its calls made (untraced) by this JVM's calling thread. */
    public Cgroup create(String name) {
        return create(name, new dev.cwb.kernel.Syscalls(dev.cwb.kernel.SyscallListener.NONE));
    }

    /**
     * Makes group {@code name} with its directories made, and its files written, as traced calls through
     * {@code calls} (see {@link Cgroup#writeThrough}), which it keeps using until told otherwise.
     */
    public Cgroup create(String name, dev.cwb.kernel.Syscalls calls) {
        return driver() == CgroupMode.UNIFIED
                ? UnifiedCgroup.create(host.unified().orElseThrow(), name, trace, owners, calls)
                : LegacyCgroup.create(host.v1(), host.hybridUnified(), name, trace, owners, calls);
    }

    public Cgroup open(String name) {
        return driver() == CgroupMode.UNIFIED
                ? UnifiedCgroup.open(host.unified().orElseThrow(), name, trace, owners)
                : LegacyCgroup.open(host.v1(), host.hybridUnified(), name, trace, owners);
    }

    /** The names of the workbench's groups that exist now (in the hierarchies the driver uses). */
    public List<String> names() {
        TreeSet<String> names = new TreeSet<>();
        List<Path> parents = new java.util.ArrayList<>(driver() == CgroupMode.UNIFIED
                ? List.of(host.unified().orElseThrow().resolve(UnifiedCgroup.PARENT))
                : host.v1().stream().map(h -> h.mountPoint().resolve(UnifiedCgroup.PARENT)).toList());
        host.hybridUnified().ifPresent(u -> parents.add(u.resolve(UnifiedCgroup.PARENT)));
        parents.forEach(p -> names.addAll(children(p)));
        return List.copyOf(names);
    }

    /** The sub-directories (child groups) of a cgroup directory; none when it does not exist. */
    static List<String> children(Path parent) {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
