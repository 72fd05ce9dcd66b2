package dev.cwb;

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
    private boolean debug;
    private boolean color;
    private boolean unicode = defaultUnicode();
    private int terminalWidth;
    private ImageStore images;

    public Workbench(WorkbenchHome home, PrintWriter out, PrintWriter err) {
        this.home = home;
        this.out = out;
        this.err = err;
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

    /** Redirects output, e.g. to the JLine terminal's writer once the shell is up. */
    public void setOutput(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
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

    public Path cacheDir() {
        return home.cache();
    }
}
