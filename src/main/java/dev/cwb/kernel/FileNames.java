package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * File names are bytes: Linux allows any byte in a name but {@code /} and NUL, and a layer tar carries
 * names in whatever encoding their maker used. The workbench holds a name in a Java string the way
 * Python's {@code surrogateescape} does (PEP 383): the valid UTF-8 in it as the characters it encodes,
 * and every byte that is not part of valid UTF-8 as one lone low surrogate, {@code U+DC80..U+DCFF}
 * ({@code 0xff} becomes {@code U+DCFF}). Valid UTF-8 never decodes to a surrogate, so
 * {@code encode(decode(bytes))} gives back exactly {@code bytes}, and two different names never become
 * the same string. Such a string is never handed to {@link java.nio.file.Path} (its encoder would turn a
 * lone surrogate into {@code ?}); {@link DirFd} passes the bytes to the kernel itself, and
 * {@link dev.cwb.view.Printable} shows an escaped byte as {@code \xff}.
 */
public final class FileNames {
    private static final char ESCAPE_BASE = 0xdc00;

    private FileNames() {
    }

    /** The name {@code bytes} spell, escaping each byte that is not valid UTF-8. */
    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    public static String decode(byte[] bytes, int off, int len) {
        boolean ascii = true;
        for (int i = off; i < off + len; i++) {
            if (bytes[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(bytes, off, len, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, off, len);
        CharBuffer out = CharBuffer.allocate(len);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    out.put((char) (ESCAPE_BASE | (in.get() & 0xff)));
                }
            } else {
                throw new IllegalStateException("output overflow decoding a name"); // one char per byte at most
            }
        }
        out.flip();
        return out.toString();
    }

    /** A name read as ISO-8859-1 (one char per byte, as a tar reader set to that charset gives it), decoded properly. */
    public static String fromLatin1(String latin1) {
        for (int i = 0; i < latin1.length(); i++) {
            if (latin1.charAt(i) >= 0x80) {
                return decode(latin1.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        return latin1;
    }

    /** The bytes of a name {@link #decode} made (or of any string: characters as UTF-8, escaped bytes as themselves). */
    public static byte[] encode(String name) {
        boolean plain = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0x80) {
                plain = false;
                break;
            }
        }
        if (plain) {
            return name.getBytes(StandardCharsets.ISO_8859_1);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(name.length() + 8);
        int start = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++; // a pair is one character (U+1F4FF is D83D DCFF): its low half is no escaped byte
                continue;
            }
            if (isEscapedByte(c)) {
                out.writeBytes(utf8(name.substring(start, i)));
                out.write(c & 0xff);
                start = i + 1;
            }
        }
        out.writeBytes(utf8(name.substring(start)));
        return out.toByteArray();
    }

    /**
     * True for the characters that stand for a byte that was not valid UTF-8 — unless the char is the low
     * half of a surrogate pair, which valid UTF-8 can decode to (U+1F4FF is D83D DCFF).
     */
    public static boolean isEscapedByte(char c) {
        return c >= 0xdc80 && c <= 0xdcff;
    }

    /** True when {@code name} holds an escaped byte: Java's own file API cannot name that file. */
    public static boolean hasEscapedBytes(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (isEscapedByte(c)) {
                return true;
            }
        }
        return false;
    }

    /** NUL-terminated bytes for a system call. */
    public static byte[] cString(String name) {
        int n = name.length();
        byte[] c = new byte[n + 1];
        for (int i = 0; i < n; i++) {
            char ch = name.charAt(i);
            if (ch >= 0x80) {
                byte[] b = encode(name);
                return java.util.Arrays.copyOf(b, b.length + 1);
            }
            c[i] = (byte) ch;
        }
        return c;
    }

    private static byte[] utf8(String s) {
        // An unpaired surrogate that is not an escaped byte cannot come from decode; strictly encoded, it is refused.
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a name holds an unpaired surrogate that stands for no byte", e);
        }
    }
}
