package dev.cwb.container;

import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a container's command reads and writes. On a terminal it gets a terminal of its own container
 * ({@link ContainerTerminal}: a pty made in the container's devpts, relayed to the workbench's terminal
 * and screen stream, as {@code docker run -it} does), so a shell inside is interactive, Ctrl-C reaches it,
 * and a recording holds what it shows. ({@link #terminal(java.io.PrintWriter, Containers)} without a screen
 * stream hands over the workbench's terminal itself instead: descriptors 0, 1 and 2, inherited through
 * cwb-init.) Otherwise — a script, a pipe, a test, a lesson being verified — it gets /dev/null for input
 * and pipes for output, which {@link BytePump}s copy byte for byte to the workbench's standard output and
 * error streams: {@code ./cwb run IMAGE cmd | sha256sum} digests exactly what {@code cmd} wrote.
 */
public final class Stdio implements AutoCloseable {
    private final boolean terminal;
    private final int[] childFds;
    private final List<BytePump> pumps = new ArrayList<>();
    private final java.io.PrintWriter notes;
    private final Containers sentinels;
    private final OutputStream screen;
    private final String term;
    private ContainerTerminal pty;
    private Container.Tracer held;

    private Stdio(boolean terminal, int[] childFds, java.io.PrintWriter notes, Containers sentinels, OutputStream screen, String term) {
        this.terminal = terminal;
        this.childFds = childFds;
        this.notes = notes;
        this.sentinels = sentinels;
        this.screen = screen;
        this.term = term;
    }

    /**
     * The workbench's own terminal; {@code notes} is where the workbench says what became of a Ctrl-C the
     * command did not answer, and {@code containers} starts the sentinels that notice it ({@link TerminalCtrlC}).
     */
    public static Stdio terminal(java.io.PrintWriter notes, Containers containers) {
        return terminal(notes, containers, null, null);
    }

    /**
     * The same, where a container's own terminal ({@link #takeContainerTerminal}) shows its output on
     * {@code screen} (the workbench's screen stream, which a recording taps) and {@code term} is the host's
     * {@code TERM}, given to the command as its own (null: {@code xterm}, as Docker's {@code -t}).
     */
    public static Stdio terminal(java.io.PrintWriter notes, Containers containers, OutputStream screen, String term) {
        return new Stdio(true, null, notes, containers, screen, term == null || term.isBlank() ? "xterm" : term);
    }

    /** /dev/null in, pipes out, their bytes copied unchanged to {@code out} and {@code err}. */
    public static Stdio pipes(OutputStream out, OutputStream err) throws SyscallException {
        int[] o = Kernel.pipe();
        int[] e = Kernel.pipe();
        int nul = Kernel.openDevNull();
        Stdio s = new Stdio(false, new int[] {nul, o[1], e[1]}, null, null, null, null);
        s.pumps.add(BytePump.start("cwb-container-stdout", o[0], out));
        s.pumps.add(BytePump.start("cwb-container-stderr", e[0], err));
        return s;
    }

    public boolean isTerminal() {
        return terminal;
    }

    /** The TERM the command gets with a terminal (the host's), or null for pipes. */
    public String term() {
        return terminal ? term : null;
    }

    /**
     * On a terminal: a pty made in {@code c}'s own devpts ({@code /dev/pts/ptmx} inside its root, reached
     * from the host through {@code /proc/PID/root}), its slave received by the container's current process
     * (a traced recvmsg) and made its descriptors 0, 1 and 2 (traced dup3s). The process must then call
     * setsid(2) and ioctl(TIOCSCTTY) itself ({@code ExecStep.prepare} with a session). False, and nothing
     * done, for pipes or when no screen stream was given.
     */
    boolean takeContainerTerminal(Container c) throws SyscallException {
        return takeContainerTerminal(c, c.current(), c.calls());
    }

    /**
     * The same for {@code process} (a clone about to exec, whose calls are {@code calls}): a pty of the
     * container's devpts when its root has one mounted, else of the host's {@code /dev/ptmx} (step mode
     * before {@code mount dev}: the command still gets a terminal, but one of the host's devpts).
     */
    boolean takeContainerTerminal(Container c, dev.cwb.kernel.InitProcess process, dev.cwb.kernel.Syscalls calls) throws SyscallException {
        if (!terminal || screen == null || pty != null) {
            return false;
        }
        java.nio.file.Path ptmx = java.nio.file.Path.of(c.rootSeenFromHost() + c.pathInside("/dev/pts/ptmx"));
        java.nio.file.Path from = java.nio.file.Files.exists(ptmx) ? ptmx : java.nio.file.Path.of("/dev/ptmx");
        return takeTerminal(() -> ContainerTerminal.open(from, screen), process, calls);
    }

    /**
     * The same for a process about to exec in a running container whose root the host reaches as
     * {@code root} ({@code /proc/PID1/root}): a pty of that container's devpts, {@code dev/pts} resolved
     * inside the root ({@link dev.cwb.kernel.Pty#openInRoot}), since the container's own processes have
     * had their hands on that tree. {@code exec NAME sh} at a terminal, as {@code docker exec -it}.
     */
    boolean takeTerminalOfRunning(java.nio.file.Path root, dev.cwb.kernel.InitProcess process, dev.cwb.kernel.Syscalls calls)
            throws SyscallException {
        if (!terminal || screen == null || pty != null) {
            return false;
        }
        return takeTerminal(() -> ContainerTerminal.openInRoot(root, screen), process, calls);
    }

    private interface Opener {
        ContainerTerminal open() throws SyscallException;
    }

    private boolean takeTerminal(Opener opener, dev.cwb.kernel.InitProcess process, dev.cwb.kernel.Syscalls calls) throws SyscallException {
        try {
            pty = opener.open();
        } catch (SyscallException e) {
            notes.println("note: no terminal of the container's own (" + e.getMessage() + "): " + "the command gets the workbench's");
            notes.flush();
            return false;
        }
        int[] received = process.passDescriptors(calls, new int[] {pty.slave()});
        pty.slaveHandedOver();
        for (int fd = 0; fd < 3; fd++) {
            calls.dup3(received[0], fd);
        }
        calls.close(received[0]);
        return true;
    }

    /** The container's own terminal, once taken; null before, for pipes and for the workbench's terminal. */
    ContainerTerminal containerTerminal() {
        return pty;
    }

    /**
     * Makes process group {@code pgrp} the one the keyboard reaches, before the command's execve: with the
     * workbench's own terminal, it is made the terminal's foreground group (tcsetpgrp); with a container's
     * own terminal, that pty's foreground group is already the command's (setsid, TIOCSCTTY): raw input and
     * the key relay start here, and {@link #startRelay} (raw output, the output relay) follows the execve.
     */
    void foreground(int pgrp) {
        if (pty != null) {
            pty.startInput(); // keys (and Ctrl-C) go to the pty from now on
        } else if (terminal) {
            Kernel.giveTerminalTo(0, pgrp);
        }
    }

    /**
     * With a container's own terminal, once the command's execve has succeeded (and been traced): the
     * workbench's terminal stops processing output and the output relay starts. Not before, so that no line
     * the workbench prints about the set-up meets a screen without output processing
     * ({@link dev.cwb.kernel.Pty#rawOutput}); what the command writes meanwhile waits in the pty.
     */
    void startRelay(Container.Tracer tracer) {
        if (pty != null) {
            held = tracer;
            tracer.hold(); // its lines wait until the relay has ended (drain, close)
            pty.startOutput();
        }
    }

    private void releaseTrace() {
        Container.Tracer t = held;
        held = null;
        if (t != null) {
            t.release();
        }
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
        if (pty != null) {
            pty.drain(millis);
            releaseTrace();
        }
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
        if (pty != null) {
            pty.close();
            releaseTrace();
        }
    }
}
