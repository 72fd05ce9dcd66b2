package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Lays out the smallest static executable Linux runs: an ELF header, one or two program headers and the
 * machine code, with no sections, no loader and no library (elf(5)). The workbench writes two such
 * programs itself, so it needs no compiler: the {@code hello} sample and {@link InitProgram}.
 *
 * <pre>
 *   offset 0    ELF header (64 bytes): magic, 64-bit, little-endian, ET_EXEC, machine, entry point
 *   offset 64   PT_LOAD: map the whole file at {@link #BASE}, read + execute
 *   (offset 120 PT_LOAD: {@code bss} zero-filled bytes at {@link #DATA}, read + write — only when asked)
 *   then        the code (and any constant data it addresses), where execution starts
 * </pre>
 * Both addresses are fixed (an ET_EXEC file is not relocated, and address-space randomisation moves only
 * the stack, the heap and the vDSO), so the code and the workbench may name them as constants.
 */
public final class ElfExecutable {
    /** Where the file (header and code) is mapped. */
    public static final long BASE = 0x400000L;
    /** Where the zero-filled data segment starts, when there is one. */
    public static final long DATA = 0x600000L;
    /** x86_64's e_machine. */
    public static final int EM_X86_64 = 62;
    /** aarch64's e_machine. */
    public static final int EM_AARCH64 = 183;

    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;

    private ElfExecutable() {
    }

    /** The file offset (and, added to {@link #BASE}, the address) of the code when {@code bss} is or is not 0. */
    public static int codeOffset(long bss) {
        return EHDR_SIZE + PHDR_SIZE * (bss > 0 ? 2 : 1);
    }

    /** The executable: {@code code} runs first; {@code bss} bytes at {@link #DATA} if {@code bss > 0}. */
    public static byte[] build(int machine, byte[] code, long bss) {
        int codeOffset = codeOffset(bss);
        int fileSize = codeOffset + code.length;
        ByteBuffer b = ByteBuffer.allocate(fileSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* System V ABI */});
        b.put(new byte[8]); // padding of e_ident
        b.putShort((short) 2); // e_type: ET_EXEC, a fixed-address executable
        b.putShort((short) machine);
        b.putInt(1); // e_version
        b.putLong(BASE + codeOffset); // e_entry
        b.putLong(EHDR_SIZE); // e_phoff: the program headers follow the ELF header
        b.putLong(0); // e_shoff: no section headers, the kernel does not need them
        b.putInt(0); // e_flags
        b.putShort((short) EHDR_SIZE);
        b.putShort((short) PHDR_SIZE);
        b.putShort((short) (bss > 0 ? 2 : 1)); // e_phnum
        b.putShort((short) 64); // e_shentsize
        b.putShort((short) 0); // e_shnum
        b.putShort((short) 0); // e_shstrndx
        programHeader(b, 5 /* PF_R | PF_X */, 0, BASE, fileSize, fileSize);
        if (bss > 0) {
            programHeader(b, 6 /* PF_R | PF_W */, 0, DATA, 0, bss);
        }
        b.put(code);
        return b.array();
    }

    private static void programHeader(ByteBuffer b, int flags, long offset, long address, long fileSize, long memSize) {
        b.putInt(1); // PT_LOAD
        b.putInt(flags);
        b.putLong(offset);
        b.putLong(address); // p_vaddr
        b.putLong(address); // p_paddr
        b.putLong(fileSize);
        b.putLong(memSize);
        b.putLong(0x1000); // p_align: one page
    }
}
