package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * An assembler for classic BPF, the small virtual machine a seccomp filter is written in (Documentation/
 * networking/filter.rst, "classic BPF"; seccomp(2), "Filters"; the kernel's include/uapi/linux/filter.h and
 * bpf_common.h). The workbench writes its seccomp filters itself, as it writes cwb-init and the cgroup
 * device program ({@link Ebpf}): no libseccomp, and every instruction can be read ({@link Program#listing}).
 *
 * <p><b>The machine.</b> One 32-bit accumulator {@code A}. A seccomp filter reads its input, a {@code struct
 * seccomp_data}, only by 32-bit absolute loads: {@code nr} at offset 0, {@code arch} at 4, the instruction
 * pointer at 8, and the six arguments at 16 + 8·i (each 64 bits: its low half first on the little-endian
 * machines the workbench runs on). It ends with {@code ret K}, K being the action (seccomp(2):
 * {@code SECCOMP_RET_ALLOW}, {@code SECCOMP_RET_ERRNO | errno}, ...). The kernel's checker
 * ({@code seccomp_check_filter}) takes at most 4096 instructions ({@code BPF_MAXINSNS}), only forward jumps,
 * and every path must end in {@code ret}.
 *
 * <p><b>The encoding.</b> A {@code struct sock_filter} is 8 bytes: a 16-bit opcode, the two 8-bit jump
 * offsets {@code jt} and {@code jf} of a conditional jump (instructions to skip after this one), and a
 * 32-bit constant {@code k}. A conditional jump can thus skip at most 255 instructions; {@code ja}, the
 * unconditional jump, takes its distance from {@code k}. {@link Builder} resolves labels and refuses a
 * conditional jump that would need more: the caller puts a {@code ja} in between.
 */
public final class ClassicBpf {
    /** {@code BPF_LD | BPF_W | BPF_ABS}: A = the 32-bit word at offset k of the input. */
    static final int LD_W_ABS = 0x20;
    /** {@code BPF_ALU | BPF_AND | BPF_K}: A &= k. */
    static final int AND_K = 0x54;
    /** {@code BPF_JMP | BPF_JA}: skip k instructions. */
    static final int JA = 0x05;
    /** {@code BPF_JMP | BPF_JEQ | BPF_K}: if A == k skip jt, else jf. */
    public static final int JEQ = 0x15;
    /** {@code BPF_JMP | BPF_JGT | BPF_K}: unsigned A > k. */
    public static final int JGT = 0x25;
    /** {@code BPF_JMP | BPF_JGE | BPF_K}: unsigned A >= k. */
    public static final int JGE = 0x35;
    /** {@code BPF_JMP | BPF_JSET | BPF_K}: A & k != 0. */
    public static final int JSET = 0x45;
    /** {@code BPF_RET | BPF_K}: end, returning k. */
    static final int RET_K = 0x06;
    /** The kernel's limit on a filter's length (include/uapi/linux/bpf_common.h). */
    public static final int MAX_INSNS = 4096;

    private ClassicBpf() {
    }

    /** One instruction, a {@code struct sock_filter}. */
    public record Insn(int code, int jt, int jf, int k) {
        /** What it does, in the notation of {@code seccomp-tools dump}; {@code at} is its own index. */
        String text(int at, IntFunction<String> offsetName, IntFunction<String> returned) {
            return switch (code) {
                case LD_W_ABS -> "A = " + offsetName.apply(k);
                case AND_K -> "A &= " + hex(k);
                case JA -> "goto " + String.format("%04d", at + 1 + k);
                case RET_K -> "return " + returned.apply(k);
                case JEQ, JGT, JGE, JSET -> {
                    String op = switch (code) {
                        case JEQ -> "==";
                        case JGT -> ">";
                        case JGE -> ">=";
                        default -> "&";
                    };
                    String cond = "A " + op + " " + hex(k);
                    String t = String.format("%04d", at + 1 + jt);
                    String f = String.format("%04d", at + 1 + jf);
                    yield jf == 0 ? "if (" + cond + ") goto " + t : jt == 0 ? "if (!(" + cond + ")) goto " + f
                            : "if (" + cond + ") goto " + t + " else goto " + f;
                }
                default -> "?";
            };
        }
    }

    /** A finished program: its instructions, the bytes seccomp(2) is given, and a listing. */
    public record Program(List<Insn> insns) {
        public int size() {
            return insns.size();
        }

        /** The {@code struct sock_filter} array. */
        public byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(8 * insns.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (Insn i : insns) {
                b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
            }
            return b.array();
        }

        /**
         * Every instruction: index, the four fields, and what it does, as {@code seccomp-tools dump} prints a
         * filter. {@code offsetName} names a load's offset ({@code sys_number}, {@code args[0]}),
         * {@code returned} a return value ({@code ALLOW}, {@code ERRNO(1)}).
         */
        public List<String> listing(IntFunction<String> offsetName, IntFunction<String> returned) {
            List<String> lines = new ArrayList<>();
            lines.add(" line  CODE  JT   JF      K");
            lines.add("=================================");
            for (int at = 0; at < insns.size(); at++) {
                Insn i = insns.get(at);
                lines.add(String.format(" %04d: 0x%02x 0x%02x 0x%02x 0x%08x  %s", at, i.code(), i.jt(), i.jf(), i.k(),
                        i.text(at, offsetName, returned)));
            }
            return lines;
        }
    }

    /**
     * Writes instructions in order. Jump targets are labels (null: the next instruction); a label must be
     * placed after the jumps to it, since classic BPF only jumps forward.
     */
    public static final class Builder {
        private final List<int[]> code = new ArrayList<>(); // {code, jt, jf, k}
        private final List<String[]> targets = new ArrayList<>(); // {jt label, jf label} per instruction
        private final Map<String, Integer> labels = new HashMap<>();
        private int fresh;

        /** A label name no other call returned. */
        public String newLabel(String hint) {
            return hint + "#" + fresh++;
        }

        /** Places {@code label} at the next instruction. */
        public Builder label(String label) {
            if (labels.putIfAbsent(label, code.size()) != null) {
                throw new IllegalArgumentException("label placed twice: " + label);
            }
            return this;
        }

        /** A = the 32-bit word at {@code offset} of the input. */
        public Builder load(int offset) {
            return add(LD_W_ABS, null, null, offset);
        }

        /** A &= k. */
        public Builder and(int k) {
            return add(AND_K, null, null, k);
        }

        /** A conditional jump ({@link #JEQ}, {@link #JGT}, {@link #JGE}, {@link #JSET}); null labels mean "next". */
        public Builder jump(int op, int k, String ifTrue, String ifFalse) {
            if (op != JEQ && op != JGT && op != JGE && op != JSET) {
                throw new IllegalArgumentException("not a conditional jump: 0x" + Integer.toHexString(op));
            }
            return add(op, ifTrue, ifFalse, k);
        }

        /** An unconditional jump to {@code label}, however far. */
        public Builder jumpTo(String label) {
            return add(JA, label, null, 0);
        }

        /** Ends with {@code k}. */
        public Builder ret(int k) {
            return add(RET_K, null, null, k);
        }

        /** Appends a finished program's instructions as they are: their jumps are relative, and stay inside it. */
        public Builder append(Program p) {
            for (Insn i : p.insns()) {
                code.add(new int[] {i.code(), i.jt(), i.jf(), i.k()});
                targets.add(new String[] {null, null});
            }
            return this;
        }

        /** The number of instructions so far. */
        public int size() {
            return code.size();
        }

        private Builder add(int op, String t, String f, int k) {
            code.add(new int[] {op, 0, 0, k});
            targets.add(new String[] {t, f});
            return this;
        }

        /** Resolves every label; refuses a backward jump, a conditional one past 255, or a missing label. */
        public Program build() {
            List<Insn> out = new ArrayList<>(code.size());
            for (int at = 0; at < code.size(); at++) {
                int[] c = code.get(at);
                String[] t = targets.get(at);
                if (c[0] == JA) {
                    out.add(new Insn(JA, 0, 0, t[0] == null ? c[3] : distance(at, t[0], Integer.MAX_VALUE)));
                } else if (c[0] == JEQ || c[0] == JGT || c[0] == JGE || c[0] == JSET) {
                    out.add(new Insn(c[0], t[0] == null ? c[1] : distance(at, t[0], 255),
                            t[1] == null ? c[2] : distance(at, t[1], 255), c[3]));
                } else {
                    out.add(new Insn(c[0], 0, 0, c[3]));
                }
            }
            return new Program(List.copyOf(out));
        }

        private int distance(int at, String label, int max) {
            if (label == null) {
                return 0;
            }
            Integer to = labels.get(label);
            if (to == null) {
                throw new IllegalStateException("jump to a label never placed: " + label);
            }
            int d = to - at - 1;
            if (d < 0 || d > max) {
                throw new IllegalStateException("instruction " + at + " cannot jump " + d + " to " + label
                        + (d < 0 ? " (backward)" : " (a conditional jump skips at most 255)"));
            }
            return d;
        }
    }

    private static String hex(int k) {
        return "0x" + Integer.toHexString(k);
    }
}
