package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.cgroup.Cgroup;
import dev.cwb.cgroup.CgroupLimits;
import dev.cwb.cgroup.CgroupWrite;
import dev.cwb.cgroup.Cgroups;
import dev.cwb.cgroup.DeviceRule;

import java.util.List;
import java.util.Locale;

/**
 * {@code cgroup create}, {@code cgroup set}: a control group for the container, and limits on it. The
 * group is made and the container's current process moved into it by writing files (cgroups(7)); what
 * the process starts from then on is inside too. Namespaces decide what a process <em>sees</em>;
 * cgroups decide how much it may <em>use</em>.
 */
public final class CgroupStep {
    private CgroupStep() {
    }

    /** Makes the group (named like the container) and moves the current process in; returns the writes. */
    public static List<CgroupWrite> create(Container c, Cgroups cgroups) {
        Cgroup g = make(c, cgroups);
        join(c, g, false);
        return g.writes();
    }

    /**
     * {@code run}'s group, made before PID 1 exists, as runc's parent puts {@code runc init} into its cgroup
     * before any namespace is made: the directories, with no process moved in. The current process (the
     * first cwb-init, still in the host's namespaces) makes the calls.
     */
    static void createEmpty(Container c, Cgroups cgroups) {
        make(c, cgroups);
    }

    /**
     * A descriptor of the current process's, open on the group's directory in the cgroup2 tree
     * ({@link Cgroup#cgroup2Directory}: {@code O_PATH|O_DIRECTORY|O_CLOEXEC}, a traced openat), for the
     * clone3 that makes PID 1 in it; -1 when the host has no cgroup2 tree.
     */
    static int openCgroup2(Container c) throws dev.cwb.kernel.SyscallException {
        java.util.Optional<java.nio.file.Path> dir = c.cgroup() == null ? java.util.Optional.empty() : c.cgroup().cgroup2Directory();
        if (dir.isEmpty()) {
            return -1;
        }
        int flags = dev.cwb.kernel.OpenFlags.O_PATH | dev.cwb.kernel.OpenFlags.O_DIRECTORY | dev.cwb.kernel.OpenFlags.O_CLOEXEC;
        int fd = c.calls().open(dir.get().toString(), flags);
        if (fd == dev.cwb.kernel.InitProgram.CHILD_CONTROL_FD) {
            // the number the clone's socket is given just before the clone (InitProcess.cloneChild): open
            // the group once more, on the next free number, while this one holds 4, and let 4 go
            int other = c.calls().open(dir.get().toString(), flags);
            c.calls().close(fd);
            fd = other;
        }
        return fd;
    }

    /**
     * After the clone of PID 1: PID 1 joins the parts of the group it was not born in — on a hybrid host each
     * v1 hierarchy (it writes {@code 0} to their {@code tasks}: one thread moves, no RCU wait); everything,
     * as {@link #create} does, when the kernel made no clone3 ({@link dev.cwb.kernel.InitProcess#bornInCgroup}).
     */
    static void joinAfterClone(Container c) {
        join(c, c.cgroup(), c.current().bornInCgroup());
    }

    private static Cgroup make(Container c, Cgroups cgroups) {
        if (c.cgroup() != null) {
            throw CwbException.badInput("container " + c.name() + " already has cgroup " + c.cgroup().name(),
                    "set limits with: cgroup set memory 64M");
        }
        synchronized (c) { // the group is made before or after the container's removal starts, never during it
            if (c.removed()) {
                throw new CwbException(CwbException.IO, "container " + c.name() + " was removed while its cgroup was to be made",
                        "the workbench is shutting down, or another command removed it");
            }
            Cgroup g = cgroups.create(groupName(c.name()), writer(c));
            c.setCgroup(g);
            return g;
        }
    }

    /**
     * The current process moved into the group: by itself ({@code 0}, "me", see {@link Cgroup#selfJoinFiles})
     * while it sees the host's mount, else by this JVM naming its host pid; on a hybrid host into the cgroup2
     * tree's directory too. A process {@code bornInCgroup2} skips that directory.
     */
    private static void join(Container c, Cgroup g, boolean bornInCgroup2) {
        if (bornInCgroup2) {
            java.nio.file.Path cgroup2 = g.cgroup2Directory().orElseThrow();
            if (fromInside(c) && !g.selfJoinFiles().isEmpty()) {
                joinFromInside(c, g, g.selfJoinFiles().stream().filter(f -> !f.getParent().equals(cgroup2)).toList());
            } else {
                g.addProcessBornInCgroup2(c.current().pid());
            }
            return;
        }
        if (!g.selfJoinFiles().isEmpty() && fromInside(c)) {
            joinFromInside(c, g, g.selfJoinFiles());
            g.unifiedProcs().ifPresent(procs -> g.joinUnified(0, c.calls()));
        } else {
            g.addProcess(c.current().pid()); // every directory, a hybrid host's cgroup2 one too
        }
    }

