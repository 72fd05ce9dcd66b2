package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.HomeSafety;
import dev.cwb.WorkbenchHome;
import dev.cwb.cgroup.CgroupHost;
import dev.cwb.cgroup.CgroupOwners;
import dev.cwb.cgroup.CgroupTrace;
import dev.cwb.cgroup.Cgroups;
import dev.cwb.cleanup.InUseMarker;
import dev.cwb.image.Image;
import dev.cwb.kernel.InitProcess;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallLog;
import dev.cwb.kernel.Syscalls;
import dev.cwb.layer.LayerCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The containers of one workbench session, by name, with the one the step commands act on (the last one
 * made, or the one named with {@code -c NAME}), and the session's system call log. Leaving the session
 * removes them all ({@link #removeAll}).
 */
public final class Containers {
    /** Container names: like Docker's, so a name is also a valid host name and cgroup name. */
    private static final String NAME = "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}";

    private final WorkbenchHome home;
    private final SyscallLog log = new SyscallLog();
    private final Map<String, Container> byName = new LinkedHashMap<>();
    private final Map<String, InUseMarker> markers = new LinkedHashMap<>();
    private final Map<String, Long> created = new LinkedHashMap<>();
    /** Names whose kept workspace the next {@link #create} may take again ({@code start NAME}). */
    private final Set<String> restartable = new HashSet<>();
    /** Locks of workspaces kept after their container ended, until the shim has recorded how ({@link #release}). */
    private final Map<String, InUseMarker> kept = new LinkedHashMap<>();
    private String current;
    private Cgroups cgroups;
    /** run/cwb-init, written and checked once, then started from its descriptor (see InitBinary). */
    private dev.cwb.kernel.InitBinary initProgram;
    private NameReservations names;
    /** The workbench that started this shim, whose reservation of the container's name is taken over ({@link #takeNameFrom}). */
    private long nameHandedFrom = -1;
    /** Removals under way, so that a second one waits for the first ({@link #removeIfPresent}). */
    private final Map<Container, java.util.concurrent.CompletableFuture<List<String>>> removals = new java.util.IdentityHashMap<>();
    /** Set by {@link #shutDown}: no container is made any more. */
    private boolean closing;
    private dev.cwb.kernel.InitBinary pid1Program;

    public Containers(WorkbenchHome home) {
        this.home = home;
    }

    /** {@code $CWB_HOME/run/containers}. */
    public Path directory() {
        return home.run().resolve("containers");
    }

    /** The session's system calls, for {@code trace}. */
    public SyscallLog log() {
        return log;
    }

    /** This host's cgroups, detected on first use. */
    public synchronized Cgroups cgroups() {
        if (cgroups == null) {
            cgroups = new Cgroups(CgroupHost.detect(), new CgroupTrace(), CgroupOwners.in(home));
        }
        return cgroups;
    }

    /** Checks a container name; throws a one-line error naming the rule. */
    public static String checkName(String name) {
        if (name == null || !name.matches(NAME)) {
            throw CwbException.badInput("not a container name: '" + name + "'",
                    "use letters, digits, '_', '.' and '-' (up to 63), starting with a letter or digit");
        }
        return name;
    }

    /**
     * A free name for a container of {@code image}: {@code busybox-1}, {@code busybox-2}... Free here, and
     * on this machine: a workbench with another {@code $CWB_HOME} may hold the group {@code busybox-1}, and
     * cgroups are one per machine. The name is reserved at once ({@link NameReservations}), so another
     * workbench choosing at the same moment gets the next one; {@link #create} and {@link #remove} keep and
     * give back the reservation, {@link #releaseName} gives it back when no container is made after all.
     */
    public synchronized String freeName(Image image) {
        Set<String> groups = cgroupNamesInUse();
        String base = image.reference().path();
        base = base.substring(base.lastIndexOf('/') + 1).replaceAll("[^a-zA-Z0-9_.-]", "-");
        if (base.isEmpty() || !Character.isLetterOrDigit(base.charAt(0))) {
            base = "c" + base;
        }
        base = base.length() > 50 ? base.substring(0, 50) : base;
        return names().reserveFree(base, groups, n -> !byName.containsKey(n) && !Files.exists(directory().resolve(n)));
    }

    /** The machine's (or, without root, this home's) reserved container names. */
    public synchronized NameReservations names() {
        if (names == null) {
            names = NameReservations.of(home);
        }
        return names;
    }

    /**
     * Gives back a name {@link #freeName} reserved when no container of it was made ({@code run -d} once its
     * shim has taken the name over, or failed; a {@code new} whose layers could not be unpacked).
     */
    public void releaseName(String name) {
        if (find(name).isEmpty()) {
            names().release(name);
        }
    }

    /**
     * This process is the shim that {@code pid} (the workbench that ran {@code run -d}) started: the name that
     * workbench reserved for the container is taken over, not refused.
     */
    public synchronized void takeNameFrom(long pid) {
        nameHandedFrom = pid;
    }

    /** The workbench's cgroups that exist on this machine now; none where there are no cgroups. */
    private Set<String> cgroupNamesInUse() {
        try {
            return new HashSet<>(cgroups().names());
        } catch (RuntimeException e) {
            return Set.of(); // no cgroups here: run and cgroup create say so themselves
        }
    }

    /**
     * Makes the workspace and starts cwb-init, which first asks to die with the workbench
     * ({@code PR_SET_PDEATHSIG}) and to adopt orphans ({@code PR_SET_CHILD_SUBREAPER}).
     * {@code stdio} gives cwb-init (and what it starts) descriptors 0..2; null keeps this JVM's.
     */
    public synchronized Container create(String name, Image image, List<LayerCache.Unpacked> layers, int[] stdio,
                                         Container.Tracer tracer) throws SyscallException {
        checkName(name);
        if (byName.containsKey(name)) {
            throw CwbException.badInput("there is already a container called " + name, "pick another name, or rm " + name);
        }
        if (closing) {
            throw new CwbException(CwbException.IO, "the workbench is shutting down: no container " + name + " is made", null);
        }
        names().reserve(name, nameHandedFrom); // a name chosen by freeName is this process's already; a taken --name stops here
        boolean made = false;
        try {
            Container c = createReserved(name, image, layers, stdio, tracer);
            made = true;
            return c;
        } finally {
            if (!made) {
                names().release(name);
            }
        }
    }

    private Container createReserved(String name, Image image, List<LayerCache.Unpacked> layers, int[] stdio,
                                     Container.Tracer tracer) throws SyscallException {
        if (!Syscalls.available()) {
            throw new CwbException(CwbException.UNSUPPORTED, "containers need Linux: this is " + System.getProperty("os.name")
                    + " on " + System.getProperty("os.arch"), "image commands (images, inspect, diff, cat) work here; "
                    + "for the kernel steps use a Linux machine or VM");
        }
        ContainerDirs dirs = new ContainerDirs(directory().resolve(name));
        InUseMarker marker = null;
        boolean made = false;
        try {
            // run/, run/containers/ and the workspace are 0700: while the overlay is mounted on the host,
            // rootfs/ is the image's tree, set-uid programs and device nodes included (see HomeSafety)
            Files.createDirectories(home.root());
            HomeSafety.createPrivateDirectory(home.run());
            HomeSafety.createPrivateDirectory(directory());
            boolean restart = restartable.remove(name);
            try {
                Files.createDirectory(dirs.dir(), HomeSafety.privateMode());
                made = true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                Detached before = Detached.load(dirs.dir());
                if (restart && before != null && before.exited() && !InUseMarker.inUse(dirs.dir())) {
                    // start NAME: the same workspace, its upper directory (what the container wrote) kept
                    marker = InUseMarker.hold(dirs.dir());
                    for (Path d : List.of(dirs.upper(), dirs.work(), dirs.rootfs())) {
                        if (!Files.isDirectory(d)) {
                            Files.createDirectory(d, HomeSafety.privateMode());
                        }
                    }
                    return started(name, image, layers, dirs, marker, stdio, tracer, false);
                }
                if (before != null) {
                    throw CwbException.badInput("there is already a container called " + name + " (detached"
                            + (InUseMarker.inUse(dirs.dir()) ? ", running)" : ", not running)"), "pick another name, or rm -f " + name);
                }
                throw CwbException.badInput("a workspace for " + name + " already exists in " + dirs.dir()
                        + (InUseMarker.inUse(dirs.dir()) ? ", used by another workbench" : ", left by a workbench that was killed"),
                        InUseMarker.inUse(dirs.dir()) ? "pick another name" : "run cleanup, then try again");
            }
            marker = InUseMarker.hold(dirs.dir());
            Files.createDirectory(dirs.upper()); // 0755: the overlay's root directory shows its mode, the container's "/"
            Files.createDirectory(dirs.work(), HomeSafety.privateMode());
            Files.createDirectory(dirs.rootfs(), HomeSafety.privateMode());
        } catch (IOException e) {
            if (made) {
                abandonWorkspace(marker, dirs); // a Ctrl-C (an interrupted lock) or a failed mkdir leaves nothing for cleanup
            } else if (marker != null) {
                closeQuietly(marker); // a restart that could not remake its directories: the workspace stays as it was
            }
            if (e instanceof java.nio.channels.ClosedByInterruptException || e instanceof java.nio.channels.FileLockInterruptionException) {
                throw new CwbException(CwbException.IO, "cancelled while making the workspace of " + name, null, e);
            }
            throw CwbException.io("making the workspace " + dirs.dir(), e, "check that " + home.root() + " is writable");
        }
        return started(name, image, layers, dirs, marker, stdio, tracer, true);
    }

    /**
     * The rest of {@link #create}, for a fresh workspace ({@code fresh}: a failure deletes it) or one kept
     * for {@code start} (a failure leaves it, and its upper directory, as they were).
     */
    private Container started(String name, Image image, List<LayerCache.Unpacked> layers, ContainerDirs dirs, InUseMarker marker,
                              int[] stdio, Container.Tracer tracer, boolean fresh) throws SyscallException {
        InitProcess init;
        try {
            if (initProgram == null) {
                initProgram = dev.cwb.kernel.InitBinary.install(home.run()); // run/ is 0700 (made above)
            }
            init = InitProcess.start(initProgram, "cwb-init", stdio);
        } catch (IOException e) {
            if (fresh) {
                abandonWorkspace(marker, dirs);
            } else {
                closeQuietly(marker);
            }
            throw CwbException.io("starting cwb-init", e, "check " + home.root());
        } catch (RuntimeException e) {
            if (fresh) {
                abandonWorkspace(marker, dirs);
            } else {
                closeQuietly(marker);
            }
            throw e;
        }
        Container c = new Container(name, image, layers, dirs, init, tracer);
        byName.put(name, c);
        markers.put(name, marker);
        created.put(name, System.currentTimeMillis());
        current = name;
        try {
            saveState(c);
        } catch (CwbException e) {
            remove(name); // a container cleanup could not find must not exist
            throw e;
        }
        c.calls().setParentDeathSignal(9);
        c.calls().setChildSubreaper();
        c.calls().setName("cwb-init"); // started as /proc/self/fd/N, the kernel named it "N"
        return c;
    }

    /** A tracer for a new container: the session log, plus what the command prints. */
    public Container.Tracer newTracer() {
        return new Container.Tracer(log);
    }

    /**
     * Records the container's state on disk (after steps that change what cleanup needs). Throws when it
     * cannot: should this workbench then be killed, {@code cleanup} would not know the step's mounts, cgroup
     * or processes and would leave them behind, so the step must fail rather than pass quietly. The
     * container stays in the session, whose own removal ({@code rm}, leaving the shell) still knows it all.
     */
    public synchronized void saveState(Container c) {
        try {
            ContainerState.of(c, created.getOrDefault(c.name(), System.currentTimeMillis())).save(c.dirs().state());
        } catch (IOException e) {
            throw CwbException.io("cannot record the state of container " + c.name() + " in " + c.dirs().state(), e,
                    "cleanup after a killed workbench would not know what this step made: free space in (or fix) "
                    + c.dirs().dir() + " and repeat the step, or take the container down now: rm " + c.name());
        }
    }

    /** The container named, or the current one when {@code name} is null. */
    public synchronized Container get(String name) {
        if (name == null) {
            if (current == null || !byName.containsKey(current)) {
                throw CwbException.badInput("there is no container yet", "make one with: new NAME from IMAGE");
            }
            return byName.get(current);
        }
        Container c = byName.get(name);
        if (c == null) {
            throw CwbException.notFound("no container called " + name + " in this session"
                    + (byName.isEmpty() ? "" : " (there are: " + String.join(", ", byName.keySet()) + ")"),
                    "see them with: ps");
        }
        return c;
    }

    public synchronized Optional<Container> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public synchronized Optional<String> currentName() {
        return Optional.ofNullable(current);
    }

    /** The workbench home these containers belong to. */
    public WorkbenchHome home() {
        return home;
    }

    public synchronized List<Container> all() {
        return List.copyOf(byName.values());
    }

    /** Removes a container; returns what could not be removed. */
    public List<String> remove(String name) {
        return remove(name, false, true);
    }

    /**
     * {@code rm NAME} as Docker's: with {@code anonymousVolumes} false the container's anonymous volumes stay,
     * used by no container ({@code volume ls -f dangling=true}, {@code volume prune}); {@code rm -v} removes them
     * as {@code --rm} and leaving the shell do ({@link #remove(String)}).
     */
    public List<String> remove(String name, boolean anonymousVolumes) {
        return remove(name, false, anonymousVolumes);
    }

    /**
     * Takes a detached container down but keeps its workspace (upper directory, log, state) and, until
     * {@link #release}, the lock that tells {@code cleanup} it is in use: the shim records how PID 1 ended
     * in between.
     */
    public List<String> removeKeepingWorkspace(String name) {
        return remove(name, true, false);
    }

    /**
     * Lets the next {@link #create} of {@code name} take the kept workspace of an exited detached container
     * instead of refusing it: {@code start NAME} runs it again over the upper directory it left.
     */
    public synchronized void allowRestart(String name) {
        restartable.add(name);
    }

    /** Lets go of a kept workspace ({@link #removeKeepingWorkspace}): from now on {@code rm} or {@code start} may have it. */
    public void release(String name) {
        InUseMarker marker;
        synchronized (this) {
            marker = kept.remove(name);
        }
        closeQuietly(marker);
    }

    /**
     * Removes {@code c} unless someone else has: the command that made it calls this once its command has
     * ended, and the shutdown hook ({@link #shutDown}) may have taken it down meanwhile — or be doing so, which
     * this waits for. Only the first removal does the work and reports what it could not remove.
     */
    public List<String> removeIfPresent(Container c, boolean keepWorkspace) {
        java.util.concurrent.CompletableFuture<List<String>> other;
        synchronized (this) {
            other = removals.get(c);
            if (other == null && byName.get(c.name()) != c) {
                return List.of(); // removed already
            }
        }
        if (other != null) {
            try {
                other.join();
            } catch (RuntimeException e) {
                // the other removal reports its own failure
            }
            return List.of();
        }
        return keepWorkspace ? removeKeepingWorkspace(c.name()) : remove(c.name());
    }

    /** From now on no container is made ({@link #create} refuses): the workbench is ending. */
    public synchronized void refuseNew() {
        closing = true;
    }

    /** True while some thread is removing a container. */
    public synchronized boolean removing() {
        return !removals.isEmpty();
    }

    /**
     * The workbench is ending (SIGTERM, SIGHUP, or its normal exit; the shutdown hook): no container is made
     * from now on, every container of the session is removed, and removals already under way on other threads
     * are waited for, so the JVM does not halt in the middle of one and leave its cgroup or workspace behind.
     * Returns what could not be removed.
     */
    public List<String> shutDown() {
        refuseNew();
        List<java.util.concurrent.CompletableFuture<List<String>>> underWay;
        synchronized (this) {
            underWay = List.copyOf(removals.values());
        }
        List<String> problems = new ArrayList<>();
        for (Container c : all()) {
            problems.addAll(removeIfPresent(c, false));
        }
        for (var f : underWay) {
            try {
                f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // its thread reports its own problems; after 10 s the JVM goes anyway
            }
        }
        if (names != null) {
            names.releaseAll(); // one chosen for a container not made yet, too
        }
        return problems;
    }

    private List<String> remove(String name, boolean keepWorkspace, boolean anonymousVolumes) {
        Container c;
        InUseMarker marker;
        java.util.concurrent.CompletableFuture<List<String>> done = new java.util.concurrent.CompletableFuture<>();
        synchronized (this) {
            c = get(name);
            removals.put(c, done);
            byName.remove(c.name());
            marker = markers.remove(c.name());
            created.remove(c.name());
            if (c.name().equals(current)) {
                current = byName.isEmpty() ? null : byName.keySet().iterator().next();
            }
        }
        List<String> problems = new ArrayList<>();
        // a removal is never cut short: after a Ctrl-C (or SIGTERM) in the set-up the interrupt is often still
        // pending, and would stop the wait for the cgroup to empty, or the flock of the name or the lease,
        // leaving them behind; it is pending again afterwards
        boolean interrupted = Thread.interrupted();
        try {
            synchronized (c) {
                c.markRemoved(); // no step of another thread makes its cgroup from here on
            }
            problems.addAll(ContainerRemoval.remove(c, keepWorkspace, anonymousVolumes));
            problems.addAll(dev.cwb.network.Bridge.releaseIfAny(c.hostCalls(), home.root(), c.name()));
            names().release(c.name()); // its cgroup is gone: another workbench may have the name now
            if (keepWorkspace) {
                synchronized (this) {
                    kept.put(c.name(), marker);
                }
            } else {
                closeQuietly(marker);
            }
            done.complete(problems);
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
            throw e;
        } finally {
            synchronized (this) {
                removals.remove(c);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return problems;
    }

    /** Removes every container of the session (leaving the shell). */
    public List<String> removeAll() {
        List<String> problems = new ArrayList<>();
        for (Container c : all()) {
            problems.addAll(remove(c.name()));
        }
        return problems;
    }

    /** Containers of other live workbenches on this machine (same home), from their state files. */
    public List<ContainerState> others() {
        List<ContainerState> result = new ArrayList<>();
        for (Path dir : workspaces()) {
            if (byName.containsKey(dir.getFileName().toString()) || !InUseMarker.inUse(dir)) {
                continue;
            }
            try {
                result.add(ContainerState.load(dir.resolve("state.json")));
            } catch (IOException | RuntimeException e) {
                // being created or removed right now
            }
        }
        return result;
    }

    /** Workspaces of containers whose workbench is gone: what {@code cleanup} takes down. */
    public List<ContainerState> abandoned() {
        List<ContainerState> result = new ArrayList<>();
        for (Path dir : workspaces()) {
            if (InUseMarker.inUse(dir)) {
                continue;
            }
            Detached d = Detached.load(dir);
            if (d != null && d.exited()) {
                continue; // a detached container that ended: kept on purpose, until rm
            }
            try {
                result.add(ContainerState.load(dir.resolve("state.json")));
            } catch (IOException | RuntimeException e) {
                result.add(new ContainerState(dir.getFileName().toString(), "?", 0, 0, 0, 0, 0, 0, null, List.of(), 0));
            }
        }
        return result;
    }

    /** Every workspace directory under {@link #directory()}, of any workbench (none when there is none). */
    public List<Path> workspaces() {
        if (!Files.isDirectory(directory())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(directory())) {
            return s.toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Takes down what a killed workbench left of a container: processes, host mounts, workspace. */
    public List<String> removeAbandoned(ContainerState s, Syscalls hostCalls) {
        return removeAbandoned(s, hostCalls, true);
    }

    /** {@link #removeAbandoned(ContainerState, Syscalls)}; its anonymous volumes only with {@code anonymousVolumes}. */
    public List<String> removeAbandoned(ContainerState s, Syscalls hostCalls, boolean anonymousVolumes) {
        List<String> problems = new ArrayList<>();
        for (long[] p : new long[][] {{s.pid1(), s.pid1Start()}, {s.initPid(), s.initStart()}}) {
            int pid = (int) p[0];
            if (pid > 0 && p[1] != 0 && HostPids.startMillis(pid) == p[1]) { // the same process, not a reused pid
                HostPids.descendants(pid).forEach(dev.cwb.kernel.Kernel::killQuietly);
                dev.cwb.kernel.Kernel.killQuietly(pid);
            }
        }
        if (s.cgroup() != null && dev.cwb.WorkbenchHome.isRoot()) {
            try {
                cgroups().open(s.cgroup()).remove(); // kills what is still inside, then removes the group
            } catch (RuntimeException e) {
                // already gone, or never made
            }
        }
        ContainerRemoval.unmountHostMounts(s.hostMounts() == null ? List.of() : s.hostMounts(), hostCalls, problems);
        problems.addAll(dev.cwb.network.Bridge.releaseIfAny(hostCalls, home.root(), s.name()));
        if (anonymousVolumes) {
            dev.cwb.volume.ContainerVolumes.release(directory().resolve(s.name()), problems);
        }
        ContainerRemoval.deleteWorkspace(directory().resolve(s.name()), problems);
        return problems;
    }

    private static void abandonWorkspace(InUseMarker marker, ContainerDirs dirs) {
        closeQuietly(marker);
        ContainerRemoval.deleteWorkspace(dirs.dir(), new ArrayList<>());
    }

    private static void closeQuietly(InUseMarker marker) {
        if (marker != null) {
            try {
                marker.close();
            } catch (IOException e) {
                // the lock goes with the process anyway
            }
        }
    }

    /**
     * A fresh cwb-init of this workbench's, with {@code stdio} as its descriptors 0..2 (null: this JVM's),
     * for work that needs a single-threaded process of its own ({@code exec} into a detached container).
     */
    synchronized InitProcess startInit(String argv0, int[] stdio) throws SyscallException, IOException {
        if (!Syscalls.available()) {
            throw new CwbException(CwbException.UNSUPPORTED, "containers need Linux", "use a Linux machine or VM");
        }
        if (initProgram == null) {
            Files.createDirectories(home.root());
            HomeSafety.createPrivateDirectory(home.run());
            initProgram = dev.cwb.kernel.InitBinary.install(home.run());
        }
        return InitProcess.start(initProgram, argv0, stdio);
    }

    /**
     * {@code run --init}'s program ({@link dev.cwb.kernel.Pid1Program}), written into run/ beside cwb-init the
     * first time it is needed and kept open, checked, for the session.
     */
    synchronized dev.cwb.kernel.InitBinary pid1Program() {
        if (pid1Program == null) {
            try {
                pid1Program = dev.cwb.kernel.InitBinary.install(home.run(), dev.cwb.kernel.Pid1Program.NAME,
                        dev.cwb.kernel.Pid1Program.forCurrentArch());
            } catch (IOException e) {
                throw CwbException.io("writing " + home.run().resolve(dev.cwb.kernel.Pid1Program.NAME), e, "check " + home.root());
            }
        }
        return pid1Program;
    }

    /**
     * A cwb-init that only waits, in process group {@code pgroup} (a container command's, which holds the
     * terminal): the terminal's Ctrl-C ends it, which is how the workbench learns of the key (see
     * {@link TerminalCtrlC}). It exits by itself when its socket closes, so it cannot outlive the workbench.
     */
    synchronized InitProcess sentinel(int pgroup) throws SyscallException, IOException {
        if (initProgram == null) {
            initProgram = dev.cwb.kernel.InitBinary.install(home.run());
        }
        return InitProcess.start(initProgram, "cwb-ctrl-c", null, pgroup);
    }
}
