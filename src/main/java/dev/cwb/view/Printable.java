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
        return escaped(text, false);
    }

    /**
     * A file name as {@code ls -b} shows it: like {@link #of}, and a backslash is doubled, so that two
     * different names never print the same ({@code a\xff}, the byte 0xff, is not {@code a\\xff}, a name with
     * a backslash in it). A byte that is not valid UTF-8 (held as {@code U+DC80..U+DCFF}, see
     * {@link dev.cwb.kernel.FileNames}) shows as {@code \xff}.
     */
    public static String name(String name) {
        return escaped(name, true);
    }

    private static String escaped(String text, boolean name) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            escape = name && c == '\\' ? "\\\\" : escape(c);
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
     * The name a user typed as {@link #name} shows it, read back: {@code \xNN} is the byte NN,
     * {@code \n}, {@code \t}, {@code \r}, {@code \\} and {@code \\u} and four hex digits what they say; anything else is kept.
     */
    public static String unescapeName(String shown) {
        if (shown.indexOf('\\') < 0) {
            return shown;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            if (c == '\\' && i + 1 < shown.length()) {
                char n = shown.charAt(i + 1);
                int hex = n == 'x' ? 2 : n == 'u' ? 4 : 0;
                if (hex > 0 && i + 2 + hex <= shown.length() && shown.substring(i + 2, i + 2 + hex).matches("[0-9a-fA-F]+")) {
                    int v = Integer.parseInt(shown.substring(i + 2, i + 2 + hex), 16);
                    if (hex == 2) {
                        bytes.write(v);
                    } else {
                        bytes.writeBytes(dev.cwb.kernel.FileNames.encode(String.valueOf((char) v)));
                    }
                    i += 1 + hex;
                    continue;
                }
                String simple = switch (n) {
                    case 'n' -> "\n";
                    case 't' -> "\t";
                    case 'r' -> "\r";
                    case '\\' -> "\\";
                    default -> null;
                };
                if (simple != null) {
                    bytes.writeBytes(simple.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    i++;
                    continue;
                }
            }
            if (Character.isHighSurrogate(c) && i + 1 < shown.length()) {
                bytes.writeBytes(dev.cwb.kernel.FileNames.encode(shown.substring(i, i + 2)));
                i++;
            } else {
                bytes.writeBytes(dev.cwb.kernel.FileNames.encode(String.valueOf(c)));
            }
        }
        return dev.cwb.kernel.FileNames.decode(bytes.toByteArray());
    }

    /**
     * A writer for showing a text file: like {@link #of} but line breaks and tabs stay as they are, so the
     * file reads normally while an escape sequence in it shows as {@code \x1b[2J} instead of clearing the screen.
     */
    public static java.io.Writer textWriter(java.io.Writer out) {
        return new java.io.FilterWriter(out) {
            /** A high surrogate waiting for its low half: a pair is a character (an emoji), a lone half is escaped. */
            private int high = -1;

            @Override
            public void write(int c) throws java.io.IOException {
                if (high >= 0) {
                    int h = high;
                    high = -1;
                    if (Character.isLowSurrogate((char) c)) {
                        out.write(h);
                        out.write(c);
                        return;
                    }
                    out.write(escape((char) h));
                }
                if (Character.isHighSurrogate((char) c)) {
                    high = c;
                    return;
                }
                String e = c == '\n' || c == '\t' ? null : escape((char) c);
                if (e == null) {
                    out.write(c);
                } else {
                    out.write(e);
                }
            }

            @Override
            public void close() throws java.io.IOException {
                if (high >= 0) {
                    out.write(escape((char) high));
                    high = -1;
                }
                out.close();
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
        if (dev.cwb.kernel.FileNames.isEscapedByte(c)) {
            return String.format("\\x%02x", c & 0xff); // a byte of a name that is not valid UTF-8
        }
        if (Character.isSurrogate(c)) {
            return String.format("\\u%04x", (int) c); // unpaired: a terminal would show U+FFFD or worse
        }
        if ((c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f) {
            return String.format("\\u%04x", (int) c);
        }
        return null;
    }
}
