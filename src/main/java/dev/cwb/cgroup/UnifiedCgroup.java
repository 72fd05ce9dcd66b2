package dev.cwb.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cgroup in the unified hierarchy (cgroup v2, Documentation/admin-guide/cgroup-v2.rst): one directory,
 * {@code ROOT/cwb/NAME}, holding every controller's files.
 *
 * <p>Two rules shape it. A child only gets a controller its parent lists in {@code cgroup.subtree_control},
 * so {@code +cpu +memory +pids} is written there at each level. And "no internal processes": a group that
 * hands controllers down may not hold processes itself, which is why the workbench's groups sit under a
 * parent {@code cwb/} that never gets a process of its own.
 */
public final class UnifiedCgroup implements Cgroup {
    static final String PARENT = "cwb";
    static final Set<String> CONTROLLERS = Set.of("cpu", "memory", "pids");

    private final Path root;
    private final String name;
    private final Path dir;
    private final CgroupFiles files;
    private final CgroupOwners owners;

    private UnifiedCgroup(Path root, String name, CgroupFiles files, CgroupOwners owners) {
        this.root = root;
        this.name = CgroupNames.check(name);
        this.dir = root.resolve(PARENT).resolve(name);
        this.files = files;
        this.owners = owners;
    }

    /**
     * Makes {@code ROOT/cwb/NAME}, first handing the controllers {@code ROOT} offers down to it.
     *
     * @param root   a cgroup2 directory: the mount itself as root, or a group delegated to this user
     * @param owners where to record this process as the creator, or {@code null}
     */
    public static UnifiedCgroup create(Path root, String name, CgroupTrace trace, CgroupOwners owners) {
        return create(root, name, new CgroupFiles(trace), owners);
    }

    /** {@link #create(Path, String, CgroupTrace, CgroupOwners)} with every call made through {@code calls}. */
    public static UnifiedCgroup create(Path root, String name, CgroupTrace trace, CgroupOwners owners,
                                       dev.cwb.kernel.Syscalls calls) {
        CgroupFiles files = new CgroupFiles(trace);
        files.writeThrough(calls);
        return create(root, name, files, owners);
    }

    static UnifiedCgroup create(Path root, String name, CgroupFiles files, CgroupOwners owners) {
        UnifiedCgroup g = new UnifiedCgroup(root, name, files, owners);
        g.make();
        return g;
    }

    /** An existing group (for {@code show} and cleanup); fails when it does not exist. */
    public static UnifiedCgroup open(Path root, String name, CgroupTrace trace, CgroupOwners owners) {
        UnifiedCgroup g = new UnifiedCgroup(root, name, new CgroupFiles(trace), owners);
        if (!Files.isDirectory(g.dir)) {
            throw CgroupNames.noSuchGroup(name, g.dir);
        }
        return g;
    }

    private void make() {
        if (Files.isDirectory(dir)) {
            throw CgroupNames.exists(name, dir);
        }
        try {
            Path parent = root.resolve(PARENT);
            delegate(root);
            files.mkdir(parent);
            delegate(parent);
            if (!files.mkdir(dir)) {
                throw CgroupNames.exists(name, dir); // made by someone else since the look above: theirs, not to share
            }
        } catch (CgroupFiles.Failure f) {
            throw CgroupErrors.of(f, CgroupMode.UNIFIED);
        }
        if (owners != null) {
            try {
                owners.claim(name, List.of(dir));
            } catch (RuntimeException e) {
                try {
                    files.rmdir(dir); // the record not written (a full disk, a Ctrl-C or SIGTERM mid-write): no group either
                } catch (CgroupFiles.Failure ignored) {
                    // the first failure is the one to report
                }
                throw e;
            }
        }
    }

    /** Enables for {@code group}'s children the wanted controllers it has and has not enabled yet. */
    private void delegate(Path group) throws CgroupFiles.Failure {
        Set<String> offered = controllersOf(group);
        offered.retainAll(CONTROLLERS);
        offered.removeAll(words(CgroupFiles.read(group.resolve("cgroup.subtree_control")).orElse("")));
        if (!offered.isEmpty()) {
            List<String> plus = new ArrayList<>();
            offered.forEach(c -> plus.add("+" + c));
            files.write(group.resolve("cgroup.subtree_control"), String.join(" ", plus));
        }
    }

    private static Set<String> controllersOf(Path group) {
        return words(CgroupFiles.read(group.resolve("cgroup.controllers")).orElse(""));
    }

