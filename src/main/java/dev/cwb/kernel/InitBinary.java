package dev.cwb.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * cwb-init's program file ({@link InitProgram}), written where no one else can reach it and run from the
 * very descriptor whose bytes were checked.
 *
 * <p><b>Why a descriptor.</b> cwb-init runs with the workbench's rights — root, usually. Checking a file by
 * its path and later starting it by that path leaves a gap in between: whoever can rename or replace the
 * file in the meantime has their own program run as root. So the file is opened once, with
 * {@code O_NOFOLLOW} (a symbolic link planted at the name is refused, never followed), its owner, type,
 * mode and bytes are checked through that descriptor, and cwb-init is started as
 * {@code /proc/self/fd/N} of that same descriptor — the inode that was checked, whatever the name points at
 * by then. Nobody else can change that inode's bytes: it is owned by this user and writable by no one
 * else, and it lies in a directory of this user's that is 0700. (runc protects its own binary the same
 * way since CVE-2019-5736, and execveat(2) with {@code AT_EMPTY_PATH} is the call glibc's fexecve(3)
 * makes.)
 *
 * <p><b>Why the number is kept above 4.</b> posix_spawn(3) applies its file actions (descriptors 0..4 of
 * the child: standard streams and control sockets) before the execve of {@code /proc/self/fd/N}: were N
 * one of them, the child would exec whatever was moved there. The descriptor is close-on-exec, so cwb-init
 * itself never holds it.
 *
 * <p>The writing and checking calls are the workbench's own housekeeping, made untraced through
 * syscall(2) on this thread.
 */
public final class InitBinary implements AutoCloseable {
    /** The file's name in its directory. */
    public static final String NAME = "cwb-init";
    /** posix_spawn's file actions use descriptors 0..4; the program's descriptor stays clear of them. */
    private static final int LOWEST_FD = 10;
    static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int F_DUPFD_CLOEXEC = 1030;
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;

    private final int fd;
    private final Path path;
    private final byte[] bytes;
    private volatile boolean closed;

    private InitBinary(int fd, Path path, byte[] bytes) {
        this.fd = fd;
        this.path = path;
        this.bytes = bytes;
    }

    /**
     * Makes sure {@code dir}/cwb-init holds {@link InitProgram#forCurrentArch()} and returns it opened and
     * checked. {@code dir} must be a directory (not a link) owned by this user; it is narrowed to 0700 when
     * wider. A file already there with other bytes, another owner or a mode others may write is replaced:
     * the new one is written under a fresh name ({@code O_CREAT|O_EXCL|O_NOFOLLOW}) and renamed over it.
     */
    public static InitBinary install(Path dir) throws IOException {
        return install(dir, InitProgram.forCurrentArch());
    }

    static InitBinary install(Path dir, byte[] bytes) throws IOException {
        return install(dir, NAME, bytes);
    }

    /**
     * The same for another of the workbench's programs, {@code name} in {@code dir} holding {@code bytes}
     * ({@link Pid1Program}, which {@code run --init} bind-mounts from this very descriptor).
     */
    public static InitBinary install(Path dir, String name, byte[] bytes) throws IOException {
        if (!LibC.AVAILABLE) {
            throw new IOException("cwb-init needs Linux and its C library");
        }
        int euid = LibC.geteuid();
        int dirfd = check("open", dir, LibC.openat(StraceText.AT_FDCWD, cString(dir.toString()),
                OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0));
        try {
            int[] st = statx(dirfd, dir);
            if ((st[0] & S_IFMT) != S_IFDIR || st[1] != euid) {
                throw new IOException(dir + " is not a directory of user " + euid + " (owner " + st[1]
                        + "): cwb-init is written only where no one else can reach it");
            }
            if ((st[0] & 077) != 0) {
                check("chmod 0700", dir, (int) LibC.syscall(SyscallNumber.FCHMOD.number(), dirfd, 0700, 0, 0, 0, 0));
            }
            InitBinary found = openChecked(dirfd, dir, name, bytes, euid);
            if (found != null) {
                return found;
            }
            write(dirfd, dir, name, bytes);
            InitBinary written = openChecked(dirfd, dir, name, bytes, euid);
            if (written == null) {
                throw new IOException(dir.resolve(name) + " changed right after it was written: someone else writes there");
            }
            return written;
        } finally {
            LibC.close(dirfd);
        }
    }

