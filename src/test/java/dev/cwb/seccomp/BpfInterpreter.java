package dev.cwb.seccomp;

import dev.cwb.kernel.ClassicBpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Runs a classic-BPF program over a {@code struct seccomp_data} the way the kernel's interpreter does
 * (net/core/filter.c for the instructions a seccomp filter may use), so a test can ask a compiled filter
 * about every call number without loading it.
 */
final class BpfInterpreter {
    private BpfInterpreter() {
    }

    static int run(ClassicBpf.Program p, int arch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        List<ClassicBpf.Insn> code = p.insns();
        int a = 0;
        int pc = 0;
        while (true) {
            ClassicBpf.Insn i = code.get(pc);
            int k = i.k();
            switch (i.code()) {
                case 0x20 -> a = data.getInt(k);
                case 0x54 -> a &= k;
                case 0x05 -> pc += k;
                case 0x06 -> {
                    return k;
                }
                case 0x15 -> pc += a == k ? i.jt() : i.jf();
                case 0x25 -> pc += Integer.compareUnsigned(a, k) > 0 ? i.jt() : i.jf();
                case 0x35 -> pc += Integer.compareUnsigned(a, k) >= 0 ? i.jt() : i.jf();
                case 0x45 -> pc += (a & k) != 0 ? i.jt() : i.jf();
                default -> throw new IllegalStateException("instruction " + pc + ": 0x" + Integer.toHexString(i.code()));
            }
            pc++;
        }
    }
}
