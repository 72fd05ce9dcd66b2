package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.cgroup.Cgroup;
import dev.cwb.cgroup.CgroupLimits;
import dev.cwb.image.Image;
import dev.cwb.kernel.CloneFlags;
import dev.cwb.kernel.InRoot;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.kernel.WaitStatus;
import dev.cwb.layer.LayerCache;
import dev.cwb.seccomp.SeccompProfile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * {@code run}: every step at once, in runc's order and with runc's defaults (runc's
 * {@code libcontainer/standard_init_linux.go} and {@code rootfs_linux.go}; the OCI runtime spec's
 * config.md and its Linux defaults): namespaces, a cgroup, the overlay root, /proc, /dev, /sys read-only,
 * host name, pivot_root, masked and read-only paths, then the command — which is PID 1 itself, not a
 * child of cwb-init; with {@code --init}, PID 1 is cwb-pid1 and the command its child ({@link InitStep}).
 * When it exits, the container is removed.
 */
public final class ContainerRun {
    /** What the learner asked for; null limits mean none. */
    public record Options(String name, String hostname, Long memory, Long pids, Double cpus, boolean userNamespace,
                          Security security, NetworkStep.Spec network, java.util.function.Consumer<String> rules,
                          java.util.function.Consumer<String> notes, List<dev.cwb.volume.MountRequest> mounts, boolean init) {
        /** Without {@code --init}. */
        public Options(String name, String hostname, Long memory, Long pids, Double cpus, boolean userNamespace,
                       Security security, NetworkStep.Spec network, java.util.function.Consumer<String> rules,
                       java.util.function.Consumer<String> notes, List<dev.cwb.volume.MountRequest> mounts) {
            this(name, hostname, memory, pids, cpus, userNamespace, security, network, rules, notes, mounts, false);
        }

        /** Without bind mounts or volumes. */
        public Options(String name, String hostname, Long memory, Long pids, Double cpus, boolean userNamespace,
                       Security security, NetworkStep.Spec network, java.util.function.Consumer<String> rules,
                       java.util.function.Consumer<String> notes) {
            this(name, hostname, memory, pids, cpus, userNamespace, security, network, rules, notes, List.of());
        }

        /** The same, with bind mounts and volumes ({@code -v}, {@code --mount}): {@link VolumeStep}. */
        public Options withMounts(List<dev.cwb.volume.MountRequest> m) {
            return new Options(name, hostname, memory, pids, cpus, userNamespace, security, network, rules, notes, List.copyOf(m), init);
        }

        /** The same, with {@code --init}: PID 1 is {@link InitStep}'s cwb-pid1, the command its child. */
        public Options withInit(boolean i) {
            return new Options(name, hostname, memory, pids, cpus, userNamespace, security, network, rules, notes, mounts, i);
        }

        /**
         * The same, with a network ({@code run}'s default is the bridge; without this, isolated), where its nft
         * rules are shown and where a note goes when the host cannot give the default network.
         */
        public Options withNetwork(NetworkStep.Spec n, java.util.function.Consumer<String> shown, java.util.function.Consumer<String> said) {
            return new Options(name, hostname, memory, pids, cpus, userNamespace, security, n, shown, said, mounts, init);
        }
    }

    /**
     * The defences: the seccomp profile (Docker's default unless {@code seccomp=unconfined}, then null),
     * no_new_privs, the capabilities the command keeps (a bit each), {@code --privileged} (no masked or
     * read-only paths, no device rules), a read-only root with tmpfs mounts where asked, and supplementary
     * groups added to the user's ({@code --group-add}).
     */
    public record Security(SeccompProfile seccomp, boolean noNewPrivileges, long capabilities, boolean privileged,
                           boolean readOnlyRoot, List<String> tmpfs, List<String> groupAdd) {
        /** What {@code docker run} applies when nothing is said. */
        public static Security defaults() {
            return new Security(SeccompProfile.dockerDefault(), false, RuncDefaults.capabilitySet(), false, false, List.of(),
                    List.of());
        }
    }

    /** How it went, with the time spent in each phase. */
    public record Result(String name, int pid1, WaitStatus status, boolean oomKilled, String oomUnknown, boolean cancelled, Duration setUp,
                         Duration running, Duration tearDown, List<String> problems) {
    }