    /** The file as opened at install time, or null when it is missing or not exactly the program. */
    private static InitBinary openChecked(int dirfd, Path dir, String name, byte[] bytes, int euid) throws IOException {
        int fd = LibC.openat(dirfd, cString(name), OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.ENOENT || errno == 40) { // ELOOP: a symbolic link at the name is replaced, never followed
                return null;
            }
            throw new SyscallException("openat", dir.resolve(name) + ", O_RDONLY|O_NOFOLLOW", errno);
        }
        boolean keep = false;
        try {
            int[] st = statx(fd, dir.resolve(name));
            if ((st[0] & S_IFMT) != S_IFREG || st[1] != euid || (st[0] & 022) != 0 || (st[0] & 0100) == 0
                    || st[2] != bytes.length || !Arrays.equals(pread(fd, bytes.length + 1), bytes)) {
                return null;
            }
            int high = fd >= LOWEST_FD ? fd : check("dup", dir, (int) LibC.syscall(SyscallNumber.FCNTL.number(), fd,
                    F_DUPFD_CLOEXEC, LOWEST_FD, 0, 0, 0));
            if (high != fd) {
                LibC.close(fd);
                fd = high;
            }
            keep = true;
            return new InitBinary(fd, dir.resolve(name), bytes);
        } finally {
            if (!keep) {
                LibC.close(fd);
            }
        }
    }

    /** Writes the program under a fresh name in {@code dirfd}, then renames it to {@code name}. */
    private static void write(int dirfd, Path dir, String name, byte[] bytes) throws IOException {
        String tmp = "." + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp";
        int fd = check("create", dir.resolve(tmp), LibC.openat(dirfd, cString(tmp),
                OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0700));
        boolean renamed = false;
        try {
            try {
                if (LibC.write(fd, bytes, bytes.length) != bytes.length) {
                    throw new IOException("could not write " + dir.resolve(tmp) + ": " + Errno.name(Native.getLastError()));
                }
            } finally {
                LibC.close(fd); // closed before it is run: a file open for writing cannot be exec'd (ETXTBSY)
            }
            try (Memory from = cMemory(tmp); Memory to = cMemory(name)) {
                check("rename", dir.resolve(tmp), (int) LibC.syscall(SyscallNumber.RENAMEAT2.number(), dirfd,
                        Pointer.nativeValue(from), dirfd, Pointer.nativeValue(to), 0, 0));
            }
            renamed = true;
        } finally {
            if (!renamed) {
                try (Memory tmpName = cMemory(tmp)) {
                    LibC.syscall(SyscallNumber.UNLINKAT.number(), dirfd, Pointer.nativeValue(tmpName), 0, 0, 0, 0);
                }
            }
        }
    }

    /**
     * The path posix_spawn(3) is given: this descriptor in /proc, re-checked first (the same bytes, still
     * through the descriptor). The kernel resolves it in the child, after the file actions, to the inode
     * opened at install time.
     */
    String spawnPath() throws IOException {
        if (closed) {
            throw new IOException("cwb-init's descriptor is closed");
        }
        if (!Arrays.equals(pread(fd, bytes.length + 1), bytes)) {
            throw new IOException(path + " changed after it was checked: not starting it");
        }
        return "/proc/self/fd/" + fd;
    }

    /**
     * The descriptor, its bytes re-checked first: what {@code run --init} hands the container's PID 1 to
     * bind-mount as {@code /proc/self/fd/N} — the inode checked at install time, whatever the name points at.
     */
    public int checkedDescriptor() throws IOException {
        spawnPath();
        return fd;
    }

    /** Where the file was written (what the learner can look at). */
    public Path path() {
        return path;
    }

    /** The descriptor cwb-init is started from. */
    public int fd() {
        return fd;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }

    /** statx(2) of a descriptor: {mode, uid, size}. */
    static int[] statx(int fd, Path what) throws IOException {
        try (Memory empty = new Memory(1); Memory buf = new Memory(256)) {
            empty.setByte(0, (byte) 0);
            buf.clear();
            check("statx", what, (int) LibC.syscall(SyscallNumber.STATX.number(), fd, Pointer.nativeValue(empty),
                    AT_EMPTY_PATH, STATX_BASIC_STATS, Pointer.nativeValue(buf), 0));
            // struct statx: stx_uid at 20, stx_mode (16 bits) at 28, stx_size at 40 (include/uapi/linux/stat.h)
            return new int[] {buf.getShort(28) & 0xffff, buf.getInt(20), (int) Math.min(Integer.MAX_VALUE, buf.getLong(40))};
        }
    }

    /** Up to {@code max} bytes from offset 0 (pread(2): the descriptor's offset is left alone). */
    private static byte[] pread(int fd, int max) throws IOException {
        try (Memory buf = new Memory(max)) {
            long n = LibC.syscall(SyscallNumber.PREAD64.number(), fd, Pointer.nativeValue(buf), max, 0, 0, 0);
            if (n < 0) {
                throw new SyscallException("pread64", Integer.toString(fd), Native.getLastError());
            }
            return buf.getByteArray(0, (int) n);
        }
    }

    private static int check(String what, Path path, int result) throws IOException {
        if (result < 0) {
            int errno = Native.getLastError();
            throw new IOException("could not " + what + " " + path + ": " + Errno.name(errno) + " (" + Errno.message(errno) + ")");
        }
        return result;
    }

    static byte[] cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(b, b.length + 1);
    }

    static Memory cMemory(String s) {
        byte[] b = cString(s);
        Memory m = new Memory(b.length);
        m.write(0, b, 0, b.length);
        return m;
    }
}
