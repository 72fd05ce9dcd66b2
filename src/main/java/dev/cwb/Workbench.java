package dev.cwb;

import dev.cwb.container.Containers;

import dev.cwb.image.ImageStore;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The state one workbench session shares between its commands: where its files live, where it prints,
 * and the stores it has opened. Commands receive it; nothing else is global.
 */
public final class Workbench {
    private final WorkbenchHome home;
    private PrintWriter out;
    private PrintWriter err;
    private java.io.OutputStream outBytes;
    private java.io.OutputStream errBytes;
    private java.io.OutputStream rawStream;
    private java.util.function.BooleanSupplier rawCheck;
    private Boolean raw;
    private boolean debug;
    private boolean color;
    private boolean unicode = defaultUnicode();
    private int terminalWidth;
    private ImageStore images;
    private Containers containers;
    private Boolean terminalStdio = false;
    private java.util.function.BooleanSupplier terminalStdioCheck = () -> false;
    private boolean rootless;
    private volatile String registryMirror;

    public Workbench(WorkbenchHome home, PrintWriter out, PrintWriter err) {
        this.home = home;
        setOutput(out, err);
    }

    /**
     * The environment that registry settings are read from: this process's, except that a mirror set with
     * {@link #setRegistryMirror} takes the place of {@code CWB_REGISTRY_MIRROR}.
     */
    public java.util.Map<String, String> registryEnvironment() {
        String mirror = registryMirror;
        if (mirror == null) {
            return System.getenv();
        }
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("CWB_REGISTRY_MIRROR", mirror);
        return env;
    }

    /** Where this session's pulls from Docker Hub go instead ({@code lessons verify}: its loopback registry); null: the environment's. */
    public void setRegistryMirror(String url) {
        this.registryMirror = url;
    }