    /**
     * Who makes the group's calls: the container's own process while it still sees the host's
     * {@code /sys/fs/cgroup} with the host's credentials (no new root, no user namespace), so its trace
     * shows them; otherwise this JVM's calling thread, traced to the same listener, as runc's parent
     * process does it.
     */
    static dev.cwb.kernel.Syscalls writer(Container c) {
        return fromInside(c) ? c.calls() : c.hostCalls();
    }

    private static boolean fromInside(Container c) {
        return c.root() == Container.RootChange.NONE && !c.has(Namespace.USER);
    }

    /**
     * The container's process moves itself in: it writes {@code 0} ("me") to each v1 hierarchy's
     * {@code tasks}, or to the v2 group's {@code cgroup.procs}, as traced calls of its own. Its host pid
     * would not do: in its own pid namespace that number names no process (ESRCH).
     */
    private static void joinFromInside(Container c, Cgroup g, List<java.nio.file.Path> files) {
        try {
            for (java.nio.file.Path file : files) {
                c.calls().writeFile(file.toString(), new byte[] {'0'});
            }
        } catch (dev.cwb.kernel.SyscallException e) {
            g.remove();
            c.setCgroup(null);
            throw new CwbException(CwbException.IO, "the container's process could not join cgroup " + g.name() + ": "
                    + e.getMessage(), "cgroups need root: run sudo ./cwb");
        }
    }

    /** {@code memory 64M}, {@code pids 20}, {@code cpu 0.5}, {@code devices default}: one limit; returns the writes it made. */
    public static List<CgroupWrite> set(Container c, String resource, String value) throws dev.cwb.kernel.SyscallException {
        Cgroup g = c.cgroup();
        if (g == null) {
            throw CwbException.badInput("container " + c.name() + " has no cgroup yet", "cgroup create first");
        }
        int before = g.writes().size();
        g.writeThrough(writer(c));
        switch (resource.toLowerCase(Locale.ROOT)) {
            case "memory", "mem" -> g.setMemoryLimit(CgroupLimits.parseMemory(value));
            case "pids" -> g.setPidsLimit(CgroupLimits.parsePids(value));
            case "cpu", "cpus" -> g.setCpuLimit(CgroupLimits.parseCpus(value));
            case "devices" -> {
                if (!value.equals("default")) {
                    throw CwbException.badInput("the device rules the workbench knows are runc's: 'default', not '" + value + "'",
                            "cgroup set devices default");
                }
                devices(c);
            }
            default -> throw CwbException.badInput("no limit called '" + resource + "'", "use memory, pids, cpu or devices");
        }
        List<CgroupWrite> all = g.writes();
        return all.subList(before, all.size());
    }

    /**
     * runc's default device rules ({@link DeviceRule#RUNC_DEFAULTS}) for the container's group: every device
     * node may be made, but only null, zero, full, random, urandom, tty, console, ptmx and the terminals
     * opened. On v1 they are written to devices.deny and devices.allow; on v2 a program attached with bpf(2)
     * calls made by this JVM (the workbench plays runc's part, which sets cgroups up from outside too).
     */
    public static void devices(Container c) throws dev.cwb.kernel.SyscallException {
        Cgroup g = c.cgroup();
        if (g == null) {
            throw CwbException.badInput("container " + c.name() + " has no cgroup yet", "cgroup create first");
        }
        g.setDeviceRules(DeviceRule.RUNC_DEFAULTS, c.hostCalls());
    }

    /** The device rules in force for the container's group, a line each, for {@code cgroup show}. */
    public static List<String> deviceRules(Container c) throws dev.cwb.kernel.SyscallException {
        return c.cgroup() == null ? List.of() : c.cgroup().deviceRules(c.hostCalls());
    }

    /** The group's name: cgroup names allow letters, digits, '-' and '_' (container names also allow '.'). */
    static String groupName(String container) {
        return container.replace('.', '_');
    }
}
