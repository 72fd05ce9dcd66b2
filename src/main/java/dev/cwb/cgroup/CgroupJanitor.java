package dev.cwb.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the groups a killed workbench left under {@code cwb/} (in the v1 hierarchies and in the cgroup2
 * mount, whichever the host has) for {@code cleanup}. Cgroups are one tree per machine, shared by every
 * workbench home and every user on it, so a group is this home's leftover only when this home's owner record
 * names it, the process that made it has exited, and its directories are the very ones that process made
 * (same inodes). A group with no owner record here belongs to another {@code $CWB_HOME}, another user or a
 * hand-made {@code mkdir}: it is reported and never touched, even when empty — an empty group may be one
 * another workbench made a moment ago and is about to move its container into.
 */
public final class CgroupJanitor {
    private final CgroupHost host;
    private final CgroupOwners owners;

    public CgroupJanitor(CgroupHost host, CgroupOwners owners) {
        this.host = host;
        this.owners = owners;
    }

    /**
     * A group under {@code cwb/} that no running session of this home holds: its version, its directories,
     * why; {@code ours} says whether this home made it (and cleanup may remove it) or not (left alone).
     */
    public record Leftover(String name, CgroupMode version, List<Path> directories, String reason, boolean ours) {
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
        if (owner.isEmpty()) {
            return Optional.of(new Leftover(name, version, dirs, "no owner record in " + owners.directory()
                    + ": another workbench home's, another user's or made by hand", false));
        }
        if (owner.get().alive()) {
            return Optional.empty();
        }
        if (!owner.get().made(dirs)) {
            return Optional.of(new Leftover(name, version, dirs, "the group of that name made by pid " + owner.get().pid()
                    + " is gone; this one was made since, by someone else", false));
        }
        return Optional.of(new Leftover(name, version, dirs, "made by pid " + owner.get().pid() + ", which has exited", true));
    }

    /**
     * Kills what is left inside and removes every directory of the group, recording each step in {@code trace}.
     * Only a group this home made ({@link Leftover#ours()}).
     */
    public void remove(Leftover leftover, CgroupTrace trace) {
        if (!leftover.ours()) {
            throw new IllegalArgumentException("cgroup " + leftover.name() + " is not this workbench home's: " + leftover.reason());
        }
        Cgroup g = leftover.version() == CgroupMode.UNIFIED
                ? UnifiedCgroup.open(host.unified().orElseThrow(), leftover.name(), trace, owners)
                : LegacyCgroup.open(host.v1(), host.hybridUnified(), leftover.name(), trace, owners);
        g.remove();
        owners.release(leftover.name());
    }
}
