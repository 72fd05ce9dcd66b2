package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A piece of memory a system call argument points at: a C string, a struct, an array of pointers. A
 * block may hold pointers to other blocks (an argv array points at its strings; a msghdr at its iovec),
 * and may be written by the kernel (an "out" block: a wait status, a received descriptor).
 *
 * <p>{@link Frame} lays a call's blocks out one after the other in one piece of memory — in this JVM for
 * a call made here, or in cwb-init's buffer for a call made there — and fills in every pointer with the
 * real address. So the same call can be made in either process.
 */
public final class Block {
    private final byte[] bytes;
    private final boolean out;
    private final List<Pointer> pointers = new ArrayList<>();

    private record Pointer(int offset, Block target) {
    }

    private Block(byte[] bytes, boolean out) {
        this.bytes = bytes;
        this.out = out;
    }

    /** Bytes the kernel reads. */
    public static Block of(byte[] bytes) {
        return new Block(bytes.clone(), false);
    }

    /** {@code size} bytes the kernel writes (read them back with {@link #bytes()} after the call). */
    public static Block out(int size) {
        return new Block(new byte[size], true);
    }

    /** Bytes the kernel reads and may write back (a msghdr: recvmsg(2) updates its lengths and flags). */
    public static Block inOut(byte[] bytes) {
        return new Block(bytes.clone(), true);
    }

    /** A NULL-terminated array of pointers to {@code items} (argv, envp). */
    public static Block pointerArray(List<Block> items) {
        Block array = new Block(new byte[8 * (items.size() + 1)], false);
        for (int i = 0; i < items.size(); i++) {
            array.pointTo(8 * i, items.get(i));
        }
        return array;
    }

    /** Makes the 8 bytes at {@code offset} hold the address of {@code target}; returns this block. */
    public Block pointTo(int offset, Block target) {
        pointers.add(new Pointer(offset, target));
        return this;
    }

    /** The block's bytes: after a call, what the kernel wrote into an out block. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The little-endian int at {@code offset} (the machines the workbench runs on are little-endian). */
    public int intAt(int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    /** The little-endian long at {@code offset}. */
    public long longAt(int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    public int size() {
        return bytes.length;
    }

    boolean isOut() {
        return out;
    }

    /**
     * All blocks of a call, each once, with their addresses relative to the frame's start: the given
     * blocks and everything they point at.
     */
    static final class Frame {
        private final List<Block> blocks = new ArrayList<>();
        private final List<Integer> offsets = new ArrayList<>();
        private int size;

        /** The frame of a call's arguments: each a {@link Long} value or a {@link Block}. */
        Frame(Object[] args) {
            for (Object a : args) {
                if (a instanceof Block b) {
                    add(b);
                }
            }
        }

        /** The six argument words of the call when the frame sits at {@code base}: values as given, blocks by address. */
        long[] words(Object[] args, long base) {
            long[] w = new long[6];
            for (int i = 0; i < args.length; i++) {
                w[i] = args[i] instanceof Block b ? address(b, base) : (Long) args[i];
            }
            return w;
        }

        private void add(Block b) {
            for (Block known : blocks) {
                if (known == b) {
                    return;
                }
            }
            blocks.add(b);
            offsets.add(size);
            size += (b.bytes.length + 7) & ~7; // keep every block 8-byte aligned
            for (Pointer p : b.pointers) {
                add(p.target());
            }
        }

        int size() {
            return size;
        }

        boolean hasOut() {
            return blocks.stream().anyMatch(Block::isOut);
        }

        long address(Block b, long base) {
            for (int i = 0; i < blocks.size(); i++) {
                if (blocks.get(i) == b) {
                    return base + offsets.get(i);
                }
            }
            throw new IllegalArgumentException("block is not part of this frame");
        }

        /** The frame's bytes when it sits at address {@code base}. */
        byte[] encode(long base) {
            ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < blocks.size(); i++) {
                Block b = blocks.get(i);
                int at = offsets.get(i);
                buf.put(at, b.bytes);
                for (Pointer p : b.pointers) {
                    buf.putLong(at + p.offset(), address(p.target(), base));
                }
            }
            return buf.array();
        }

        /** Copies what the kernel wrote back into the out blocks. */
        void decode(byte[] frame) {
            for (int i = 0; i < blocks.size(); i++) {
                Block b = blocks.get(i);
                if (b.out) {
                    int at = offsets.get(i);
                    System.arraycopy(frame, at, b.bytes, 0, Math.min(b.bytes.length, Math.max(0, frame.length - at)));
                }
            }
        }

        @Override
        public String toString() {
            return "Frame" + Arrays.toString(offsets.toArray());
        }
    }
}