    private static Set<String> words(String s) {
        Set<String> w = new TreeSet<>();
        for (String x : s.trim().split("\\s+")) {
            if (!x.isEmpty()) {
                w.add(x);
            }
        }
        return w;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CgroupMode version() {
        return CgroupMode.UNIFIED;
    }

    @Override
    public List<Path> directories() {
        return List.of(dir);
    }

    @Override
    public Optional<Path> controlFile(String controller, String file) {
        return Optional.of(dir.resolve(file));
    }

    /** The controllers this group has (its {@code cgroup.controllers}). */
    public Set<String> controllers() {
        return controllersOf(dir);
    }

    @Override
    public void setMemoryLimit(long bytes) {
        CgroupLimits.checkMemory(bytes);
        require("memory");
        boolean unlimited = bytes == CgroupLimits.UNLIMITED;
        write("memory.max", unlimited ? "max" : Long.toString(bytes));
        // v2 counts swap separately: without memory.swap.max = 0 a process could page out and run past memory.max.
        if (Files.exists(dir.resolve("memory.swap.max"))) {
            write("memory.swap.max", unlimited ? "max" : "0");
        }
    }

    @Override
    public void setPidsLimit(long max) {
        CgroupLimits.checkPids(max);
        require("pids");
        write("pids.max", max == CgroupLimits.UNLIMITED ? "max" : Long.toString(max));
    }

    @Override
    public void setCpuLimit(double cpus) {
        CgroupLimits.checkCpus(cpus);
        require("cpu");
        String quota = cpus == CgroupLimits.UNLIMITED ? "max" : Long.toString(CgroupLimits.cpuQuotaMicros(cpus));
        write("cpu.max", quota + " " + CgroupLimits.CPU_PERIOD_US);
    }

    /** The device rules this session attached, in order (the kernel keeps the program, not the rules). */
    private final List<DeviceRule> attachedRules = new ArrayList<>();

    /** The verifier's log, asked for only when a load is refused: large enough for any program written here. */
    static final int VERIFIER_LOG_BYTES = 64 * 1024;

    /**
     * v2's device rules (cgroup-v2.rst, "Device controller"): {@link DeviceFilter} writes the program, then
     * {@code calls} open the group's directory, load the program (bpf(BPF_PROG_LOAD): the verifier checks it
     * here), attach it to the directory (bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE), with BPF_F_ALLOW_MULTI as
     * runc does, so a program an administrator attached higher up still applies too) and close both
     * descriptors: the attachment keeps the program alive until the group is removed.
     */
    @Override
    public void setDeviceRules(List<DeviceRule> rules, dev.cwb.kernel.Syscalls calls) throws dev.cwb.kernel.SyscallException {
        dev.cwb.kernel.Ebpf.Program program = DeviceFilter.compile(rules);
        int dirFd = calls.open(dir.toString(), dev.cwb.kernel.OpenFlags.O_RDONLY | dev.cwb.kernel.OpenFlags.O_DIRECTORY
                | dev.cwb.kernel.OpenFlags.O_CLOEXEC);
        try {
            int prog = load(program, calls);
            try {
                calls.bpfAttachCgroupDevice(dirFd, prog, dev.cwb.kernel.Syscalls.BPF_F_ALLOW_MULTI);
            } finally {
                calls.close(prog);
            }
        } finally {
            calls.close(dirFd);
        }
        attachedRules.addAll(rules);
    }

    /** Loads the program; when the verifier refuses it, loads it once more with its log, to say why. */
    private static int load(dev.cwb.kernel.Ebpf.Program program, dev.cwb.kernel.Syscalls calls)
            throws dev.cwb.kernel.SyscallException {
        try {
            return calls.bpfLoadCgroupDeviceProgram(program, LICENSE, PROGRAM_NAME, null);
        } catch (dev.cwb.kernel.SyscallException refused) {
            if (refused.errno() != CgroupErrors.EACCES && refused.errno() != dev.cwb.kernel.Errno.EINVAL) {
                throw refused;
            }
            byte[] log = new byte[VERIFIER_LOG_BYTES];
            try {
                return calls.bpfLoadCgroupDeviceProgram(program, LICENSE, PROGRAM_NAME, log);
            } catch (dev.cwb.kernel.SyscallException again) {
                String text = new String(log, java.nio.charset.StandardCharsets.US_ASCII);
                text = text.substring(0, Math.max(0, text.indexOf('\0') < 0 ? text.length() : text.indexOf('\0'))).strip();
                throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "the kernel's verifier refused the device program: "
                        + again.getMessage() + (text.isEmpty() ? "" : "; its log ends: "
                        + text.lines().filter(l -> !l.startsWith("processed ")).reduce((a, b) -> b).orElse("")),
                        "this is a bug in the workbench's program: report it with the listing from cgroup show", again);
            }
        }
    }

    /** What the program is called in {@code bpftool prog list}. */
    static final String PROGRAM_NAME = "cwb_devices";
    /** The license the kernel is told: it matters only for helpers reserved to GPL programs, which this one calls none of. */
    static final String LICENSE = "GPL";

