package dev.cwb.view;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * For terminals that cannot show Unicode (a {@code C}/POSIX locale, a serial console, an old lab
 * image): the few non-ASCII symbols the workbench prints become ASCII look-alikes, so the learner sees
 * {@code -}, {@code ->}, {@code +} and {@code |} instead of question marks or mojibake. Other text passes through.
 */
public final class AsciiWriter extends FilterWriter {
    public AsciiWriter(Writer out) {
        super(out);
    }

    /** The ASCII stand-in for {@code c}, or {@code null} to keep it. */
    static String replacement(char c) {
        return switch (c) {
            case '—', '–', '−' -> "-";
            case '→', '↳' -> "->";
            case '…' -> "...";
            case '·', '•' -> "*";
            case '✓' -> "v";
            case '✗' -> "x";
            case '§' -> "S.";
            case '×' -> "x";
            case '≤' -> "<=";
            case '≥' -> ">=";
            case '│', '┃' -> "|";
            case '─', '━' -> "-";
            case '┌', '┐', '└', '┘', '├', '┤', '┬', '┴', '┼' -> "+";
            default -> null;
        };
    }

    @Override
    public void write(int c) throws IOException {
        String r = replacement((char) c);
        if (r == null) {
            out.write(c);
        } else {
            out.write(r);
        }
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) {
            write(buf[i]);
        }
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) {
            write(s.charAt(i));
        }
    }
}
