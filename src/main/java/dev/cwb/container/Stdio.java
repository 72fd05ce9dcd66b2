package dev.cwb.container;

import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a container's command reads and writes. On a terminal it gets the terminal itself (descriptors
 * 0, 1 and 2 of the workbench, inherited through cwb-init), so a shell inside is interactive and Ctrl-C
 * reaches it. Otherwise — a script, a pipe, a test, a lesson being verified — it gets /dev/null for input
 * and pipes for output, which {@link BytePump}s copy byte for byte to the workbench's standard output and
 * error streams: {@code ./cwb run IMAGE cmd | sha256sum} digests exactly what {@code cmd} wrote.
 */
public final class Stdio implements AutoCloseable {
    private final boolean terminal;
    private final int[] childFds;
    private final List<BytePump> pumps = new ArrayList<>();
    private final java.io.PrintWriter notes;
    private final Containers sentinels;

    private Stdio(boolean terminal, int[] childFds, java.io.PrintWriter notes, Containers sentinels) {
        this.terminal = terminal;
        this.childFds = childFds;
        this.notes = notes;
        this.sentinels = sentinels;
    }

    /**
     * The workbench's own terminal; {@code notes} is where the workbench says what became of a Ctrl-C the
     * command did not answer, and {@code containers} starts the sentinels that notice it ({@link TerminalCtrlC}).
     */
    public static Stdio terminal(java.io.PrintWriter notes, Containers containers) {
        return new Stdio(true, null, notes, containers);
    }

    /** /dev/null in, pipes out, their bytes copied unchanged to {@code out} and {@code err}. */
    public static Stdio pipes(OutputStream out, OutputStream err) throws SyscallException {
        int[] o = Kernel.pipe();
        int[] e = Kernel.pipe();
        int nul = Kernel.openDevNull();
        Stdio s = new Stdio(false, new int[] {nul, o[1], e[1]}, null, null);
        s.pumps.add(BytePump.start("cwb-container-stdout", o[0], out));
        s.pumps.add(BytePump.start("cwb-container-stderr", e[0], err));
        return s;
    }

    public boolean isTerminal() {
        return terminal;
    }

    /** Where the workbench's notes about the terminal go (null for pipes). */
    java.io.PrintWriter notes() {
        return notes;
    }

    /** Who starts Ctrl-C sentinels (null for pipes). */
    Containers sentinels() {
        return sentinels;
    }

    /** The descriptors the command gets as 0, 1, 2; null for the terminal (inherited as they are). */
    public int[] childFds() {
        return childFds == null ? null : childFds.clone();
    }

    /** Closes this JVM's copies of the command's ends: call once the command holds them. */
    public void handedOver() {
        if (childFds != null) {
            for (int i = 0; i < childFds.length; i++) {
                Kernel.close(childFds[i]);
                childFds[i] = -1;
            }
        }
    }

    /**
     * Waits until every writer of the pipes is gone (the command and anything it left running), for at
     * most {@code millis} in all: a background process that keeps the pipes open delays the prompt once,
     * not once per pipe.
     */
    public void drain(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        for (BytePump p : pumps) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0 || !p.await(left)) {
                return;
            }
        }
    }

    /**
     * Closes this JVM's copies of the command's ends. The read ends close themselves at end of file, once
     * every process holding a write end has ended (removing the container ends them all).
     */
    @Override
    public void close() {
        handedOver();
    }
}
