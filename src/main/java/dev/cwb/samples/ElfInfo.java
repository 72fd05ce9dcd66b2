package dev.cwb.samples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Just enough of the ELF format (elf(5); System V ABI, "Program Header") to tell whether a program is
 * <em>statically</em> linked. A dynamically linked program names its loader in a {@code PT_INTERP}
 * program header (e.g. {@code /lib64/ld-linux-x86-64.so.2}); the kernel runs that loader first, and it
 * needs the shared libraries of the host. Copied into an empty image such a program fails with a
 * puzzling "no such file or directory". A static program has no {@code PT_INTERP} and needs nothing.
 */
final class ElfInfo {
    static final int PT_INTERP = 3;

    private ElfInfo() {
    }

    /** True when {@code bytes} start with the ELF magic number {@code 0x7f 'E' 'L' 'F'}. */
    static boolean isElf(byte[] bytes) {
        return bytes.length >= 52 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
    }

    /**
     * True when the ELF file has a {@code PT_INTERP} program header, i.e. it is dynamically linked.
     * Handles 32- and 64-bit, little- and big-endian files.
     */
    static boolean hasInterpreter(byte[] bytes) {
        if (!isElf(bytes)) {
            throw new IllegalArgumentException("not an ELF file");
        }
        boolean is64 = bytes[4] == 2;
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(bytes[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long phoff = is64 ? buf.getLong(0x20) : Integer.toUnsignedLong(buf.getInt(0x1C));
        int phentsize = Short.toUnsignedInt(buf.getShort(is64 ? 0x36 : 0x2A));
        int phnum = Short.toUnsignedInt(buf.getShort(is64 ? 0x38 : 0x2C));
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (at < 0 || at + 4 > bytes.length) {
                throw new IllegalArgumentException("its program headers lie outside the file");
            }
            if (buf.getInt((int) at) == PT_INTERP) {
                return true;
            }
        }
        return false;
    }
}
