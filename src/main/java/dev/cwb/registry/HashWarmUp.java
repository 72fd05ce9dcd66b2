package dev.cwb.registry;

import dev.cwb.image.Digest;

import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets SHA-256 fast before the first layer arrives.
 *
 * <p>Every byte of a pull is hashed to check it against its digest. The JDK hashes fast (over 1 GB/s,
 * with the CPU's SHA instructions) only in code compiled by the JIT's optimising compiler (C2); until
 * then the same work runs as ordinary bytecode at a tenth of that speed, and C2 compiles a method only
 * after it has run many times. Without help, the first ~200 ms of hashing in a fresh {@code cwb pull}
 * ran slow. So while the registry is asked for the manifest (a wait on the network), a background
 * thread hashes 1 MiB of zeros in small pieces, enough calls for C2 to compile the hashing loop; by
 * the time layers stream in, the fast version is in place (measured: a 227 MB layer came in ~150 ms
 * sooner; 4 MiB gained no more than 1 MiB, and cost a core for longer). Once per JVM: in the shell,
 * later pulls find it compiled already.
 */
final class HashWarmUp {
    private static final int TOTAL = 1 << 20;
    /** Small pieces: C2 counts calls as well as loop turns, and many short calls get it there soonest. */
    private static final int PIECE = 4 << 10;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private HashWarmUp() {
    }

    static void startOnce() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(HashWarmUp::run, "cwb-hash-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        MessageDigest sha256 = Digest.newSha256();
        byte[] piece = new byte[PIECE];
        for (int done = 0; done < TOTAL; done += PIECE) {
            sha256.update(piece, 0, PIECE);
        }
        sha256.digest();
    }
}
