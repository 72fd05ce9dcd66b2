package dev.cwb.kernel;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * posix_spawn(3), the one way the workbench starts a process. glibc implements it with clone(2)
 * ({@code CLONE_VM|CLONE_VFORK}) and execve(2), so nothing of the JVM runs in the child: unlike
 * {@code fork}, it is safe from a process with many threads. The child gets exactly the descriptors the
 * file actions name (plus any without close-on-exec), default signal handlers, an empty signal mask, and
 * a process group other than the workbench's: the signals a terminal sends to its foreground group
 * (Ctrl-C's SIGINT) and a container's {@code kill(0, ...)} then never reach the other side.
 */
final class Spawn {
    /** The libc functions, through JNA's interface mapping (which handles {@code char *argv[]}). */
    interface C extends Library {
        int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr, String[] argv, String[] envp);

        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawnattr_init(Pointer attr);

        int posix_spawnattr_setflags(Pointer attr, short flags);

        int posix_spawnattr_setsigmask(Pointer attr, Pointer set);

        int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

        int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

        int posix_spawnattr_destroy(Pointer attr);

        int sigemptyset(Pointer set);

        int sigfillset(Pointer set);
    }

    private static final short POSIX_SPAWN_SETPGROUP = 0x02;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static volatile C c;

    private Spawn() {
    }

    private static C c() {
        if (c == null) {
            JnaStart.configure();
            c = Native.load(Platform.C_LIBRARY_NAME, C.class);
        }
        return c;
    }

    /** {@link #spawn(String, String[], int[][], int)} into a new process group of the child's own. */
    static int spawn(String path, String[] argv, int[][] dup2) throws SyscallException {
        return spawn(path, argv, dup2, 0);
    }

    /**
     * Starts {@code path} with {@code argv} and an empty environment; descriptor {@code dup2[i][0]} of this
     * process becomes {@code dup2[i][1]} in the child, which joins process group {@code pgroup} (0: a new
     * group of its own, setpgid(2)). Returns the child's pid, or throws with the errno.
     */
    static int spawn(String path, String[] argv, int[][] dup2, int pgroup) throws SyscallException {
        C lib = c();
        // glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128: room to spare.
        try (Memory actions = new Memory(256); Memory attr = new Memory(512); Memory none = new Memory(256);
             Memory all = new Memory(256)) {
            lib.posix_spawn_file_actions_init(actions);
            lib.posix_spawnattr_init(attr);
            try {
                for (int[] d : dup2) {
                    lib.posix_spawn_file_actions_adddup2(actions, d[0], d[1]);
                }
                lib.sigemptyset(none);
                lib.sigfillset(all);
                lib.posix_spawnattr_setsigmask(attr, none);
                lib.posix_spawnattr_setsigdefault(attr, all);
                lib.posix_spawnattr_setpgroup(attr, pgroup);
                lib.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP));
                IntByReference pid = new IntByReference();
                int error = lib.posix_spawn(pid, path, actions, attr, argv, new String[0]);
                if (error != 0) {
                    throw new SyscallException("posix_spawn", "\"" + path + "\"", error);
                }
                return pid.getValue();
            } finally {
                lib.posix_spawn_file_actions_destroy(actions);
                lib.posix_spawnattr_destroy(attr);
            }
        }
    }
}
