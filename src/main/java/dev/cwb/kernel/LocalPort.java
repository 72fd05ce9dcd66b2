package dev.cwb.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.util.ArrayList;
import java.util.List;

/** Makes calls on the calling thread through syscall(2): the arguments' blocks live in native memory. */
final class LocalPort implements SyscallPort {
    /** Each thread's kernel id, learnt once per thread (a task's id never changes). */
    private static final ThreadLocal<Long> TID = new ThreadLocal<>();

    @Override
    public long make(long number, Object[] args) {
        List<Block> blocks = new ArrayList<>();
        for (Object a : args) {
            if (a instanceof Block b) {
                blocks.add(b);
            }
        }
        Block.Frame frame = new Block.Frame(blocks);
        try (Memory memory = new Memory(Math.max(8, frame.size()))) {
            long base = Pointer.nativeValue(memory);
            byte[] bytes = frame.encode(base);
            memory.write(0, bytes, 0, bytes.length);
            long[] w = new long[6];
            for (int i = 0; i < args.length; i++) {
                w[i] = args[i] instanceof Block b ? frame.address(b, base) : (Long) args[i];
            }
            long result = LibC.syscall(number, w[0], w[1], w[2], w[3], w[4], w[5]);
            int errno = result == -1 ? Native.getLastError() : 0;
            if (frame.hasOut()) {
                frame.decode(memory.getByteArray(0, frame.size()));
            }
            return errno != 0 ? -errno : result;
        }
    }

    /** The calling thread's id once a traced gettid(2) told it (so the trace shows that call too), else 0. */
    @Override
    public long callerId() {
        Long tid = TID.get();
        return tid == null ? 0 : tid;
    }

    static void learnTid(long tid) {
        TID.set(tid);
    }
}