    public WorkbenchHome home() {
        return home;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    /**
     * Redirects output to writers that take text only (a test's, a lesson check's): bytes passed through
     * to them, such as a container's output, are decoded as UTF-8 on the way ({@link dev.cwb.view.DecodingOutputStream}).
     */
    public void setOutput(PrintWriter out, PrintWriter err) {
        setOutput(out, err, new dev.cwb.view.DecodingOutputStream(out), new dev.cwb.view.DecodingOutputStream(err));
    }

    /**
     * Redirects output: {@code out} and {@code err} for the workbench's own lines, {@code outBytes} and
     * {@code errBytes} for bytes it passes through unchanged (a container's standard output and error, a
     * file's content) to the same places. Whoever writes bytes flushes the writer first, so the order holds.
     */
    public void setOutput(PrintWriter out, PrintWriter err, java.io.OutputStream outBytes, java.io.OutputStream errBytes) {
        this.out = out;
        this.err = err;
        this.outBytes = outBytes;
        this.errBytes = errBytes;
    }

    /** Standard output as bytes: what a container writes there, unchanged. Flush {@link #out()} before writing. */
    public java.io.OutputStream outBytes() {
        return outBytes;
    }

    /** Standard error as bytes. Flush {@link #err()} before writing. */
    public java.io.OutputStream errBytes() {
        return errBytes;
    }

    /**
     * True when standard output is a file or a pipe, not a screen: {@code cat} then writes a file's bytes
     * as they are, where a screen gets them escaped ({@code ./cwb cat IMAGE FILE > copy} is the file).
     * It holds only while {@link #outBytes()} is the stream {@link #setRawOutput} was told about; false for
     * writers alone (tests, the shell, a lesson step whose output is checked).
     */
    public synchronized boolean rawOutput() {
        if (rawStream == null || outBytes != rawStream) {
            return false;
        }
        if (raw == null) {
            raw = rawCheck.getAsBoolean(); // decided when first asked: it may need the native-call library
        }
        return raw;
    }

    /** {@code check} decides whether {@code stream}, this session's standard output as bytes, is a file or a pipe. */
    public synchronized void setRawOutput(java.io.OutputStream stream, java.util.function.BooleanSupplier check) {
        this.rawStream = stream;
        this.rawCheck = check;
        this.raw = null;
    }

    public boolean debug() {
        return debug;
    }

    public void setDebug(boolean debug) {
        this.debug = debug;
    }

    /** Whether output may use ANSI colour (a real terminal, and NO_COLOR unset). */
    public boolean color() {
        return color;
    }

    public void setColor(boolean color) {
        this.color = color;
    }

    /** Whether tables may use box-drawing characters (a UTF-8 locale). */
    public boolean unicode() {
        return unicode;
    }

    public void setUnicode(boolean unicode) {
        this.unicode = unicode;
    }

    /** The terminal's width in columns, or 0 when output does not go to a terminal (no limit). */
    public int terminalWidth() {
        return terminalWidth;
    }

    public void setTerminalWidth(int columns) {
        this.terminalWidth = Math.max(0, columns);
    }

    private static boolean defaultUnicode() {
        for (String var : new String[] {"LC_ALL", "LC_CTYPE", "LANG"}) {
            String v = System.getenv(var);
            if (v != null && !v.isEmpty()) {
                return v.toUpperCase(java.util.Locale.ROOT).contains("UTF-8") || v.toUpperCase(java.util.Locale.ROOT).contains("UTF8");
            }
        }
        return false;
    }

    /** The image store, opened (and created if new) on first use so start-up stays fast. */
    public synchronized ImageStore images() {
        if (images == null) {
            images = ImageStore.open(home.imageLayout());
        }
        return images;
    }

    /** The session's containers (made on first use). */
    public synchronized Containers containers() {
        if (containers == null) {
            containers = new Containers(home);
        }
        return containers;
    }

    /** True once a command has used the session's containers (made, chosen a name for, or looked one up). */
    public synchronized boolean containersInUse() {
        return containers != null;
    }

    /** True when containers were made in this session (so leaving it has something to take down). */
    public synchronized boolean hasContainers() {
        return containers != null && !containers.all().isEmpty();
    }

    /**
     * True when this session's output goes straight to a terminal that is also its standard input and
     * output (descriptors 0 and 1): a container's command can then be given the terminal itself.
     */
    public synchronized boolean terminalStdio() {
        if (terminalStdio == null) {
            terminalStdio = terminalStdioCheck.getAsBoolean();
        }
        return terminalStdio;
    }

    /** Asks the learner a yes/no question at the terminal; answers true for yes. */
    @FunctionalInterface
    public interface Confirmer {
        boolean ask(String question) throws InterruptedException;
    }

    private volatile Confirmer confirmer;

    /** Who asks at the terminal: the shell (one key, JLine) or a one-shot command at a terminal (a line from descriptor 0). */
    public void setConfirmer(Confirmer confirmer) {
        this.confirmer = confirmer;
    }

    /**
     * Asks {@code question} (a {@code [y/N]} follows it), as {@code docker volume prune} does before it
     * deletes; empty when nobody can be asked: no terminal (a script, a pipe, a test, a lesson step).
     */
    public java.util.Optional<Boolean> confirm(String question) throws InterruptedException {
        Confirmer c = confirmer;
        if (c == null || !terminalStdio()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(c.ask(question));
    }

    public synchronized void setTerminalStdio(boolean terminalStdio) {
        this.terminalStdio = terminalStdio;
    }

    /**
     * Lets {@code check} decide {@link #terminalStdio()} when it is first asked. Only a container's command
     * needs the answer, and finding it loads the native-call library (JNA: it unpacks its native part and
     * runs {@code ldconfig -p}), tens of milliseconds that {@code pull} or {@code images} should not pay.
     */
    public synchronized void detectTerminalStdio(java.util.function.BooleanSupplier check) {
        this.terminalStdioCheck = check;
        this.terminalStdio = null;
    }

    /** True with {@code --rootless}: every container gets a user namespace first (root inside = this user outside). */
    public boolean rootless() {
        return rootless;
    }

    public void setRootless(boolean rootless) {
        this.rootless = rootless;
    }

    public Path cacheDir() {
        return home.cache();
    }
}
