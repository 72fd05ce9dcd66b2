package dev.cwb.container;

import dev.cwb.cgroup.Cgroup;
import dev.cwb.image.Image;
import dev.cwb.kernel.InitProcess;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallListener;
import dev.cwb.kernel.SyscallRecord;
import dev.cwb.kernel.Syscalls;
import dev.cwb.kernel.WaitStatus;
import dev.cwb.layer.LayerCache;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A container being built: the image it comes from, its workspace, and the process that makes its
 * system calls. The steps ({@link OverlayStep}, {@link UnshareStep}, {@link MountStep}, {@link RootStep},
 * {@link ExecStep}, {@link CgroupStep}) change it one at a time; {@link #remove} takes it all down.
 *
 * <p><b>Its processes.</b> A container starts as one cwb-init process ({@link #first()}), started by the
 * workbench. Every step is a system call that process makes. {@code unshare pid} does not move the caller
 * into the new PID namespace — only its next child goes there, as PID 1 — so cwb-init then clones itself:
 * the child, PID 1 inside, takes over ({@link #current()}) and the first cwb-init only waits for it, as
 * {@code unshare --fork} does. {@code exec} clones the current process once more and the clone becomes
 * the command.
 */
public final class Container {
    /** How the root directory of the container's process was changed, if it was. */
    public enum RootChange { NONE, CHROOT, PIVOT_ROOT, ESCAPED }

    private final String name;
    private final Image image;
    private final List<LayerCache.Unpacked> layers;
    private final ContainerDirs dirs;
    private final InitProcess first;
    private final Tracer tracer;
    private final Syscalls hostCalls;
    private InitProcess current;
    private Syscalls calls;
    private final EnumSet<Namespace> unshared = EnumSet.noneOf(Namespace.class);
    private final Set<String> mounts = new LinkedHashSet<>();
    private final List<String> hostMounts = new ArrayList<>();
    private final List<ProcessRun> processes = new ArrayList<>();
    private boolean overlay;
    private RootChange root = RootChange.NONE;
    private String hostname;
    private Cgroup cgroup;
    private boolean removed;
    private final List<dev.cwb.seccomp.SeccompFilter> seccomp = new ArrayList<>();
    private int pid1;
    private final CompletableFuture<WaitStatus> pid1Ended = new CompletableFuture<>();

    /** One command {@code exec} ran: host pid, pid inside, what, and how it ended (null while running). */
    public record ProcessRun(int hostPid, int containerPid, String command, WaitStatus ending) {
    }

    Container(String name, Image image, List<LayerCache.Unpacked> layers, ContainerDirs dirs, InitProcess first, Tracer tracer) {
        this.tracer = tracer;
        this.name = name;
        this.image = image;
        this.layers = List.copyOf(layers);
        this.dirs = dirs;
        this.first = first;
        this.current = first;
        this.calls = new Syscalls(tracer, first);
        this.hostCalls = new Syscalls(tracer);
    }

    /**
     * Where this container's calls are reported: always to the session's log (for {@code trace}), and to
     * whatever the running command set to print them as they happen.
     */
    public static final class Tracer implements SyscallListener {
        private final SyscallListener log;
        private volatile SyscallListener printer = SyscallListener.NONE;
        private java.util.List<SyscallRecord> held; // printed later: a container's pty is being relayed to the screen

        Tracer(SyscallListener log) {
            this.log = log;
        }

        @Override
        public void called(SyscallRecord record) {
            log.called(record);
            synchronized (this) {
                if (held != null) {
                    held.add(record);
                    return;
                }
            }
            printer.called(record);
        }

        /**
         * Holds the printed lines back (the log still gets every call at once) until {@link #release()}: while
         * a container's pty is relayed to a raw screen, a trace line would land in the middle of what the
         * command shows (the wait4 that notices its end, before its last output is on the screen).
         */
        synchronized void hold() {
            if (held == null) {
                held = new java.util.ArrayList<>();
            }
        }

        /** Prints what was held back, in order, and prints as it comes again. */
        void release() {
            java.util.List<SyscallRecord> lines;
            synchronized (this) {
                lines = held;
                held = null;
            }
            if (lines != null) {
                lines.forEach(printer::called);
            }
        }

        /** Prints through {@code listener} until {@link #stopPrinting()}. */
        public void printTo(SyscallListener listener) {
            printer = listener == null ? SyscallListener.NONE : listener;
        }

        public void stopPrinting() {
            printer = SyscallListener.NONE;
        }
    }

    public Tracer tracer() {
        return tracer;
    }

    public String name() {
        return name;
    }

    public Image image() {
        return image;
    }

    /** The unpacked layer directories, bottom first. */
    public List<Path> lowers() {
        return layers.stream().map(LayerCache.Unpacked::fs).toList();
    }

    /** The image's layers in the cache, bottom first, with what unpacking recorded of each. */
    public List<LayerCache.Unpacked> layers() {
        return layers;
    }

    public ContainerDirs dirs() {
        return dirs;
    }

    /** The cwb-init the workbench started. */
    public InitProcess first() {
        return first;
    }

    /** The process that makes the next step's calls (cwb-init, or PID 1 after {@code unshare pid}). */
    public InitProcess current() {
        return current;
    }

    /** Calls made by {@link #current()}. */
    public Syscalls calls() {
        return calls;
    }

    /** Calls made by this JVM on the host (unmounting what was mounted in the host's namespace). */
    public Syscalls hostCalls() {
        return hostCalls;
    }

    public Set<Namespace> unshared() {
        return EnumSet.copyOf(unshared.isEmpty() ? EnumSet.noneOf(Namespace.class) : unshared);
    }

    public boolean has(Namespace ns) {
        return unshared.contains(ns);
    }

    void markUnshared(Namespace ns) {
        unshared.add(ns);
    }

    public boolean overlayMounted() {
        return overlay;
    }

    void markOverlay() {
        overlay = true;
    }

    public RootChange root() {
        return root;
    }

    void setRoot(RootChange change) {
        root = change;
    }

    public String hostname() {
        return hostname;
    }

    /** Records the host name a step set (for status). */
    public void setHostnameShown(String hostname) {
        this.hostname = hostname;
    }

    public Cgroup cgroup() {
        return cgroup;
    }

    /** The seccomp filters the container's processes loaded, in order (the kernel runs them all). */
    public List<dev.cwb.seccomp.SeccompFilter> seccompFilters() {
        return List.copyOf(seccomp);
    }

    void addSeccompFilter(dev.cwb.seccomp.SeccompFilter f) {
        seccomp.add(f);
    }

    void setCgroup(Cgroup cgroup) {
        this.cgroup = cgroup;
    }

    /**
     * Marks the container as taken down, once: from now on no step makes anything of it on the host (see
     * {@link CgroupStep}), since its removal — perhaps the shutdown hook's, on SIGTERM, while the command's
     * thread is still setting it up — would not know of it. True for the first caller only.
     */
    synchronized boolean markRemoved() {
        boolean first = !removed;
        removed = true;
        return first;
    }

    synchronized boolean removed() {
        return removed;
    }

    /** What was mounted, as targets inside the container ({@code /proc}, {@code /dev}...). */
    public Set<String> mounts() {
        return Set.copyOf(mounts);
    }

    void addMount(String target, String hostPath) {
        mounts.add(target);
        if (!has(Namespace.MNT)) {
            hostMounts.add(hostPath);
        }
    }

    /** Mount points made in the host's own mount namespace (unshare mnt was not done first). */
    public List<String> hostMounts() {
        return List.copyOf(hostMounts);
    }

    public List<ProcessRun> processes() {
        synchronized (processes) {
            return List.copyOf(processes);
        }
    }

    void recordProcess(ProcessRun run) {
        synchronized (processes) {
            processes.removeIf(p -> p.hostPid() == run.hostPid());
            processes.add(run);
        }
    }

    /** The host pid of the container's PID 1 (after {@code unshare pid}), or 0. */
    public int pid1() {
        return pid1;
    }

    /** Completes when PID 1 has ended (its PID namespace ends with it). */
    public CompletableFuture<WaitStatus> pid1Ended() {
        return pid1Ended;
    }

    /**
     * Where a path inside the container is, as the current process resolves it: under {@code rootfs/}
     * before its root moved there, as is after.
     */
    public String pathInside(String path) {
        if (root == RootChange.NONE) {
            return dirs.rootfs() + (path.startsWith("/") ? path : "/" + path);
        }
        return path;
    }

    /** The container's root as this JVM can reach it: {@code /proc/PID/root} of the current process. */
    public Path rootSeenFromHost() {
        return Path.of("/proc", Integer.toString(current.pid()), "root");
    }

    /**
     * After {@code unshare(CLONE_NEWPID)}: clone the current process; the child is PID 1 of the new
     * namespace and makes the steps from now on; the parent only waits for it (in the background).
     */
    void forkPid1() throws SyscallException {
        forkPid1(-1);
    }

    /**
     * {@link #forkPid1()}, PID 1 born by clone3 in the cgroup2 group that {@code cgroupFd} (a descriptor of
     * the current process's, or -1) is open on; {@link InitProcess#bornInCgroup} says whether it was. Both
     * processes then close that descriptor (a host directory neither keeps): the parent before it starts
     * waiting for PID 1, which holds its calls from then on.
     */
    void forkPid1(int cgroupFd) throws SyscallException {
        InitProcess parent = current;
        Syscalls parentCalls = calls;
        InitProcess child = cloneCurrent(cgroupFd);
        int previousPid1 = pid1;
        pid1 = child.pid();
        current = child;
        calls = new Syscalls(tracer, child);
        calls.setParentDeathSignal(9); // a fork's child does not inherit it: PID 1 must die with cwb-init too
        if (cgroupFd >= 0) {
            parentCalls.close(cgroupFd);
            calls.close(cgroupFd);
        }
        int inParentNs = parent.pid() == previousPid1
                ? HostPids.numberIn(child.pid(), parent.pid()).orElse(child.pid()) : child.pid();
        Thread waiter = new Thread(() -> {
            try {
                int[] status = new int[1];
                while (parentCalls.wait4(-1, status, 0) != inParentNs) {
                    // an orphan the parent adopted as subreaper ended first: reaped, keep waiting
                }
                pid1Ended.complete(new WaitStatus(status[0]));
            } catch (SyscallException e) {
                pid1Ended.completeExceptionally(e);
            }
        }, "cwb-pid1-waiter " + name);
        waiter.setDaemon(true);
        waiter.start();
    }

    /**
     * Clones the current process and returns the clone, which answers on a socket of its own. The calls
     * are traced: the recvmsg(2) that receives that socket, its move to descriptor 4, then the clone(2).
     */
    InitProcess cloneCurrent() throws SyscallException {
        return cloneCurrent(-1);
    }

    private InitProcess cloneCurrent(int cgroupFd) throws SyscallException {
        int parentHostPid = current.pid();
        boolean parentInOwnPidNamespace = parentHostPid == pid1; // only a PID 1 the container made is in a namespace of its own
        return current.cloneChild(calls, nsPid -> parentInOwnPidNamespace
                ? HostPids.childOf(parentHostPid, nsPid).orElseThrow(() -> new IllegalStateException(
                        "the clone " + nsPid + " of pid " + parentHostPid + " is not among its children"))
                : nsPid, cgroupFd);
    }

    /**
     * Kills every process of the container, ends cwb-init, removes the cgroup, unmounts what was mounted
     * in the host's namespace and deletes the workspace. Safe to call twice, and after any failure.
     */
    public List<String> remove() {
        return ContainerRemoval.remove(this);
    }
}
