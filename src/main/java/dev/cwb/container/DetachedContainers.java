package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.cleanup.InUseMarker;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.StraceText;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The detached containers of a workbench home, as any workbench process finds them: every workspace with
 * a {@code detached.json}. Each is running (its shim holds the workspace's lock and PID 1 has not ended),
 * exited (the shim recorded how), or lost (the shim is gone without recording an end: killed). Here are
 * also what {@code stop}, {@code kill} and {@code rm} do to one — signals to its PID 1 on the host, which
 * its shim's cwb-init then reaps.
 */
public final class DetachedContainers {
    /** Running, exited, or lost (its shim was killed). */
    public enum Status { RUNNING, EXITED, LOST }

    /** One detached container as found on disk now. */
    public record Entry(String name, Path dir, ContainerState state, Detached detached, Status status) {
        /** PID 1's host pid while it runs (checked against its start time), else 0. */
        public int livePid1() {
            if (state == null || state.pid1() <= 0 || status != Status.RUNNING) {
                return 0;
            }
            return HostPids.startMillis(state.pid1()) == state.pid1Start() ? state.pid1() : 0;
        }

        /** Docker's STATUS column: {@code Up 5 seconds}, {@code Exited (0) 5 seconds ago}; lost ones say so. */
        public String statusText(long now) {
            return switch (status) {
                case RUNNING -> "Up " + human(now - detached.started());
                case EXITED -> "Exited (" + detached.exitCode() + ") " + human(now - detached.finished()) + " ago";
                case LOST -> "Lost: its shim (pid " + detached.shimPid() + ") is gone; cleanup removes it";
            };
        }
    }

    private final Containers containers;

    public DetachedContainers(Containers containers) {
        this.containers = containers;
    }

    /** Every detached container of this home, by name. */
    public List<Entry> all() {
        List<Entry> out = new ArrayList<>();
        for (Path dir : containers.workspaces()) {
            Entry e = entry(dir);
            if (e != null) {
                out.add(e);
            }
        }
        out.sort(java.util.Comparator.comparing(Entry::name));
        return out;
    }

    /** The detached container {@code name}, or null when there is none of that name. */
    public Entry find(String name) {
        Containers.checkName(name);
        return entry(containers.directory().resolve(name));
    }

    /** {@link #find}, or a one-line error naming the detached containers there are. */
    public Entry get(String name) {
        Entry e = find(name);
        if (e == null) {
            List<String> names = all().stream().map(Entry::name).toList();
            throw CwbException.notFound("no detached container called " + name + (names.isEmpty() ? "" : " (there are: "
                    + String.join(", ", names) + ")"), "ps -a lists them; run -d IMAGE starts one");
        }
        return e;
    }

    private static Entry entry(Path dir) {
        Detached d = Detached.load(dir);
        if (d == null) {
            return null;
        }
        ContainerState s;
        try {
            s = ContainerState.load(dir.resolve("state.json"));
        } catch (IOException | RuntimeException e) {
            s = null;
        }
        boolean shimAlive = InUseMarker.inUse(dir);
        Status status = d.exited() ? Status.EXITED : shimAlive ? Status.RUNNING : Status.LOST;
        return new Entry(dir.getFileName().toString(), dir, s, d, status);
    }

    /** A running container's PID 1, or a one-line error saying why there is none. */
    public static int runningPid1(Entry e, String command) {
        if (e.status() != Status.RUNNING || e.livePid1() == 0) {
            throw CwbException.badInput("container " + e.name() + " is not running (" + e.statusText(System.currentTimeMillis())
                    + "): " + command + " needs a running one", e.status() == Status.LOST ? "run cleanup"
                    : "start it again with: start " + e.name() + " — or see its output with: logs " + e.name());
        }
        return e.livePid1();
    }

    /** How {@link #stop} went: whether SIGKILL was needed, and why, and how long it took. */
    public record Stopped(String signal, boolean killed, String why, long millis) {
    }

    /**
     * {@code stop}: PID 1 gets the image's StopSignal (SIGTERM when it names none); if it has not ended after
     * {@code seconds}, SIGKILL, which nothing can ignore. Returns once the shim has recorded the end (or is
     * gone). {@code say} hears what is being done, as it is done.
     */
    public Stopped stop(Entry e, int seconds, Consumer<String> say) throws InterruptedException {
        int pid1 = runningPid1(e, "stop");
        int sig = StraceText.signalNumber(e.detached().stopSignal());
        if (sig <= 0) {
            sig = 15;
        }
        String name = StraceText.signal(sig);
        TerminalCtrlC.Disposition d = TerminalCtrlC.disposition(pid1, sig);
        say.accept("# " + name + " to PID 1 of " + e.name() + " (pid " + pid1 + " on the host), which " + (d == TerminalCtrlC.Disposition.HANDLED
                ? "has a handler for it" : d == TerminalCtrlC.Disposition.IGNORED ? "ignores it (SIG_IGN)"
                : d == TerminalCtrlC.Disposition.BLOCKED ? "blocks it and waits for it (--init's cwb-pid1: it forwards it to the command)"
                : "has no handler for it") + " (SigCgt/SigIgn/SigBlk of /proc/" + pid1 + "/status)");
        // the first call on this thread asks its tid (the trace's pid column): the workbench's, not the container's
        dev.cwb.kernel.SyscallListener shown = r -> {
            if (!r.straceLine().startsWith("gettid(")) {
                say.accept(r.straceLine());
            }
        };
        long start = System.nanoTime();
        signal(pid1, sig, shown);
        if (waitForEnd(e, seconds * 1000L)) {
            return new Stopped(name, false, null, (System.nanoTime() - start) / 1_000_000);
        }
        String why = d == TerminalCtrlC.Disposition.HANDLED
                ? "its handler for " + name + " did not end it within " + seconds + " s"
                : d == TerminalCtrlC.Disposition.BLOCKED
                ? "cwb-pid1 forwarded " + name + ", and the command did not end within " + seconds + " s"
                : "PID 1 of a PID namespace gets no signal it has no handler for (" + name + "'s default action is not "
                + "applied to it; kernel/signal.c, SIGNAL_UNKILLABLE), so " + name + " did nothing";
        say.accept("# still running after " + seconds + " s: " + why + "; SIGKILL cannot be caught or ignored");
        signal(pid1, 9, shown);
        waitForEnd(e, 10_000);
        return new Stopped(name, true, why, (System.nanoTime() - start) / 1_000_000);
    }

    /** Whether {@code pid} takes signal {@code sig} itself, blocked, with rt_sigtimedwait (as --init's cwb-pid1 does). */
    public static boolean waitsForSignals(int pid, int sig) {
        return TerminalCtrlC.disposition(pid, sig) == TerminalCtrlC.Disposition.BLOCKED;
    }

    /** {@code kill -s SIGNAL}: one signal to a running container's PID 1. */
    public void kill(Entry e, int sig, dev.cwb.kernel.SyscallListener shown) {
        signal(runningPid1(e, "kill"), sig, shown);
    }

    private static void signal(int pid, int sig, dev.cwb.kernel.SyscallListener shown) {
        try {
            new dev.cwb.kernel.Syscalls(shown).kill(pid, sig);
        } catch (dev.cwb.kernel.SyscallException ex) {
            if (ex.errno() != 3) { // ESRCH: ended meanwhile, which is what was asked for
                throw new CwbException(CwbException.IO, "kill(" + pid + ", " + StraceText.signal(sig) + "): " + ex.getMessage(),
                        "containers need root: run sudo ./cwb");
            }
        }
    }

    /** Waits until the container's shim has recorded its end, or is gone; true when that happened in time. */
    public boolean waitForEnd(Entry e, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            Entry now = entry(e.dir());
            if (now == null || now.status() != Status.RUNNING) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /**
     * {@code rm}: a running container only with {@code force} (SIGKILL to PID 1, then its shim tears it down);
     * then what is left — the workspace with its upper directory and log, a lost one's cgroup, network lease
     * and processes — as {@code cleanup} removes a killed workbench's. Returns what could not be removed.
     */
    public List<String> remove(Entry e, boolean force) throws InterruptedException {
        return remove(e, force, true);
    }

    /**
     * {@link #remove(Entry, boolean)}, its anonymous volumes only with {@code anonymousVolumes} ({@code rm -v});
     * without, they stay and no container uses them, as {@code docker rm} leaves them.
     */
    public List<String> remove(Entry e, boolean force, boolean anonymousVolumes) throws InterruptedException {
        if (e.status() == Status.RUNNING) {
            if (!force) {
                throw CwbException.badInput("container " + e.name() + " is running (" + e.statusText(System.currentTimeMillis()) + ")",
                        "stop it first (stop " + e.name() + "), or rm -f " + e.name() + " to kill it");
            }
            int pid1 = e.livePid1();
            if (pid1 != 0) {
                signal(pid1, 9, dev.cwb.kernel.SyscallListener.NONE);
            }
            if (!waitForEnd(e, 10_000) || !waitForShim(e, 5_000)) {
                killShim(e);
            }
        } else if (e.status() == Status.EXITED) {
            waitForShim(e, 5_000); // it may still be writing its last lines
        }
        ContainerState s = e.state() != null ? e.state()
                : new ContainerState(e.name(), "?", 0, 0, 0, 0, 0, 0, null, List.of(), 0);
        return containers.removeAbandoned(s, new dev.cwb.kernel.Syscalls(dev.cwb.kernel.SyscallListener.NONE), anonymousVolumes);
    }

    /** Waits (up to 10 s) until the shim of {@code e} has let go of its workspace. */
    public void waitForShimGone(Entry e) throws InterruptedException {
        waitForShim(e, 10_000);
    }

    private static boolean waitForShim(Entry e, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (InUseMarker.inUse(e.dir())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** The shim, by pid and start time (never a reused pid), when it will not end by itself. */
    private static void killShim(Entry e) throws InterruptedException {
        int pid = (int) e.detached().shimPid();
        if (pid > 0 && HostPids.startMillis(pid) == e.detached().shimStart()) {
            Kernel.killQuietly(pid);
            waitForShim(e, 5_000);
        }
    }

    /** {@code 5 seconds}, {@code About a minute}, {@code 3 hours}: Docker's words for a duration. */
    static String human(long millis) {
        long s = Math.max(0, millis) / 1000;
        if (s < 1) {
            return "Less than a second";
        }
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        long m = s / 60;
        if (m == 1) {
            return "About a minute";
        }
        if (m < 60) {
            return m + " minutes";
        }
        long h = m / 60;
        if (h == 1) {
            return "About an hour";
        }
        return h < 48 ? h + " hours" : h / 24 + " days";
    }
}
