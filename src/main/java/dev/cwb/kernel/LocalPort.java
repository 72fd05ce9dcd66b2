package dev.cwb.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;


/** Makes calls on the calling thread through syscall(2): the arguments' blocks live in native memory. */
final class LocalPort implements SyscallPort {
    /** Each thread's kernel id, learnt once per thread (a task's id never changes). */
    private static final ThreadLocal<Long> TID = new ThreadLocal<>();

    @Override
    public long make(long number, Object[] args) {
        Block.Frame frame = new Block.Frame(args);
        try (Memory memory = new Memory(Math.max(8, frame.size()))) {
            long base = Pointer.nativeValue(memory);
            byte[] bytes = frame.encode(base);
            memory.write(0, bytes, 0, bytes.length);
            long[] w = frame.words(args, base);
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