    /**
     * The rules this session attached, the program they became, and the ids of the device programs the
     * kernel says are attached to the group now (bpf(BPF_PROG_QUERY) on the group's directory).
     */
    @Override
    public List<String> deviceRules(dev.cwb.kernel.Syscalls calls) throws dev.cwb.kernel.SyscallException {
        List<String> lines = new ArrayList<>();
        attachedRules.forEach(r -> lines.add(r.toString()));
        int dirFd = calls.open(dir.toString(), dev.cwb.kernel.OpenFlags.O_RDONLY | dev.cwb.kernel.OpenFlags.O_DIRECTORY
                | dev.cwb.kernel.OpenFlags.O_CLOEXEC);
        int[] ids;
        try {
            ids = calls.bpfQueryCgroupDevice(dirFd, 8);
        } finally {
            calls.close(dirFd);
        }
        if (ids.length == 0) {
            lines.add("no device program attached: every device may be used (as far as the groups above allow)");
        }
        for (int id : ids) {
            lines.add("BPF_CGROUP_DEVICE program id " + id + " attached (bpftool prog show id " + id + ")");
        }
        if (!attachedRules.isEmpty()) {
            lines.add("the program, as the verifier lists it:");
            DeviceFilter.compile(attachedRules).listing().forEach(l -> lines.add("  " + l));
        }
        return lines;
    }

    @Override
    public void addProcess(long pid) {
        write("cgroup.procs", Long.toString(pid));
    }

    @Override
    public Optional<Path> cgroup2Directory() {
        return Optional.of(dir);
    }

    /** {@code cgroup.procs}: a v2 domain group has no {@code tasks}; {@code 0} there moves the writer's process. */
    @Override
    public List<Path> selfJoinFiles() {
        return List.of(dir.resolve("cgroup.procs"));
    }

    @Override
    public List<Long> processes() {
        return CgroupFiles.pids(dir.resolve("cgroup.procs"));
    }

    @Override
    public CgroupUsage usage() {
        // cpu.stat's usage_usec is kept by the core even without the cpu controller.
        Optional<Duration> cpu = optional(CgroupFiles.readKey(dir.resolve("cpu.stat"), "usage_usec"))
                .map(us -> Duration.ofNanos(us * 1000));
        return new CgroupUsage(CgroupFiles.readLong(dir.resolve("memory.current")),
                CgroupFiles.readLong(dir.resolve("memory.peak")),
                CgroupFiles.readLong(dir.resolve("pids.current")), cpu,
                CgroupFiles.oomKills(dir.resolve("memory.events")));
    }

    @Override
    public void writeThrough(dev.cwb.kernel.Syscalls calls) {
        files.writeThrough(calls);
    }

    @Override
    public List<CgroupWrite> writes() {
        return files.trace().writes();
    }

    @Override
    public void remove() {
        try {
            CgroupRemoval.killWaitRemove(files, List.of(dir.resolve("cgroup.procs")), this::killAll, List.of(dir));
        } catch (CgroupFiles.Failure f) {
            throw CgroupErrors.of(f, CgroupMode.UNIFIED);
        }
        if (owners != null) {
            owners.release(name);
        }
    }

    /** cgroup.kill (Linux 5.14): SIGKILL to every process in the group at once, forks in flight included. */
    private boolean killAll() {
        Path kill = dir.resolve("cgroup.kill");
        if (!Files.exists(kill)) {
            return false;
        }
        try {
            files.write(kill, "1");
            return true;
        } catch (CgroupFiles.Failure f) {
            return false; // fall back to killing pid by pid
        }
    }

    private void require(String controller) {
        if (!controllers().contains(controller)) {
            Set<String> atRoot = controllersOf(root);
            throw CgroupErrors.missingController(controller, dir.resolve("cgroup.controllers") + " does not list it ("
                    + (atRoot.contains(controller) ? "it was not enabled for the group"
                            : "the cgroup2 root " + root + " offers " + (atRoot.isEmpty() ? "no controllers"
                                    : String.join(", ", atRoot)) + "; a controller attached to a v1 hierarchy"
                                    + " cannot be used in v2 at the same time") + ")",
                    atRoot.contains(controller) ? "remove the group and create it again"
                            : "on a hybrid host, limits go through the v1 hierarchies");
        }
    }

    private void write(String file, String value) {
        try {
            files.write(dir.resolve(file), value);
        } catch (CgroupFiles.Failure f) {
            throw CgroupErrors.of(f, CgroupMode.UNIFIED);
        }
    }

    private static Optional<Long> optional(java.util.OptionalLong v) {
        return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
    }
}
