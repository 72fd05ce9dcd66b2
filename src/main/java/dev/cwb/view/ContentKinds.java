package dev.cwb.view;

import java.util.Locale;

/**
 * Says what a file's first bytes look like, in the spirit of file(1) but only for what a learner meets in
 * an image: text, ELF programs and libraries, a few archive and image formats. Text versus binary is
 * decided as git does: content with a NUL byte in its first 8000 bytes is binary.
 */
public final class ContentKinds {
    private ContentKinds() {
    }

    /** git's rule (xdiff {@code buffer_is_binary}): a NUL in the first 8000 bytes means binary. */
    public static boolean isBinary(byte[] head) {
        int n = Math.min(head.length, 8000);
        for (int i = 0; i < n; i++) {
            if (head[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** A short description: "ELF 64-bit LSB executable, x86-64", "gzip data", "text"... */
    public static String describe(byte[] head) {
        if (head.length >= 20 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
            return elf(head);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return "gzip compressed data";
        }
        if (head.length >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return "PNG image";
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return "zstd compressed data";
        }
        return isBinary(head) ? "binary data" : "text";
    }

    /** The ELF header (elf(5)): class at byte 4, byte order at 5, e_type at 16, e_machine at 18. */
    private static String elf(byte[] h) {
        String bits = h[4] == 2 ? "64-bit" : h[4] == 1 ? "32-bit" : "unknown-class";
        boolean little = h[5] == 1;
        int type = little ? (h[16] & 0xff) | (h[17] & 0xff) << 8 : (h[17] & 0xff) | (h[16] & 0xff) << 8;
        int machine = little ? (h[18] & 0xff) | (h[19] & 0xff) << 8 : (h[19] & 0xff) | (h[18] & 0xff) << 8;
        String kind = switch (type) {
            case 1 -> "relocatable object";
            case 2 -> "executable";
            case 3 -> "shared object or position-independent executable";
            case 4 -> "core dump";
            default -> "file of type " + type;
        };
        String arch = switch (machine) {
            case 0x3e -> "x86-64";
            case 0xb7 -> "aarch64";
            case 0x03 -> "i386";
            case 0x28 -> "ARM";
            case 0xf3 -> "RISC-V";
            case 0x15 -> "PowerPC64";
            case 0x16 -> "s390";
            default -> String.format(Locale.ROOT, "machine 0x%x", machine);
        };
        return "ELF " + bits + " " + (little ? "LSB" : "MSB") + " " + kind + ", " + arch;
    }

    /** Lines of {@code xxd}-style hex: offset, 16 bytes in pairs, and the printable ASCII. */
    public static String hexDump(byte[] data, int length) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(length, data.length);
        for (int off = 0; off < n; off += 16) {
            sb.append(String.format(Locale.ROOT, "%08x: ", off));
            StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (off + i < n) {
                    int b = data[off + i] & 0xff;
                    sb.append(String.format(Locale.ROOT, "%02x", b));
                    ascii.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
                } else {
                    sb.append("  ");
                }
                if (i % 2 == 1) {
                    sb.append(' ');
                }
            }
            sb.append(' ').append(ascii).append('\n');
        }
        return sb.toString();
    }
}
