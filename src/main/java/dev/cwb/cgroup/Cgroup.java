package dev.cwb.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One control group, the same to its callers whether the host keeps it in the unified hierarchy
 * ({@link UnifiedCgroup}, cgroup v2: one directory) or in v1 hierarchies ({@link LegacyCgroup}: one
 * directory per controller). Limits apply to every process added and to everything they fork.
 *
 * <p>Every directory made and value written is recorded in {@link #writes()}, so a learner can see, and
 * repeat by hand, exactly what the workbench did. Failures are {@link dev.cwb.CwbException}s naming the file
 * and the errno.
 */
public interface Cgroup {
    /** The group's name under the workbench's {@code cwb/} parent. */
    String name();

    /** Which kind of hierarchy holds it ({@link CgroupMode#UNIFIED} or {@link CgroupMode#LEGACY}). */
    CgroupMode version();

    /** Every directory that makes up this group (one in v2, one per v1 hierarchy). */
    List<Path> directories();

    /**
     * Where the control file {@code file} of {@code controller} lives for this group: in v2 the group's one
     * directory, in v1 the directory in the hierarchy that holds the controller. Empty when no hierarchy
     * holds it. For reading what the kernel really has ({@code memory.limit_in_bytes}, {@code pids.events}).
     */
    Optional<Path> controlFile(String controller, String file);

    /** Caps the memory (and, where the kernel accounts it, swap) the group may use; {@link CgroupLimits#UNLIMITED} lifts it. */
    void setMemoryLimit(long bytes);

    /** Caps how many processes and threads may exist in the group at once: a fork beyond it fails with EAGAIN. */
    void setPidsLimit(long max);

    /** Caps CPU time to {@code cpus} CPUs' worth per 100 ms period (0.5 = 50 ms of every 100 ms). */
    void setCpuLimit(double cpus);

    /**
     * Which device nodes the group's processes may create, read and write: {@code rules} in order, the last
     * matching one deciding ({@link DeviceRule}). v1 writes them to {@code devices.deny} and
     * {@code devices.allow}; v2 has no such files, and loads and attaches a program that answers as the rules
     * do ({@link DeviceFilter}) with bpf(2) calls made, and traced, through {@code calls}.
     */
    void setDeviceRules(List<DeviceRule> rules, dev.cwb.kernel.Syscalls calls) throws dev.cwb.kernel.SyscallException;

    /**
     * The device rules in force, a line each, for {@code cgroup show}: v1's {@code devices.list} as the
     * kernel has it; in v2 the rules this session attached and the ids of the programs the kernel reports
     * attached (bpf(BPF_PROG_QUERY) through {@code calls}). Empty when the host keeps no device rules here.
     */
    List<String> deviceRules(dev.cwb.kernel.Syscalls calls) throws dev.cwb.kernel.SyscallException;

    /**
     * On a hybrid host, the {@code cgroup.procs} of the group's directory in the controller-less cgroup2
     * tree ({@link LegacyCgroup}): the process must be moved there too, or its cgroup namespace would be
     * rooted at the top of that tree. Not among {@link #selfJoinFiles}: a move into a cgroup2 domain group
     * moves a whole process, and the kernel takes a lock for it that waits for an RCU grace period
     * (milliseconds), so {@code run} has PID 1 born there instead ({@link #cgroup2Directory}). Empty
     * everywhere else.
     */
    default Optional<Path> unifiedProcs() {
        return Optional.empty();
    }

    /**
     * Moves process {@code pid} into {@link #unifiedProcs} with calls made through {@code calls} (any thread:
     * this write is the group's only one in flight), recorded in the group's trace like its other writes.
     */
    default void joinUnified(long pid, dev.cwb.kernel.Syscalls calls) {
    }

    /**
     * The group's directory in the cgroup2 tree: on v2 its one directory, on a hybrid host the one of
     * {@link #unifiedProcs}; empty where there is none. A process can be born there: clone3(2) with
     * {@code CLONE_INTO_CGROUP} and a descriptor of this directory ({@code run} makes PID 1 that way).
     */
    default Optional<Path> cgroup2Directory() {
        return Optional.empty();
    }

    /**
     * Moves a process born in {@link #cgroup2Directory} into the rest of the group, through this JVM: on a
     * hybrid host each v1 hierarchy's {@code cgroup.procs}; nothing on v2, where it is in already.
     */
    default void addProcessBornInCgroup2(long pid) {
    }

    /** Moves a process (and from then on its children) into the group. */
    void addProcess(long pid);

    /**
     * Files a single-threaded process writes {@code 0} ("the writer", kernel/cgroup/cgroup.c,
     * cgroup_procs_write_start) to in order to move itself in. {@code 0} is the only pid that means the
     * same in every pid namespace: a container's process in its own pid namespace cannot name itself by
     * its host pid (ESRCH). v1's {@code tasks} moves one thread, which spares the kernel the machine-wide
     * lock a move of a whole process takes; a v2 domain group has no {@code tasks}, so there it is
     * {@code cgroup.procs}. Empty when a driver offers no such file: use {@link #addProcess} there.
     */
    default List<Path> selfJoinFiles() {
        return List.of();
    }

    /**
     * The value of {@code key} in the text of a flat-keyed control file ({@code memory.events},
     * {@code cpu.stat}: {@code key value} lines), as the drivers read them.
     */
    static java.util.OptionalLong flatKey(String text, String key) {
        return CgroupFiles.keyIn(text, key);
    }

    /** The pids inside right now. */
    List<Long> processes();

    CgroupUsage usage();

    /** How many processes the OOM killer has killed in this group, or why that cannot be told. */
    default OomKills oomKills() {
        return usage().oomKills();
    }

    /** Things the learner should know about how far the limits reach on this host (e.g. swap), if any. */
    default List<String> notes() {
        return List.of();
    }

    /**
     * From now on the group's directories, writes and kills are made through {@code calls}: traced system
     * calls of whoever {@code calls} makes them for (a container's process, or this JVM's calling thread),
     * reported to its listener. A process that cannot see the host's cgroup mount (after pivot_root) or
     * has gone must not be handed in.
     */
    void writeThrough(dev.cwb.kernel.Syscalls calls);

    /** What this group has written, in order. */
    List<CgroupWrite> writes();

    /**
     * Kills whatever is still inside, waits until the group is empty and removes its directories. Works
     * after an OOM kill too; removing a group that is already gone is not an error.
     */
    void remove();
}
