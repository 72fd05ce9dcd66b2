package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small assembler for eBPF, the kernel's in-kernel virtual machine (Documentation/bpf/standardization/
 * instruction-set.rst). The workbench writes the few programs it loads with {@code bpf(2)} itself, as it
 * writes cwb-init's machine code: nothing is compiled elsewhere, and every instruction can be read here.
 *
 * <p><b>The machine.</b> Eleven 64-bit registers: {@code r0} holds the result when the program exits,
 * {@code r1}..{@code r5} are arguments (at the start {@code r1} points at the program's context, for a
 * cgroup device program a {@code struct bpf_cgroup_dev_ctx}), {@code r6}..{@code r9} are kept across
 * helper calls, {@code r10} is the read-only frame pointer. The kernel's verifier checks every path of a
 * program before it runs: every register read was written, every memory access is in bounds, every jump
 * lands on an instruction, no instruction is unreachable, and every path ends in {@code exit}.
 *
 * <p><b>The encoding.</b> Each instruction is 8 bytes, little-endian on the machines the workbench runs on:
 * <pre>
 *   byte 0     opcode: class (low 3 bits) | operation | source or size and mode
 *   byte 1     dst register (low 4 bits), src register (high 4 bits)
 *   bytes 2-3  offset, signed 16 bits (memory offset, or jump distance in instructions after this one)
 *   bytes 4-7  immediate, signed 32 bits
 * </pre>
 * Only the instructions the workbench's programs need are here: 32-bit loads from the context, 32- and
 * 64-bit ALU operations with an immediate or a register, conditional jumps to labels, and {@code exit}.
 * Jumps are written to labels and resolved when the program is built; they may only go forward, which
 * also keeps every program free of loops.
 */
public final class Ebpf {
    /** Instruction classes (the opcode's low 3 bits). */
    static final int LDX = 0x01;
    static final int ALU = 0x04;
    static final int JMP = 0x05;
    static final int ALU64 = 0x07;

    /** Load size and mode: a 32-bit word ({@code BPF_W}) from memory ({@code BPF_MEM}). */
    static final int SIZE_W = 0x00;
    static final int MODE_MEM = 0x60;

    /** Source: the immediate ({@code BPF_K}) or the src register ({@code BPF_X}). */
    static final int K = 0x00;
    static final int X = 0x08;

    /** ALU operations. */
    static final int AND = 0x50;
    static final int RSH = 0x70;
    static final int MOV = 0xb0;

    /** Jump operations. */
    static final int JEQ = 0x10;
    static final int JSET = 0x40;
    static final int JNE = 0x50;
    static final int EXIT = 0x90;

    private Ebpf() {
    }

    /** One 8-byte instruction. {@code text()} is how the kernel's verifier log prints it. */
    public record Insn(int opcode, int dst, int src, int offset, int imm) {
        public Insn {
            if (dst < 0 || dst > 10 || src < 0 || src > 10) {
                throw new IllegalArgumentException("eBPF has registers r0 to r10, not r" + (dst > 10 || dst < 0 ? dst : src));
            }
            if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) {
                throw new IllegalArgumentException("eBPF offsets are 16 bits: " + offset);
            }
        }

        void encode(ByteBuffer out) {
            out.put((byte) opcode).put((byte) ((src << 4) | dst)).putShort((short) offset).putInt(imm);
        }

