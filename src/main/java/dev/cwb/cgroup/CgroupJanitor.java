package dev.cwb.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the groups a killed workbench left under {@code cwb/} (in the v1 hierarchies and in the cgroup2
 * mount, whichever the host has) for {@code cleanup}. A group is left over when the owner record says the
 * process that made it has exited, or when there is no owner record and nothing runs inside it. A group
 * whose owner still runs, or an unknown group with processes in it, is never touched.
 */
public final class CgroupJanitor {
    private final CgroupHost host;
    private final CgroupOwners owners;

    public CgroupJanitor(CgroupHost host, CgroupOwners owners) {
        this.host = host;
        this.owners = owners;
    }

    /** A group to remove: its version, its directories, and why it is considered left over. */
    public record Leftover(String name, CgroupMode version, List<Path> directories, String reason) {
    }

    public List<Leftover> find() {
        List<Leftover> found = new ArrayList<>();
        Map<String, List<Path>> v1 = new LinkedHashMap<>();
        for (CgroupHost.Hierarchy h : host.v1()) {
            Path parent = h.mountPoint().resolve(UnifiedCgroup.PARENT);
            for (String name : Cgroups.children(parent)) {
                v1.computeIfAbsent(name, n -> new ArrayList<>()).add(parent.resolve(name));
            }
        }
        // on a hybrid host a v1 group has a directory in the cgroup2 mount too: one group, removed as one
        host.hybridUnified().ifPresent(root -> {
            Path parent = root.resolve(UnifiedCgroup.PARENT);
            for (String name : Cgroups.children(parent)) {
                v1.computeIfAbsent(name, n -> new ArrayList<>()).add(parent.resolve(name));
            }
        });
        v1.forEach((name, dirs) -> judge(name, CgroupMode.LEGACY, dirs).ifPresent(found::add));
        host.unified().filter(root -> host.hybridUnified().isEmpty()).ifPresent(root -> {
            Path parent = root.resolve(UnifiedCgroup.PARENT);
            for (String name : Cgroups.children(parent)) {
                judge(name, CgroupMode.UNIFIED, List.of(parent.resolve(name))).ifPresent(found::add);
            }
        });
        return found;
    }

    private Optional<Leftover> judge(String name, CgroupMode version, List<Path> dirs) {
        Optional<CgroupOwners.Owner> owner = owners.owner(name);
        if (owner.isPresent()) {
            return owner.get().alive() ? Optional.empty()
                    : Optional.of(new Leftover(name, version, dirs, "made by pid " + owner.get().pid() + ", which has exited"));
        }
        boolean empty = dirs.stream().allMatch(d -> CgroupFiles.pids(d.resolve("cgroup.procs")).isEmpty());
        return empty ? Optional.of(new Leftover(name, version, dirs, "no owner record and no processes inside"))
                : Optional.empty();
    }

    /** Kills what is left inside and removes every directory of the group, recording each step in {@code trace}. */
    public void remove(Leftover leftover, CgroupTrace trace) {
        Cgroup g = leftover.version() == CgroupMode.UNIFIED
                ? UnifiedCgroup.open(host.unified().orElseThrow(), leftover.name(), trace, owners)
                : LegacyCgroup.open(host.v1(), host.hybridUnified(), leftover.name(), trace, owners);
        g.remove();
        owners.release(leftover.name());
    }
}