    private ContainerRun() {
    }

    /** The namespaces {@code run} unshares with its first call (user comes before, cgroup after joining the cgroup). */
    static final int NAMESPACES = CloneFlags.CLONE_NEWNS | CloneFlags.CLONE_NEWUTS | CloneFlags.CLONE_NEWIPC
            | CloneFlags.CLONE_NEWNET | CloneFlags.CLONE_NEWPID;

    /**
     * Called after PID 1 has ended and before the container is removed (not after Ctrl-C): {@code build}
     * makes its layer of the upper directory here, while the workspace still exists.
     */
    @FunctionalInterface
    public interface AfterExit {
        void ended(Container c, WaitStatus status, boolean oomKilled);
    }

    public static Result run(Containers containers, Image image, List<LayerCache.Unpacked> layers, Options o, ProcessSpec spec, Stdio stdio,
                             Container.Tracer tracer) throws SyscallException, InterruptedException {
        return run(containers, image, layers, o, spec, stdio, tracer, null);
    }

    public static Result run(Containers containers, Image image, List<LayerCache.Unpacked> layers, Options o, ProcessSpec spec, Stdio stdio,
                             Container.Tracer tracer, AfterExit afterExit) throws SyscallException, InterruptedException {
        return run(containers, image, layers, o, spec, stdio, tracer, afterExit, null);
    }

    /**
     * A detached container's side of {@code run}, in its shim: told when PID 1 has exec'd its command (the
     * shim then lets the workbench that started it go), and whether the workspace stays when PID 1 ends
     * (not {@code --rm}).
     */
    public interface Detach {
        void started(Container c);

        boolean keepWorkspace();
    }

    /** {@link #run}, kept by a shim when {@code detach} is not null. */
    public static Result run(Containers containers, Image image, List<LayerCache.Unpacked> layers, Options o, ProcessSpec spec, Stdio stdio,
                             Container.Tracer tracer, AfterExit afterExit, Detach detach) throws SyscallException, InterruptedException {
        long start = System.nanoTime();
        String name = o.name() != null ? Containers.checkName(o.name()) : containers.freeName(image);
        Container c;
        try {
            c = containers.create(name, image, layers, stdio.childFds(), tracer);
        } finally {
            stdio.handedOver();
        }
        long started = 0;
        long ended = 0;
        WaitStatus status = null;
        boolean cancelled = false;
        boolean oom = false;
        String oomUnknown = null;
        List<String> problems;
        long removal;
        TerminalCtrlC[] ctrlC = new TerminalCtrlC[1];
        try {
            setUp(containers, c, o, spec, stdio, ctrlC);
            started = System.nanoTime();
            if (detach != null) {
                detach.started(c);
            }
            try {
                if (ctrlC[0] != null) {
                    TerminalCtrlC.Ending e = ctrlC[0].await(c.pid1Ended(), c.pid1(), true);
                    status = e.status();
                    cancelled = e.killed();
                } else {
                    status = c.pid1Ended().get();
                }
            } catch (InterruptedException e) {
                cancelled = true;
                Kernel.killQuietly(c.pid1()); // PID 1 gone: the kernel kills the rest of its namespace
                status = c.pid1Ended().join();
            } catch (ExecutionException e) {
                throw new CwbException(CwbException.IO, "lost track of PID 1 of " + name + ": " + e.getCause().getMessage(),
                        "run cleanup");
            }
            ended = System.nanoTime();
            if (c.cgroup() != null) {
                dev.cwb.cgroup.OomKills kills = c.cgroup().oomKills(); // a new group: any kill is this command's
                oom = kills.roseSince(dev.cwb.cgroup.OomKills.counted(0));
                oomUnknown = kills.unknown();
            }
            if (afterExit != null && !cancelled) {
                afterExit.ended(c, status, oom);
            }
        } finally {
            if (ctrlC[0] != null) {
                ctrlC[0].close();
            }
            if (stdio.isTerminal()) {
                Kernel.giveTerminalTo(0, Kernel.processGroup());
            }
            long before = System.nanoTime();
            // once: on SIGTERM the shutdown hook may have removed it already (or be removing it: this waits)
            problems = containers.removeIfPresent(c, detach != null && detach.keepWorkspace() && started != 0);
            removal = System.nanoTime() - before;
            stdio.drain(cancelled ? 200 : 2000);
        }
        return new Result(name, c.pid1(), status, oom, oomUnknown, cancelled, Duration.ofNanos(started - start),
                Duration.ofNanos(ended - started), Duration.ofNanos(removal), problems);
    }

