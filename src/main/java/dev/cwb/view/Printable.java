package dev.cwb.view;

/**
 * Makes text from an image safe to show on a terminal. Image metadata and file names are written by
 * whoever built the image: a {@code created_by} holding {@code ESC [2J} would clear the learner's screen,
 * a file name with a newline would forge a line of output, and bidirectional overrides (U+202E) reorder
 * what is displayed. Control characters are shown as escapes instead ({@code \n}, {@code \t},
 * {@code \x1b}, {@code \u202e}), the way {@code ls -b} and git quote names.
 */
public final class Printable {
    private Printable() {
    }

    public static String of(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape = escape(c);
            if (escape != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                out.append(escape != null ? escape : String.valueOf(c));
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * A writer for showing a text file: like {@link #of} but line breaks and tabs stay as they are, so the
     * file reads normally while an escape sequence in it shows as {@code \x1b[2J} instead of clearing the screen.
     */
    public static java.io.Writer textWriter(java.io.Writer out) {
        return new java.io.FilterWriter(out) {
            @Override
            public void write(int c) throws java.io.IOException {
                String e = c == '\n' || c == '\t' ? null : escape((char) c);
                if (e == null) {
                    out.write(c);
                } else {
                    out.write(e);
                }
            }

            @Override
            public void write(char[] buf, int off, int len) throws java.io.IOException {
                for (int i = off; i < off + len; i++) {
                    write(buf[i]);
                }
            }

            @Override
            public void write(String str, int off, int len) throws java.io.IOException {
                for (int i = off; i < off + len; i++) {
                    write(str.charAt(i));
                }
            }
        };
    }

    private static String escape(char c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\t':
                return "\\t";
            case '\r':
                return "\\r";
            default:
                break;
        }
        if (c < 0x20 || c == 0x7f) {
            return String.format("\\x%02x", (int) c);
        }
        if ((c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f) {
            return String.format("\\u%04x", (int) c);
        }
        return null;
    }
}
