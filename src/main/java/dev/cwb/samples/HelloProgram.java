package dev.cwb.samples;

import dev.cwb.CwbException;
import dev.cwb.kernel.ElfExecutable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes, byte by byte, the smallest honest Linux program: a static ELF executable that prints a text and
 * exits with status 0. No compiler is needed, and the program needs no library, loader or file at all —
 * which is exactly what an image built {@code FROM scratch} can offer it.
 *
 * <p>The file is laid out as (elf(5)):
 * <pre>
 *   offset 0    ELF header (64 bytes): magic, 64-bit, little-endian, executable, machine, entry point
 *   offset 64   one program header (56 bytes): PT_LOAD, map the whole file at 0x400000, read + execute
 *   offset 120  machine code: write(1, text, length); exit(0) — two system calls, straight to the kernel
 *   then        the text itself
 * </pre>
 * The kernel's ELF loader maps the file and jumps to the entry point; the code uses the Linux system call
 * numbers of its architecture (x86_64: write=1, exit=60, instruction {@code syscall}; aarch64: write=64,
 * exit=93, instruction {@code svc #0}; see syscall(2) for the registers).
 *
 * <p>The x86_64 program is executed by the tests on the build machine. The aarch64 program is executed
 * by {@code dev.cwb.kernel.Arm64ProgramsTest} under qemu-user ({@code qemu-aarch64-static}), which checks
 * its output and exit status; it has not run on real arm64 hardware.
 */
public final class HelloProgram {
    static final long BASE = ElfExecutable.BASE;
    static final int CODE_OFFSET = ElfExecutable.codeOffset(0);
    /** aarch64 loads the length with one 16-bit immediate; x86_64 could do more, but a greeting is short. */
    static final int MAX_TEXT = 65535;

    private static final int EM_X86_64 = ElfExecutable.EM_X86_64;
    private static final int EM_AARCH64 = ElfExecutable.EM_AARCH64;

    private HelloProgram() {
    }

    /** The program for an OCI architecture name ({@code amd64} or {@code arm64}) printing {@code text}. */
    public static byte[] forArchitecture(String architecture, String text) {
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        if (message.length == 0 || message.length > MAX_TEXT) {
            throw CwbException.badInput("the greeting has " + message.length + " bytes; it must have 1 to " + MAX_TEXT,
                    "edit the greeting file");
        }
        return switch (architecture) {
            case "amd64" -> assemble(EM_X86_64, x86_64Code(message.length), message);
            case "arm64" -> assemble(EM_AARCH64, aarch64Code(message.length), message);
            default -> throw new CwbException(CwbException.UNSUPPORTED,
                    "the hello program can be written for amd64 and arm64, not for this machine's " + architecture,
                    "build the other samples, which copy the host's own busybox");
        };
    }

    private static byte[] assemble(int machine, byte[] code, byte[] message) {
        byte[] text = new byte[code.length + message.length];
        System.arraycopy(code, 0, text, 0, code.length);
        System.arraycopy(message, 0, text, code.length, message.length);
        return ElfExecutable.build(machine, text, 0);
    }

    /** x86_64: {@code mov eax,1; mov edi,1; mov esi,TEXT; mov edx,LEN; syscall; mov eax,60; xor edi,edi; syscall}. */
    static byte[] x86_64Code(int length) {
        int codeSize = 31;
        long text = BASE + CODE_OFFSET + codeSize;
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        c.write(0xB8); le32(c, 1);           // mov eax, 1      (write)
        c.write(0xBF); le32(c, 1);           // mov edi, 1      (fd 1: standard output)
        c.write(0xBE); le32(c, (int) text);  // mov esi, TEXT   (address fits 32 bits: ET_EXEC at 0x400000)
        c.write(0xBA); le32(c, length);      // mov edx, LEN
        c.write(0x0F); c.write(0x05);        // syscall
        c.write(0xB8); le32(c, 60);          // mov eax, 60     (exit)
        c.write(0x31); c.write(0xFF);        // xor edi, edi    (status 0)
        c.write(0x0F); c.write(0x05);        // syscall
        byte[] code = c.toByteArray();
        if (code.length != codeSize) {
            throw new IllegalStateException("x86_64 code is " + code.length + " bytes, expected " + codeSize);
        }
        return code;
    }

    /**
     * aarch64: {@code movz x0,#1; adr x1,TEXT; movz x2,#LEN; movz x8,#64; svc #0; movz x0,#0; movz x8,#93; svc #0}.
     * Run under qemu-user by the tests, not on hardware (see the class comment).
     */
    static byte[] aarch64Code(int length) {
        int codeSize = 32;
        int adrOffset = codeSize - 4; // from the adr instruction (the 2nd) to the text right after the code
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        le32(c, 0xD2800000 | (1 << 5));                                          // movz x0, #1
        le32(c, 0x10000000 | ((adrOffset & 3) << 29) | ((adrOffset >> 2) << 5) | 1); // adr x1, TEXT
        le32(c, 0xD2800000 | (length << 5) | 2);                                 // movz x2, #LEN
        le32(c, 0xD2800000 | (64 << 5) | 8);                                     // movz x8, #64 (write)
        le32(c, 0xD4000001);                                                     // svc #0
        le32(c, 0xD2800000);                                                     // movz x0, #0
        le32(c, 0xD2800000 | (93 << 5) | 8);                                     // movz x8, #93 (exit)
        le32(c, 0xD4000001);                                                     // svc #0
        return c.toByteArray();
    }

    private static void le32(ByteArrayOutputStream c, int v) {
        c.write(v);
        c.write(v >>> 8);
        c.write(v >>> 16);
        c.write(v >>> 24);
    }
}