    /**
     * Everything up to and including the execve(2) of the command by PID 1. On a terminal, {@code ctrlC[0]}
     * is set to the watch over PID 1's process group, started before the terminal is handed to it.
     */
    static void setUp(Containers containers, Container c, Options o, ProcessSpec spec, Stdio stdio, TerminalCtrlC[] ctrlC)
            throws SyscallException {
        boolean terminal = stdio.isTerminal();
        boolean cgroup = !o.userNamespace() || o.memory() != null || o.pids() != null || o.cpus() != null;
        int cgroupDir = -1;
        if (cgroup) {
            // as runc's parent puts runc init into its cgroup before any namespace exists: the group, its
            // limits and device rules come first, made by cwb-init while it is in the host's namespaces
            CgroupStep.createEmpty(c, containers.cgroups());
            Cgroup g = c.cgroup();
            if (o.memory() != null) {
                g.setMemoryLimit(o.memory());
            }
            if (o.pids() != null) {
                g.setPidsLimit(o.pids());
            }
            if (o.cpus() != null) {
                g.setCpuLimit(o.cpus());
            }
            if (!o.security().privileged()) {
                CgroupStep.devices(c); // runc's device rules: any node may be made, few opened
            }
            cgroupDir = CgroupStep.openCgroup2(c); // PID 1 is born in the cgroup2 group: no move, no RCU wait
        }
        if (o.userNamespace()) {
            UnshareStep.unshare(c, Namespace.USER, 0);
        }
        NetworkStep.Spec net = o.network();
        c.calls().unshare(net.ownNamespace() ? NAMESPACES : NAMESPACES & ~CloneFlags.CLONE_NEWNET);
        for (Namespace ns : List.of(Namespace.MNT, Namespace.UTS, Namespace.IPC, Namespace.NET, Namespace.PID)) {
            if (ns != Namespace.NET || net.ownNamespace()) {
                c.markUnshared(ns);
            }
        }
        c.forkPid1(cgroupDir); // should this workbench be killed now, PID 1 dies with cwb-init (PR_SET_PDEATHSIG)
        Syscalls pid1 = c.calls();
        if (net.mode().equals("container")) {
            NetworkStep.join(containers, c, net.joined());
        }
        if (cgroup) {
            CgroupStep.joinAfterClone(c); // on a hybrid host the v1 hierarchies: PID 1 writes 0 to each tasks
            containers.saveState(c); // cleanup must know the cgroup and PID 1 from here on
            pid1.unshare(CloneFlags.CLONE_NEWCGROUP); // after joining: the group becomes the root of its view
            c.markUnshared(Namespace.CGROUP);
        }
        // Docker's bridge driver once the namespace exists: veth, address, routes, ports; saved first so
        // that cleanup finds the lease should this workbench be killed from here on
        dev.cwb.network.Lease lease = NetworkStep.attach(containers, c, net, o.rules(), o.notes());
        // runc's prepareRoot: / rslave — the host's later mounts still reach the container, none of its own go back
        pid1.mount(null, "/", null, MountFlags.MS_REC | MountFlags.MS_SLAVE, null);
        OverlayStep.mount(c);
        MountStep.proc(c);
        MountStep.dev(c);
        if (o.security().privileged()) {
            MountStep.hostDevices(c); // Docker's --privileged: the host's device nodes too
        }
        boolean ownTerminal = stdio.takeContainerTerminal(c); // docker run -t: a pty of the container's devpts as 0, 1, 2
        MountStep.sys(c);
        String hostname = o.hostname() != null ? o.hostname() : c.name();
        // -v and --mount: runc's mountToRootfs, host paths still in reach; before /etc/hosts, so -v x:/etc keeps it
        VolumeStep.mount(containers, c, o.mounts(), o.notes());
        NetworkStep.etcFiles(containers, c, net, lease, hostname); // bind mounts from the workspace: before pivot_root
        if (o.init()) {
            InitStep.mount(containers, c); // --init: cwb-pid1 read-only at /sbin/cwb-pid1, as Docker's /sbin/docker-init
        }
        RootStep.pivotRoot(c);
        makeWorkingDirectory(c, spec.workingDir());
        Security security = o.security();
        for (String t : security.tmpfs()) {
            MountStep.tmpfsAt(c, t);
        }
        if (security.readOnlyRoot()) {
            RootStep.remountRootReadOnly(c);
        }
        pid1.sethostname(hostname);
        c.setHostnameShown(hostname);
        if (!security.privileged()) {
            RuncDefaults.apply(c);
        }
        // standard_init_linux.go from here: no_new_privs, then the seccomp filter — while the process still
        // has CAP_SYS_ADMIN, which loading one needs without no_new_privs; with it, as late as possible, so
        // the filter judges as few of runc's own calls as it can — then capabilities and user
        if (security.noNewPrivileges()) {
            SecurityStep.noNewPrivileges(c);
        }
        long caps = security.capabilities();
        if (security.seccomp() != null && !security.noNewPrivileges()) {
            SecurityStep.loadSeccomp(c, security.seccomp(), caps);
        }
        RuncDefaults.dropCapabilities(pid1, caps);
        String program = spec.resolveProgram(c.rootSeenFromHost());
        int[] credentials = spec.credentials(c.rootSeenFromHost(), security.groupAdd());
        ExecStep.prepare(pid1, c.current(), null, credentials, spec.workingDir(), ownTerminal);
        if (security.seccomp() != null && security.noNewPrivileges()) {
            SecurityStep.loadSeccomp(c, security.seccomp(), caps);
        }
        List<String> argv = o.init() ? dev.cwb.kernel.Pid1Program.argv(program, spec.argv()) : spec.argv();
        c.recordProcess(new Container.ProcessRun(c.pid1(), 1, String.join(" ", argv), null));
        if (terminal) {
            ctrlC[0] = TerminalCtrlC.watch(stdio, c.pid1()); // its group exists (setpgid or setsid above): no Ctrl-C goes unseen
            stdio.foreground(c.pid1());
        }
        if (o.init()) {
            InitStep.execve(c, program, argv, spec.environment(c.rootSeenFromHost(), credentials, stdio.term()), o.rules());
        } else {
            pid1.execve(program, spec.argv(), spec.environment(c.rootSeenFromHost(), credentials, stdio.term()));
        }
        stdio.startRelay(c.tracer());
    }