        /** The instruction in the verifier's notation, e.g. {@code if r2 != 0x2 goto pc+5}. */
        public String text() {
            int cls = opcode & 0x07;
            int op = opcode & 0xf0;
            boolean reg = (opcode & X) != 0;
            String w = cls == ALU ? "w" : "r";
            String source = reg ? w + src : Integer.toString(imm);
            return switch (cls) {
                case LDX -> "r" + dst + " = *(u32 *)(r" + src + " " + (offset < 0 ? "- " + -offset : "+ " + offset) + ")";
                case ALU, ALU64 -> switch (op) {
                    case MOV -> w + dst + " = " + source;
                    case AND -> w + dst + " &= " + (reg ? source : "0x" + Integer.toHexString(imm));
                    case RSH -> w + dst + " >>= " + source;
                    default -> "alu 0x" + Integer.toHexString(opcode);
                };
                case JMP -> switch (op) {
                    case EXIT -> "exit";
                    case JEQ, JNE, JSET -> "if r" + dst + (op == JEQ ? " == " : op == JNE ? " != " : " & ")
                            + (reg ? "r" + src : "0x" + Integer.toHexString(imm)) + " goto pc" + (offset < 0 ? "" : "+") + offset;
                    default -> "jmp 0x" + Integer.toHexString(opcode);
                };
                default -> "0x" + Integer.toHexString(opcode);
            };
        }
    }

    /** A finished program: its instructions, their bytes, and a listing. */
    public record Program(List<Insn> instructions) {
        public Program {
            instructions = List.copyOf(instructions);
        }

        /** The bytes {@code bpf(BPF_PROG_LOAD)} takes: {@code insn_cnt} instructions of 8 bytes. */
        public byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(8 * instructions.size()).order(ByteOrder.LITTLE_ENDIAN);
            instructions.forEach(i -> i.encode(b));
            return b.array();
        }

        public int size() {
            return instructions.size();
        }

        /** One line per instruction, numbered as the verifier numbers them: {@code 0: r2 = *(u32 *)(r1 + 0)}. */
        public List<String> listing() {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < instructions.size(); i++) {
                lines.add(i + ": " + instructions.get(i).text());
            }
            return lines;
        }
    }

    /** Writes a program an instruction at a time; jumps name labels placed later with {@link #label}. */
    public static final class Assembler {
        private final List<Insn> insns = new ArrayList<>();
        /** Instruction index to the label its jump goes to, resolved by {@link #build}. */
        private final Map<Integer, String> jumps = new HashMap<>();
        private final Map<String, Integer> labels = new HashMap<>();

        /** {@code dst = *(u32 *)(src + offset)}: a 32-bit load, zero-extended to 64 bits. */
        public Assembler loadWord(int dst, int src, int offset) {
            return add(new Insn(LDX | SIZE_W | MODE_MEM, dst, src, offset, 0));
        }

        /** {@code dst = src}, all 64 bits. */
        public Assembler moveRegister(int dst, int src) {
            return add(new Insn(ALU64 | MOV | X, dst, src, 0, 0));
        }

        /** {@code dst = imm}, all 64 bits (the immediate sign-extended). */
        public Assembler moveImmediate(int dst, int imm) {
            return add(new Insn(ALU64 | MOV | K, dst, 0, 0, imm));
        }

        /** {@code wdst &= imm}: the low 32 bits, the upper 32 cleared (ALU32 zero-extends). */
        public Assembler and32(int dst, int imm) {
            return add(new Insn(ALU | AND | K, dst, 0, 0, imm));
        }

        /** {@code wdst >>= imm}: a logical shift of the low 32 bits. */
        public Assembler shiftRight32(int dst, int imm) {
            return add(new Insn(ALU | RSH | K, dst, 0, 0, imm));
        }

        /** {@code if dst != imm goto label}. */
        public Assembler jumpIfNotEqual(int dst, int imm, String label) {
            return jump(JMP | JNE | K, dst, imm, label);
        }

        /** {@code if dst == imm goto label}. */
        public Assembler jumpIfEqual(int dst, int imm, String label) {
            return jump(JMP | JEQ | K, dst, imm, label);
        }

        /** {@code if (dst & imm) != 0 goto label}. */
        public Assembler jumpIfAnySet(int dst, int imm, String label) {
            return jump(JMP | JSET | K, dst, imm, label);
        }

        /** {@code exit}: return {@code r0} to the kernel. */
        public Assembler exit() {
            return add(new Insn(JMP | EXIT, 0, 0, 0, 0));
        }

        /** Names the next instruction. */
        public Assembler label(String name) {
            if (labels.putIfAbsent(name, insns.size()) != null) {
                throw new IllegalArgumentException("label " + name + " placed twice");
            }
            return this;
        }

        /** The program, every jump resolved to its distance: target - (jump + 1). */
        public Program build() {
            List<Insn> out = new ArrayList<>(insns);
            jumps.forEach((at, label) -> {
                Integer target = labels.get(label);
                if (target == null || target <= at || target >= out.size()) {
                    throw new IllegalStateException("jump at " + at + " to " + label + ": "
                            + (target == null ? "no such label" : "not an instruction after it"));
                }
                Insn j = out.get(at);
                out.set(at, new Insn(j.opcode(), j.dst(), j.src(), target - at - 1, j.imm()));
            });
            return new Program(out);
        }

        private Assembler jump(int opcode, int dst, int imm, String label) {
            jumps.put(insns.size(), label);
            return add(new Insn(opcode, dst, 0, 0, imm));
        }

        private Assembler add(Insn i) {
            insns.add(i);
            return this;
        }
    }
}
