package dev.cwb.container;

import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.Pty;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A container's own terminal, put between its command and the workbench's: what {@code docker run -t}
 * gives (runc's console: a pty made in the container's devpts, the slave as the command's standard streams
 * and controlling terminal, the master kept by the runtime). The command sees a real terminal of its
 * container — {@code tty} prints {@code /dev/pts/0}, a shell has job control — and every byte it shows
 * passes through the workbench on its way to the screen, so a {@code :record} recording holds it too.
 *
 * <p>While the command runs, the workbench's terminal is raw ({@link Pty#rawInput}: input and output, so
 * the inner pty's {@code \r\n} is not made {@code \r\r\n}) and two threads relay: keys from descriptor 0 to the master (Ctrl-C is byte 3 there, which the pty's own line
 * discipline turns into SIGINT for the command's foreground group, and which is also reported to
 * {@link TerminalCtrlC}), and the master's output, byte for byte, to the workbench's screen stream. The
 * pty starts with the window size of the workbench's terminal and follows it when the window is resized.
 * The output ends with EIO once no process holds the slave any more (pty(7)).
 */
public final class ContainerTerminal implements AutoCloseable {
    private static final int POLL_MILLIS = 50;
    private static final int KEYBOARD = 0;
    private final Pty.Pair pair;
    private int slave;
    private final OutputStream screen;
    private volatile Runnable ctrlC = () -> { };
    private volatile boolean stopped;
    private Thread input;
    private Thread output;
    private byte[] savedTerminal;
    private boolean closed;
    private Thread restoreOnExit;
    private int windowSize = -1; // the workbench terminal's rows and columns last given to the pty

    private ContainerTerminal(Pty.Pair pair, OutputStream screen) {
        this.pair = pair;
        this.slave = pair.slave();
        this.screen = screen;
    }

    /**
     * Makes a pty from {@code ptmx} (the container's {@code /dev/pts/ptmx} as the host reaches it) with the
     * window size of the workbench's terminal; its output will go to {@code screen}.
     */
    static ContainerTerminal open(Path ptmx, OutputStream screen) throws SyscallException {
        Pty.Pair pair = Pty.open(ptmx);
        ContainerTerminal t = new ContainerTerminal(pair, screen);
        t.windowSize = Pty.copyWindowSize(KEYBOARD, pair.master(), -1);
        return t;
    }

    /**
     * The same from the devpts of a running container whose root the host reaches as {@code root}
     * ({@link Pty#openInRoot}: {@code dev/pts} resolved inside that root).
     */
    static ContainerTerminal openInRoot(Path root, OutputStream screen) throws SyscallException {
        Pty.Pair pair = Pty.openInRoot(root);
        ContainerTerminal t = new ContainerTerminal(pair, screen);
        t.windowSize = Pty.copyWindowSize(KEYBOARD, pair.master(), -1);
        return t;
    }

    /** The slave, to be handed to the command (then {@link #slaveHandedOver()}). */
    int slave() {
        return slave;
    }

    /** {@code /dev/pts/N}: the slave's name inside the container. */
    String nameInside() {
        return "/dev/pts/" + pair.number();
    }

    /** Closes this JVM's copy of the slave: from now on only the container holds it. */
    void slaveHandedOver() {
        Kernel.close(slave);
        slave = -1;
    }

    /** Where a typed Ctrl-C (byte 3) is reported, besides reaching the pty. */
    void onCtrlC(Runnable pressed) {
        this.ctrlC = pressed;
    }

    /**
     * Raw input mode on the workbench's terminal and the key relay: called before the command's execve, so
     * that no key (a Ctrl-C above all) typed from then on reaches the workbench instead of the pty.
     */
    synchronized void startInput() {
        if (input != null || closed) {
            return;
        }
        savedTerminal = Pty.rawInput(KEYBOARD);
        byte[] saved = savedTerminal;
        restoreOnExit = new Thread(() -> Pty.restore(KEYBOARD, saved), "cwb-pty-restore");
        try {
            Runtime.getRuntime().addShutdownHook(restoreOnExit); // SIGTERM or SIGHUP mid-command: the terminal is not left raw
        } catch (IllegalStateException shuttingDown) {
            restoreOnExit = null;
        }
        input = new Thread(this::relayInput, "cwb-pty-input");
        input.setDaemon(true);
        input.start();
    }

    /**
     * No output processing on the workbench's terminal ({@link Pty#rawOutput}) and the output relay: called
     * once the execve has succeeded and its trace line is on the screen. What the command wrote before
     * waited in the pty.
     */
    synchronized void startOutput() {
        startInput();
        if (output != null || closed) {
            return;
        }
        if (savedTerminal != null) {
            Pty.rawOutput(KEYBOARD);
        }
        output = new Thread(this::relayOutput, "cwb-pty-output");
        output.setDaemon(true);
        output.start();
    }

    private void relayInput() {
        byte[] buf = new byte[4096];
        while (!stopped) {
            // a resized window: the pty gets the new size, and its foreground group SIGWINCH, within a poll
            windowSize = Pty.copyWindowSize(KEYBOARD, pair.master(), windowSize);
            if (!Pty.readable(KEYBOARD, POLL_MILLIS) || stopped) {
                continue;
            }
            long n = Kernel.read(KEYBOARD, buf);
            if (n <= 0) {
                if (n < 0 && Kernel.interruptedCall()) {
                    continue;
                }
                return; // the workbench's terminal is gone
            }
            if (!Pty.writeAll(pair.master(), buf, (int) n)) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] == 3) {
                    ctrlC.run();
                }
            }
        }
    }

    private void relayOutput() {
        byte[] buf = new byte[BytePump.BUFFER];
        while (true) {
            if (!Pty.readable(pair.master(), POLL_MILLIS)) {
                if (stopped) {
                    return;
                }
                continue;
            }
            long n = Kernel.read(pair.master(), buf);
            if (n < 0 && Kernel.interruptedCall()) {
                continue;
            }
            if (n <= 0) {
                return; // EIO: every holder of the slave is gone
            }
            try {
                screen.write(buf, 0, (int) n);
                screen.flush();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Waits up to {@code millis} for the output to end (the container's last process gone), then stops relaying. */
    void drain(long millis) throws InterruptedException {
        Thread o;
        synchronized (this) {
            o = output;
        }
        if (o != null) {
            o.join(Math.max(1, millis));
        }
        close();
    }

    /** Stops both relays, gives the workbench's terminal its settings back and closes the master. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopped = true;
        boolean interrupted = Thread.interrupted();
        try {
            for (Thread t : new Thread[] {input, output}) {
                if (t != null) {
                    t.join(2000);
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            Pty.restore(KEYBOARD, savedTerminal);
            if (restoreOnExit != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(restoreOnExit);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
            if (slave >= 0) {
                Kernel.close(slave);
                slave = -1;
            }
            Kernel.close(pair.master());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