    /**
     * The image's WorkingDir, made when the image lacks it — as Docker does, so an image built with
     * {@code WORKDIR /app} and nothing in it still starts. Each missing directory is a traced mkdirat of PID 1.
     */
    private static void makeWorkingDirectory(Container c, String workdir) throws SyscallException {
        Path rel = Path.of("/").relativize(Path.of("/", workdir).normalize());
        StringBuilder path = new StringBuilder();
        try (InRoot inside = InRoot.open(c.rootSeenFromHost())) { // the image's links resolve in the image
            for (int i = 0; i < rel.getNameCount() && !rel.toString().isEmpty(); i++) {
                path.append('/').append(rel.getName(i));
                if (!inside.exists(path.toString())) {
                    c.calls().mkdir(path.toString(), 0755);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new CwbException(CwbException.IO, "cannot look for the working directory " + workdir + " inside the container: "
                    + CwbException.reason(e), "run cleanup, then try again");
        }
    }

    /** Memory, pids and cpu limits from what the learner typed ({@code 64M}, {@code 20}, {@code 0.5}); null stays null. */
    public static Options options(String name, String hostname, String memory, String pids, String cpus,
                                  boolean userNamespace, Security security) {
        return new Options(name, hostname, memory == null ? null : CgroupLimits.parseMemory(memory),
                pids == null ? null : CgroupLimits.parsePids(pids), cpus == null ? null : CgroupLimits.parseCpus(cpus),
                userNamespace, security, NetworkStep.Spec.ISOLATED, line -> { }, line -> { });
    }
}
