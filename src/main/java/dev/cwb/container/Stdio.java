package dev.cwb.container;

import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a container's command reads and writes. On a terminal it gets the terminal itself (descriptors
 * 0, 1 and 2 of the workbench, inherited through cwb-init), so a shell inside is interactive and Ctrl-C
 * reaches it. Otherwise — a script, a test, a lesson being verified — it gets /dev/null for input and
 * pipes for output, which this class copies to the workbench's writers.
 */
public final class Stdio implements AutoCloseable {
    private final boolean terminal;
    private final int[] childFds;
    private final List<Thread> copiers = new ArrayList<>();
    private Stdio(boolean terminal, int[] childFds) {
        this.terminal = terminal;
        this.childFds = childFds;
    }

    /** The workbench's own terminal. */
    public static Stdio terminal() {
        return new Stdio(true, null);
    }

    /** /dev/null in, pipes out, copied to {@code out} and {@code err}. */
    public static Stdio pipes(PrintWriter out, PrintWriter err) throws SyscallException {
        int[] o = Kernel.pipe();
        int[] e = Kernel.pipe();
        int nul = Kernel.openDevNull();
        Stdio s = new Stdio(false, new int[] {nul, o[1], e[1]});
        s.copy(o[0], out, "stdout");
        s.copy(e[0], err, "stderr");
        return s;
    }

    public boolean isTerminal() {
        return terminal;
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

    private void copy(int fd, PrintWriter to, String what) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
            long n;
            while ((n = Kernel.read(fd, buf)) > 0) {
                pending.write(buf, 0, (int) n);
                // write out whole UTF-8 sequences only: keep an incomplete tail for the next read
                byte[] all = pending.toByteArray();
                int end = completeUtf8(all);
                to.write(new String(all, 0, end, StandardCharsets.UTF_8));
                to.flush();
                pending.reset();
                pending.write(all, end, all.length - end);
            }
            if (pending.size() > 0) {
                to.write(pending.toString(StandardCharsets.UTF_8));
                to.flush();
            }
            Kernel.close(fd); // at end of file: every writer (the command, what it left running) is gone
        }, "cwb-container-" + what);
        t.setDaemon(true);
        t.start();
        copiers.add(t);
    }

    private static int completeUtf8(byte[] b) {
        int end = b.length;
        for (int back = 1; back <= 3 && end - back >= 0; back++) {
            int c = b[end - back] & 0xff;
            if ((c & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for the lead byte
            }
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? end - back : end;
        }
        return end;
    }

    /**
     * Waits until every writer of the pipes is gone (the command and anything it left running), for at
     * most {@code millis} in all: a background process that keeps the pipes open delays the prompt once,
     * not once per pipe.
     */
    public void drain(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        for (Thread t : copiers) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return;
            }
            t.join(left);
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
