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
        createDeferringUnified(c, cgroups);
        c.cgroup().unifiedProcs().ifPresent(procs -> joinUnified(c, procs));
        return c.cgroup().writes();
    }

    /**
     * {@link #create} without the move into a hybrid host's cgroup2 directory ({@link Cgroup#unifiedProcs}):
     * for {@code run}, which makes that move with {@link #joinUnifiedBeside} while PID 1 mounts.
     */
    static List<CgroupWrite> createDeferringUnified(Container c, Cgroups cgroups) {
        if (c.cgroup() != null) {
            throw CwbException.badInput("container " + c.name() + " already has cgroup " + c.cgroup().name(),
                    "set limits with: cgroup set memory 64M");
        }
        Cgroup g = cgroups.create(groupName(c.name()), writer(c));
        c.setCgroup(g);
        if (!g.selfJoinFiles().isEmpty() && fromInside(c)) {
            joinFromInside(c, g);
        } else {
            g.addProcess(c.current().pid());
        }
        return g.writes();
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
     * The current process moved into the cgroup2 directory as well: by itself ({@code 0}, "me") while it
     * sees the host's mount, else by this JVM, naming its host pid.
     */
    private static void joinUnified(Container c, java.nio.file.Path procs) {
        boolean inside = fromInside(c);
        c.cgroup().joinUnified(inside ? 0 : c.current().pid(), inside ? c.calls() : c.hostCalls());
    }

    /**
     * {@code run}'s move of PID 1 into the group's cgroup2 directory on a hybrid host, made by a thread of
     * this JVM (its own traced calls: openat, write of PID 1's pid, close) while PID 1 goes on with its
     * mounts, because the kernel makes such a move wait for an RCU grace period. Done at once where there is
     * no such directory. The container must wait for it before its cgroup namespace is made.
     */
    static java.util.concurrent.CompletableFuture<Void> joinUnifiedBeside(Container c) {
        java.util.Optional<java.nio.file.Path> procs = c.cgroup() == null ? java.util.Optional.empty() : c.cgroup().unifiedProcs();
        if (procs.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        java.util.concurrent.CompletableFuture<Void> joined = new java.util.concurrent.CompletableFuture<>();
        Cgroup g = c.cgroup();
        Thread t = new Thread(() -> {
            try {
                g.joinUnified(c.pid1(), c.hostCalls());
                joined.complete(null);
            } catch (Throwable e) {
                joined.completeExceptionally(e);
            }
        }, "cwb-cgroup2-join " + c.name());
        t.setDaemon(true);
        t.start();
        return joined;
    }

    /** Waits for {@link #joinUnifiedBeside}; a failed move is the step's failure. */
    static void awaitUnified(java.util.concurrent.CompletableFuture<Void> joined) {
        try {
            joined.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof CwbException cwb) {
                throw cwb;
            }
            throw e;
        }
    }

    /**
     * The container's process moves itself in: it writes {@code 0} ("me") to each v1 hierarchy's
     * {@code tasks}, or to the v2 group's {@code cgroup.procs}, as traced calls of its own. Its host pid
     * would not do: in its own pid namespace that number names no process (ESRCH).
     */
    private static void joinFromInside(Container c, Cgroup g) {
        try {
            for (java.nio.file.Path file : g.selfJoinFiles()) {
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
