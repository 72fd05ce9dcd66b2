package dev.cwb.container;

import dev.cwb.kernel.InitProcess;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.WaitStatus;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ctrl-C while a container's command holds the terminal ({@link Stdio#terminal}).
 *
 * <p>With a container's own terminal ({@link ContainerTerminal}) the workbench relays every key and so sees
 * each Ctrl-C itself, which the pty turns into SIGINT for the command; the rest is the same. With the
 * workbench's own terminal handed to the command:
 *
 * <p>The terminal sends SIGINT to its foreground process group, which is then the command's: the
 * workbench's own group is in the background and hears nothing. So the first Ctrl-C goes to the command,
 * as in any terminal. But PID 1 of a PID namespace gets no signal it has no handler for (the kernel drops
 * it: pid_namespaces(7), as for {@code docker run} of {@code sleep}), and a program may ignore SIGINT; then
 * nothing happens and the learner would be stuck. To know of the key at all, the workbench keeps a
 * <em>sentinel</em> in the command's group: a cwb-init that only waits, which SIGINT ends (its default
 * action). When a press changed nothing and the command has no SIGINT handler of its own, the workbench says
 * why, and a second Ctrl-C within {@link #WINDOW_MILLIS} kills the command with SIGKILL, which the kernel
 * delivers even to PID 1. A command that handles SIGINT itself (a shell at its prompt, an editor) keeps
 * every Ctrl-C, and a shell's foreground job is a group of its own, without the sentinel.
 */
public final class TerminalCtrlC implements AutoCloseable {
    /** How long a second Ctrl-C stops the command after the explanation. */
    public static final long WINDOW_MILLIS = 3000;
    /** How long the command has to act on a Ctrl-C before the workbench looks at what it did. */
    static final long SETTLE_MILLIS = 300;
    private static final int SIGINT = 2;

    /** How the command ended, and whether the second Ctrl-C killed it. */
    public record Ending(WaitStatus status, boolean killed) {
    }

    private final BlockingQueue<Long> presses = new LinkedBlockingQueue<>();
    private final PrintWriter notes;
    private final Sentinel sentinel;
    /** How the workbench's own lines end: {@code \r\n} while a container's pty is relayed (the screen is raw, no OPOST). */
    private final String eol;

    private TerminalCtrlC(Stdio terminal, int pgroup) {
        this.notes = terminal.notes();
        ContainerTerminal own = terminal.containerTerminal();
        this.eol = own != null ? "\r\n" : System.lineSeparator();
        if (own != null) {
            // the keys pass through the workbench on their way to the container's pty: it sees each Ctrl-C itself
            this.sentinel = null;
            own.onCtrlC(() -> presses.add(System.nanoTime()));
        } else {
            this.sentinel = Sentinel.watch(terminal.sentinels(), pgroup, () -> presses.add(System.nanoTime()));
        }
    }

    /**
     * Starts watching process group {@code pgroup}, a command's that is about to get the terminal: call it
     * after the command's setpgid and before the terminal is handed over, so that no Ctrl-C goes unseen
     * (the first sentinel is in the group when this returns).
     */
    static TerminalCtrlC watch(Stdio terminal, int pgroup) {
        return new TerminalCtrlC(terminal, pgroup);
    }

    /**
     * Waits for {@code ended} (the command's end), answering Ctrl-C as above. {@code pid} is the command's
     * host pid and the leader of the watched group; {@code pid1} says whether it is PID 1 of its namespace.
     * An interrupt of this thread is passed on as {@link InterruptedException}.
     */
    Ending await(CompletableFuture<WaitStatus> ended, int pid, boolean pid1) throws InterruptedException, ExecutionException {
        long armedUntil = 0;
        while (true) {
            Long press = presses.poll(50, TimeUnit.MILLISECONDS);
            if (ended.isDone()) {
                return new Ending(ended.get(), false);
            }
            if (press == null) {
                continue;
            }
            if (press < armedUntil) {
                notes.print("\r^C: stopping " + comm(pid) + " with SIGKILL" + eol);
                notes.flush();
                Kernel.killQuietly(pid); // SIGKILL: no handler needed, none can refuse it, not even PID 1
                return new Ending(ended.get(), true);
            }
            try {
                return new Ending(ended.get(SETTLE_MILLIS, TimeUnit.MILLISECONDS), false);
            } catch (TimeoutException stillThere) {
                // it did not end: why, unless it handled the key itself
            }
            String why = whyNothingHappened(pid, pid1);
            if (why != null) {
                notes.print("\r" + why + " — Ctrl-C again within " + WINDOW_MILLIS / 1000 + " s stops it with SIGKILL" + eol);
                notes.flush();
                presses.clear();
                armedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WINDOW_MILLIS);
            }
        }
    }

    /** Ends the sentinel. */
    @Override
    public void close() {
        if (sentinel != null) {
            sentinel.close();
        }
    }

    /** Why a Ctrl-C left {@code pid} running, or null when it has a handler for SIGINT (its own business). */
    static String whyNothingHappened(int pid, boolean pid1) {
        String name = comm(pid);
        return switch (disposition(pid, SIGINT)) {
            case HANDLED, BLOCKED -> null;
            case IGNORED -> "^C: " + name + " ignores SIGINT (its disposition is SIG_IGN), so Ctrl-C does nothing to it";
            case DEFAULT -> pid1
                    ? "^C: " + name + " is PID 1 of its PID namespace and has no handler for SIGINT: the kernel drops every "
                    + "signal PID 1 does not handle (as in Docker), so Ctrl-C did nothing"
                    : "^C: " + name + " did not stop";
        };
    }

    /**
     * What a process does with a signal. BLOCKED: it keeps the signal pending and takes it itself
     * (rt_sigtimedwait), as {@code --init}'s cwb-pid1 does — a blocked signal is never dropped, even for PID 1.
     */
    enum Disposition { DEFAULT, IGNORED, HANDLED, BLOCKED }

    /** What {@code pid} does with signal {@code sig}, from the SigCgt, SigIgn and SigBlk masks of /proc/PID/status. */
    static Disposition disposition(int pid, int sig) {
        long bit = 1L << (sig - 1);
        try {
            long caught = 0;
            long ignored = 0;
            long blocked = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith("SigBlk:")) {
                    blocked = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                } else if (line.startsWith("SigCgt:")) {
                    caught = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                } else if (line.startsWith("SigIgn:")) {
                    ignored = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                }
            }
            return (caught & bit) != 0 ? Disposition.HANDLED : (blocked & bit) != 0 || waitsFor(pid, bit) ? Disposition.BLOCKED
                    : (ignored & bit) != 0 ? Disposition.IGNORED : Disposition.DEFAULT;
        } catch (IOException | RuntimeException e) {
            return Disposition.HANDLED; // gone already, or unreadable: say nothing
        }
    }

    /**
     * Whether {@code pid} sits in rt_sigtimedwait(2) waiting for the signal {@code bit}: while it waits, the
     * kernel takes the awaited signals out of its blocked mask (SigBlk shows them unblocked) and keeps the real
     * mask aside ({@code real_blocked}, which /proc does not show), so the call and its set are read instead:
     * {@code /proc/PID/syscall} (the call's number and arguments) and the set's 8 bytes at its first argument
     * in {@code /proc/PID/mem} (both need the rights of ptrace, which root has).
     */
    static boolean waitsFor(int pid, long bit) {
        try {
            String[] call = Files.readString(Path.of("/proc", Integer.toString(pid), "syscall")).strip().split(" ");
            if (call.length < 2 || !call[0].equals(Long.toString(dev.cwb.kernel.SyscallNumber.RT_SIGTIMEDWAIT.number()))) {
                return false;
            }
            long set = Long.parseUnsignedLong(call[1].substring(2), 16);
            try (java.io.RandomAccessFile mem = new java.io.RandomAccessFile("/proc/" + pid + "/mem", "r")) {
                mem.seek(set);
                return (Long.reverseBytes(mem.readLong()) & bit) != 0; // the set is a little-endian 64-bit word
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "the command";
        }
    }

    /**
     * The sentinel: a cwb-init in process group {@code pgroup}, replaced by a fresh one each time SIGINT ends
     * it, on a thread that waits for it (waitpid(2)) and reports each such end.
     */
    static final class Sentinel implements AutoCloseable {
        private final Thread thread;
        private InitProcess current; // guarded by this
        private boolean closed; // guarded by this

        private Sentinel(Containers containers, int pgroup, Runnable pressed, InitProcess first) {
            this.current = first;
            thread = new Thread(() -> loop(containers, pgroup, pressed), "cwb-ctrl-c " + pgroup);
            thread.setDaemon(true);
        }

        /** Starts the first sentinel on this thread (in place on return), then the thread that replaces it. */
        static Sentinel watch(Containers containers, int pgroup, Runnable pressed) {
            InitProcess first;
            try {
                first = containers.sentinel(pgroup);
            } catch (Exception e) {
                first = null; // no group to join (the command is gone already): nothing to watch
            }
            Sentinel s = new Sentinel(containers, pgroup, pressed, first);
            if (first != null) {
                s.thread.start();
            }
            return s;
        }

        private void loop(Containers containers, int pgroup, Runnable pressed) {
            while (true) {
                InitProcess p;
                synchronized (this) {
                    p = current;
                }
                int status = p.reap();
                p.close();
                synchronized (this) {
                    current = null;
                    if (closed) {
                        return;
                    }
                }
                WaitStatus w = new WaitStatus(status);
                if (status == -1 || !w.signaled()) {
                    return; // it exited: its socket was closed, nothing more to watch
                }
                if (w.signal() == SIGINT) {
                    pressed.run();
                }
                try {
                    p = containers.sentinel(pgroup); // fails once the group is gone (the command ended)
                } catch (Exception e) {
                    return;
                }
                synchronized (this) {
                    if (closed) {
                        p.close();
                        p.kill();
                        p.reap();
                        return;
                    }
                    current = p;
                }
            }
        }

        /** Ends the sentinel and waits for its thread. */
        @Override
        public void close() {
            synchronized (this) {
                closed = true;
                if (current != null) {
                    current.kill();
                }
            }
            boolean interrupted = Thread.interrupted();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
