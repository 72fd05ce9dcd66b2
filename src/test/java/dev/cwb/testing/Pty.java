package dev.cwb.testing;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.Memory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program on a real pseudo-terminal, as a learner runs it in a terminal window or tmux: the test holds
 * the master side, the program gets the slave as its standard streams and controlling terminal (through
 * {@code setsid --ctty}), so the kernel's line discipline turns a typed Ctrl-C (byte 3) into SIGINT for
 * the terminal's foreground process group. SIGINT starts at its default action
 * ({@code env --default-signal=INT}): a test JVM started in the background may have it ignored, and an
 * ignored signal stays ignored across execve.
 */
public final class Pty implements AutoCloseable {
    interface C extends Library {
        int posix_openpt(int flags);

        int grantpt(int fd);

        int unlockpt(int fd);

        String ptsname(int fd);

        int ioctl(int fd, long request, Pointer arg);

        long read(int fd, byte[] buf, long count);

        long write(int fd, byte[] buf, long count);

        int close(int fd);
    }

    private static final C LIBC = Native.load(Platform.C_LIBRARY_NAME, C.class);
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0400;
    private static final long TIOCSWINSZ = 0x5414;

    private final int master;
    private final Process process;
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Thread reader;

    private Pty(int master, Process process) {
        this.master = master;
        this.process = process;
        this.reader = new Thread(this::readScreen, "pty-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} on a new 120x40 terminal of type xterm-256color, with {@code env} added to this JVM's environment. */
    public static Pty start(List<String> command, Map<String, String> env, Path dir) throws IOException {
        return start(command, env, dir, 120, 40);
    }

    /** The same on a terminal of {@code columns} x {@code rows} (a projector's 80 columns, say). */
    public static Pty start(List<String> command, Map<String, String> env, Path dir, int columns, int rows) throws IOException {
        Requirements.requireLinux();
        Requirements.requireCommand("setsid", "util-linux");
        int master = LIBC.posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || LIBC.grantpt(master) != 0 || LIBC.unlockpt(master) != 0) {
            throw new IOException("no pseudo-terminal: errno " + Native.getLastError());
        }
        try (Memory size = new Memory(8)) {
            size.setShort(0, (short) rows);
            size.setShort(2, (short) columns);
            size.setShort(4, (short) 0);
            size.setShort(6, (short) 0);
            LIBC.ioctl(master, TIOCSWINSZ, size);
        }
        File slave = new File(LIBC.ptsname(master));
        List<String> argv = new ArrayList<>(List.of("env", "--default-signal=INT", "setsid", "--ctty"));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(slave).redirectOutput(slave).redirectError(slave);
        pb.environment().putAll(env);
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().remove("NO_COLOR");
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        return new Pty(master, pb.start());
    }

    private void readScreen() {
        byte[] buf = new byte[8192];
        long n;
        while ((n = LIBC.read(master, buf, buf.length)) > 0) {
            synchronized (screen) {
                screen.write(buf, 0, (int) n);
            }
        }
        // EIO: every holder of the slave side is gone
    }

    /** Resizes the terminal, as dragging the window's corner does (TIOCSWINSZ on the master: SIGWINCH to its foreground group). */
    public Pty resize(int columns, int rows) {
        try (Memory size = new Memory(8)) {
            size.setShort(0, (short) rows);
            size.setShort(2, (short) columns);
            size.setShort(4, (short) 0);
            size.setShort(6, (short) 0);
            if (LIBC.ioctl(master, TIOCSWINSZ, size) != 0) {
                throw new AssertionError("could not resize the terminal: errno " + Native.getLastError());
            }
        }
        return this;
    }

    /** Types {@code keys}: {@code \n} is Enter, {@code \u0003} is Ctrl-C. */
    public Pty type(String keys) {
        byte[] b = keys.getBytes(StandardCharsets.UTF_8);
        if (LIBC.write(master, b, b.length) != b.length) {
            throw new AssertionError("could not type into the terminal: errno " + Native.getLastError());
        }
        return this;
    }

    /** Everything the terminal received so far, escape sequences included. */
    public String rawScreen() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    /** What the terminal shows so far, escape sequences and carriage returns removed. */
    public String screen() {
        String raw;
        synchronized (screen) {
            raw = screen.toString(StandardCharsets.UTF_8);
        }
        return raw.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]|\u001b[=>]", "").replace("\r", "");
    }

    /** Waits until the screen shows {@code text} at least {@code times} times; returns the screen. */
    public String awaitScreen(String text, int times, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (count(screen(), text) < times) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("within " + limit.toSeconds() + " s the terminal never showed '" + text + "' " + times
                        + " time(s); it shows:\n" + screen());
            }
            Thread.sleep(20);
        }
        return screen();
    }

    /** How often {@code text} is on the screen. */
    public int count(String text) {
        return count(screen(), text);
    }

    /** Waits for the program to end; its exit code. */
    public int waitFor(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the program did not end within " + limit.toSeconds() + " s; the terminal shows:\n" + screen());
        }
        return process.exitValue();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Kills the program if it still runs, and closes the master side. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        LIBC.close(master);
        reader.join(2000);
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
