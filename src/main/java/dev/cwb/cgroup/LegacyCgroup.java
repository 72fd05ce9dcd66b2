package dev.cwb.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cgroup in v1 hierarchies (Documentation/admin-guide/cgroup-v1/): each controller is mounted as its own
 * tree, so one logical group is one directory per hierarchy, e.g. {@code /sys/fs/cgroup/memory/cwb/NAME}
 * and {@code /sys/fs/cgroup/pids/cwb/NAME}, and a process joins it by being written into the
 * {@code cgroup.procs} of <em>each</em>. This is what hybrid hosts (systemd's default before v247 on many
 * distributions) and older ones use.
 *
 * <p>On a hybrid host the group has one more directory, in the cgroup2 mount that carries no controller
 * ({@code /sys/fs/cgroup/unified/cwb/NAME}). It limits nothing, but a process is in some group of that tree
 * too, and a cgroup namespace is rooted at the groups the process is in when it is made: left in the
 * tree's root, a container could mount cgroup2 and see (and, with a user namespace of its own, make groups
 * in) the host's whole tree. runc joins that directory on hybrid hosts for the same reason.
 */
public final class LegacyCgroup implements Cgroup {
    /** The controllers the workbench uses: cpuacct keeps the CPU time, cpu enforces the quota. */
    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "devices");

    private final String name;
    /** Controller to the group's directory in the hierarchy holding it (co-mounted controllers share one). */
    private final Map<String, Path> dirs = new LinkedHashMap<>();
    private final Map<Path, Set<String>> hierarchyControllers = new LinkedHashMap<>();
    private final CgroupFiles files;
    private final CgroupOwners owners;
    /** The group's directory in a hybrid host's cgroup2 mount (no controllers there), if the host has one. */
    private final Optional<Path> unifiedDir;

    private LegacyCgroup(List<CgroupHost.Hierarchy> hierarchies, Optional<Path> unifiedRoot, String name, CgroupFiles files,
            CgroupOwners owners) {
        this.name = CgroupNames.check(name);
        this.files = files;
        this.owners = owners;
        this.unifiedDir = unifiedRoot.map(r -> r.resolve(UnifiedCgroup.PARENT).resolve(name));
        for (String c : CONTROLLERS) {
            hierarchies.stream().filter(h -> h.controllers().contains(c)).findFirst().ifPresent(h -> {
                Path d = h.mountPoint().resolve(UnifiedCgroup.PARENT).resolve(name);
                dirs.put(c, d);
                hierarchyControllers.put(d, h.controllers());
            });
        }
        if (dirs.isEmpty()) {
            throw CgroupErrors.missingController("memory, pids or cpu", "no v1 hierarchy has any of them",
                    "this host keeps its controllers elsewhere (see its cgroup mode)");
        }
    }

    /**
     * Makes {@code cwb/NAME} in every hierarchy that holds memory, pids, cpu, cpuacct or devices, and in
     * {@code unifiedRoot} (a hybrid host's cgroup2 mount) when given.
     */
    public static LegacyCgroup create(List<CgroupHost.Hierarchy> hierarchies, Optional<Path> unifiedRoot, String name,
            CgroupTrace trace, CgroupOwners owners) {
        return create(hierarchies, unifiedRoot, name, new CgroupFiles(trace), owners);
    }

    /** {@link #create(List, Optional, String, CgroupTrace, CgroupOwners)} with every call made through {@code calls}. */
    public static LegacyCgroup create(List<CgroupHost.Hierarchy> hierarchies, Optional<Path> unifiedRoot, String name,
            CgroupTrace trace, CgroupOwners owners, dev.cwb.kernel.Syscalls calls) {
        CgroupFiles files = new CgroupFiles(trace);
        files.writeThrough(calls);
        return create(hierarchies, unifiedRoot, name, files, owners);
    }

    static LegacyCgroup create(List<CgroupHost.Hierarchy> hierarchies, String name, CgroupFiles files,
            CgroupOwners owners) {
        return create(hierarchies, Optional.empty(), name, files, owners);
    }

    static LegacyCgroup create(List<CgroupHost.Hierarchy> hierarchies, Optional<Path> unifiedRoot, String name,
            CgroupFiles files, CgroupOwners owners) {
        LegacyCgroup g = new LegacyCgroup(hierarchies, unifiedRoot, name, files, owners);
        g.make();
        return g;
    }

    public static LegacyCgroup open(List<CgroupHost.Hierarchy> hierarchies, Optional<Path> unifiedRoot, String name,
            CgroupTrace trace, CgroupOwners owners) {
        LegacyCgroup g = new LegacyCgroup(hierarchies, unifiedRoot, name, new CgroupFiles(trace), owners);
        if (g.directories().stream().noneMatch(Files::isDirectory)) {
            throw CgroupNames.noSuchGroup(name, g.directories().get(0));
        }
        return g;
    }

    private void make() {
        for (Path d : directories()) {
            if (Files.isDirectory(d)) {
                throw CgroupNames.exists(name, d);
            }
        }
        List<Path> made = new ArrayList<>();
        try {
            for (Path d : directories()) {
                Set<String> controllers = hierarchyControllers.getOrDefault(d, Set.of());
                files.mkdir(d.getParent()); // cwb/: another group's making it too is just as good
                prepareCpuset(d.getParent(), controllers);
                if (!files.mkdir(d)) {
                    // made by someone else since the look above (mkdir(2) EEXIST): the group is theirs, and
                    // sharing it would put two containers under one set of limits and let the first removal take it
                    takeBack(made);
                    throw CgroupNames.exists(name, d);
                }
                made.add(d);
                prepareCpuset(d, controllers);
            }
        } catch (CgroupFiles.Failure f) {
            takeBack(made); // nothing half-made
            throw CgroupErrors.of(f, CgroupMode.LEGACY);
        }
        if (owners != null) {
            try {
                owners.claim(name, directories());
            } catch (RuntimeException e) {
                takeBack(made); // the record not written (a full disk, a Ctrl-C or SIGTERM mid-write): no group either
                throw e;
            }
        }
    }

    /** Removes the directories of this group already made, last first. */
    private void takeBack(List<Path> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                files.rmdir(made.get(i));
            } catch (CgroupFiles.Failure ignored) {
                // the first failure is the one to report
            }
        }
    }

    /**
     * A hierarchy that co-mounts cpuset starts each new group with no CPUs and no memory nodes, and no process
     * may join it until both are set: copy the parent's (cgroup-v1/cpusets.rst).
     */
    private void prepareCpuset(Path group, Set<String> controllers) throws CgroupFiles.Failure {
        if (!controllers.contains("cpuset")) {
            return;
        }
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            String mine = CgroupFiles.read(group.resolve(f)).orElse("").trim();
            String parents = CgroupFiles.read(group.getParent().resolve(f)).orElse("").trim();
            if (mine.isEmpty() && !parents.isEmpty()) {
                files.write(group.resolve(f), parents);
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CgroupMode version() {
        return CgroupMode.LEGACY;
    }

    @Override
    public List<Path> directories() {
        LinkedHashSet<Path> all = new LinkedHashSet<>(dirs.values());
        unifiedDir.ifPresent(all::add);
        return List.copyOf(all);
    }

    /**
     * Sets {@code memory.limit_in_bytes} and, when the kernel accounts swap, {@code memory.memsw.limit_in_bytes}
     * (memory plus swap) to the same value, so paging out cannot carry a process past the limit. The kernel
     * insists memsw &ge; memory at every moment, so the order depends on whether the limit goes up or down.
     */
    @Override
    public void setMemoryLimit(long bytes) {
        CgroupLimits.checkMemory(bytes);
        Path mem = dir("memory");
        String value = bytes == CgroupLimits.UNLIMITED ? "-1" : Long.toString(bytes);
        Path limit = mem.resolve("memory.limit_in_bytes");
        Path memsw = mem.resolve("memory.memsw.limit_in_bytes");
        if (!Files.exists(memsw)) {
            write(limit, value);
            return;
        }
        long target = bytes == CgroupLimits.UNLIMITED ? Long.MAX_VALUE : bytes;
        if (target > CgroupFiles.readLong(memsw).orElse(Long.MAX_VALUE)) {
            write(memsw, value);
            write(limit, value);
        } else {
            write(limit, value);
            write(memsw, value);
        }
    }

    /** Whether swap could carry a process past the memory limit here, in a sentence for the learner. */
    @Override
    public List<String> notes() {
        Path mem = dirs.get("memory");
        if (mem == null || Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
            return List.of();
        }
        boolean swapOn = CgroupFiles.read(Path.of("/proc/swaps")).map(s -> s.trim().lines().count() > 1).orElse(false);
        return List.of("memory.memsw.limit_in_bytes is missing: this kernel does not account swap per cgroup"
                + " (boot option swapaccount=1), so the memory limit does not cover swap"
                + (swapOn ? "; this host has swap, so a process can page out and exceed the limit"
                        : "; this host has no swap active, so that cannot happen here"));
    }

    @Override
    public void setPidsLimit(long max) {
        CgroupLimits.checkPids(max);
        write(dir("pids").resolve("pids.max"), max == CgroupLimits.UNLIMITED ? "max" : Long.toString(max));
    }

    /** CFS bandwidth control (scheduler/sched-bwc.rst): a quota of CPU time per period; -1 means none. */
    @Override
    public void setCpuLimit(double cpus) {
        CgroupLimits.checkCpus(cpus);
        Path cpu = dir("cpu");
        write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CgroupLimits.CPU_PERIOD_US));
        write(cpu.resolve("cpu.cfs_quota_us"),
                cpus == CgroupLimits.UNLIMITED ? "-1" : Long.toString(CgroupLimits.cpuQuotaMicros(cpus)));
    }

    @Override
    public void addProcess(long pid) {
        for (Path d : directories()) {
            write(d.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /** Each v1 hierarchy's {@code tasks} (the cgroup2 directory has none: see {@link #unifiedProcs}). */
    @Override
    public List<Path> selfJoinFiles() {
        return new LinkedHashSet<>(dirs.values()).stream().map(d -> d.resolve("tasks")).toList();
    }

    @Override
    public Optional<Path> cgroup2Directory() {
        return unifiedDir;
    }

    @Override
    public void addProcessBornInCgroup2(long pid) {
        for (Path d : new LinkedHashSet<>(dirs.values())) {
            write(d.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    @Override
    public Optional<Path> unifiedProcs() {
        return unifiedDir.map(u -> u.resolve("cgroup.procs"));
    }

    @Override
    public void joinUnified(long pid, dev.cwb.kernel.Syscalls calls) {
        if (unifiedDir.isEmpty()) {
            return;
        }
        CgroupFiles own = new CgroupFiles(files.trace());
        own.writeThrough(calls);
        try {
            own.write(unifiedDir.get().resolve("cgroup.procs"), Long.toString(pid));
        } catch (CgroupFiles.Failure f) {
            throw CgroupErrors.of(f, CgroupMode.LEGACY);
        }
    }

    /**
     * v1's devices controller (cgroup-v1/devices.rst): the rules in order, each in a write(2) of its own to
     * {@code devices.deny} or {@code devices.allow}; a run of rules for the same file shares one open
     * descriptor. The calls are the group's own (see {@link #writeThrough}): v1 rules are files.
     */
    @Override
    public void setDeviceRules(List<DeviceRule> rules, dev.cwb.kernel.Syscalls calls) {
        Path devices = dir("devices");
        int i = 0;
        while (i < rules.size()) {
            String file = rules.get(i).v1File();
            List<String> run = new ArrayList<>();
            for (; i < rules.size() && rules.get(i).v1File().equals(file); i++) {
                run.add(rules.get(i).v1Text());
            }
            try {
                files.writeEach(devices.resolve(file), run);
            } catch (CgroupFiles.Failure f) {
                throw CgroupErrors.of(f, CgroupMode.LEGACY);
            }
        }
    }

    /** {@code devices.list}: what the kernel enforces, one rule a line ({@code a *:* rwm} when nothing is kept out). */
    @Override
    public List<String> deviceRules(dev.cwb.kernel.Syscalls calls) {
        Path devices = dirs.get("devices");
        if (devices == null) {
            return List.of();
        }
        Path list = devices.resolve("devices.list");
        List<String> lines = new ArrayList<>(List.of("the kernel's list, " + list + ":"));
        CgroupFiles.read(list).ifPresent(t -> t.lines().forEach(l -> lines.add("  " + l)));
        return lines.size() > 1 ? lines : List.of();
    }

    @Override
    public List<Long> processes() {
        Set<Long> all = new TreeSet<>();
        directories().forEach(d -> all.addAll(CgroupFiles.pids(d.resolve("cgroup.procs"))));
        return List.copyOf(all);
    }

    @Override
    public CgroupUsage usage() {
        Path mem = dirs.get("memory");
        Path pids = dirs.get("pids");
        Path acct = dirs.get("cpuacct");
        OptionalLong ns = acct == null ? OptionalLong.empty() : CgroupFiles.readLong(acct.resolve("cpuacct.usage"));
        return new CgroupUsage(
                mem == null ? OptionalLong.empty() : CgroupFiles.readLong(mem.resolve("memory.usage_in_bytes")),
                mem == null ? OptionalLong.empty() : CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes")),
                pids == null ? OptionalLong.empty() : CgroupFiles.readLong(pids.resolve("pids.current")),
                ns.isPresent() ? Optional.of(Duration.ofNanos(ns.getAsLong())) : Optional.empty(),
                mem == null ? OomKills.unknown("the group has no memory controller")
                        : CgroupFiles.oomKills(mem.resolve("memory.oom_control")));
    }

    @Override
    public void writeThrough(dev.cwb.kernel.Syscalls calls) {
        files.writeThrough(calls);
    }

    @Override
    public List<CgroupWrite> writes() {
        return files.trace().writes();
    }

    /** v1 has no cgroup.kill: every pid listed in any hierarchy is killed one by one until none is left. */
    @Override
    public void remove() {
        List<Path> procs = directories().stream().map(d -> d.resolve("cgroup.procs")).toList();
        try {
            CgroupRemoval.killWaitRemove(files, procs, () -> false, directories());
        } catch (CgroupFiles.Failure f) {
            throw CgroupErrors.of(f, CgroupMode.LEGACY);
        }
        if (owners != null) {
            owners.release(name);
        }
    }

    @Override
    public Optional<Path> controlFile(String controller, String file) {
        return Optional.ofNullable(dirs.get(controller)).map(d -> d.resolve(file));
    }

    private Path dir(String controller) {
        Path d = dirs.get(controller);
        if (d == null) {
            throw CgroupErrors.missingController(controller, "no v1 hierarchy has it attached (see /proc/self/mountinfo)",
                    "this host cannot limit " + controller + " through cgroup v1");
        }
        return d;
    }

    private void write(Path file, String value) {
        try {
            files.write(file, value);
        } catch (CgroupFiles.Failure f) {
            throw CgroupErrors.of(f, CgroupMode.LEGACY);
        }
    }
}
