package dev.cwb.kernel;

import com.sun.jna.Native;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory held open, and the file calls a layer extraction makes relative to it: each names one
 * entry of this directory by its bytes ({@link FileNames}) and never follows a symbolic link in that last
 * component ({@code O_NOFOLLOW}, {@code AT_SYMLINK_NOFOLLOW}, {@code O_CREAT|O_EXCL}, or a call that never
 * follows: mkdirat, symlinkat, mknodat, linkat without {@code AT_SYMLINK_FOLLOW}, unlinkat). A descriptor
 * names the directory itself, not a path to it: renaming it, or swapping a symlink in for it, after it was
 * opened does not move where these calls land (openat(2), "Rationale for openat()"). Untraced, like the rest
 * of {@link Kernel}'s bulk file work; each failure is a {@link SyscallException} with the call, the name
 * and the errno.
 */
public final class DirFd implements AutoCloseable {
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int ELOOP = 40;
    public static final int EACCES = 13;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EXDEV = 18;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int EPERM = 1;
    private static final int E2BIG = 7;
    private static final int ERANGE = 34;
    private static final int ENODATA = 61;
    private static final int ENOTSUP = 95;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_REMOVEDIR = 0x200;
    private static final int STATX_TYPE_MODE = 0x3;
    private static final int STATX_BASIC_STATS = 0x7ff;
    /** openat2(2) has one number on every architecture (the unified table from 424 on). */
    private static final long SYS_OPENAT2 = 437;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final int PATH_FLAGS = OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
    /** Cleared when the kernel (before 5.6) or a seccomp filter refuses openat2: resolution then walks component by component. */
    private static volatile boolean openat2Works = true;

    private final int fd;
    private volatile boolean closed;

    private DirFd(int fd) {
        this.fd = fd;
    }

    /** Opens the directory {@code dir} (its last component not followed) as the place later calls are relative to. */
    public static DirFd open(Path dir) throws SyscallException {
        byte[] path = FileNames.cString(dir.toAbsolutePath().toString());
        int fd = LibC.openat(AT_FDCWD, path, PATH_FLAGS, 0);
        if (fd < 0) {
            throw new SyscallException("openat", dir + ", O_PATH|O_DIRECTORY|O_NOFOLLOW", Native.getLastError());
        }
        return new DirFd(fd);
    }

    /** The descriptor, for calls made on it elsewhere in this package. */
    int fd() {
        return fd;
    }

    /** The entry {@code name} as a directory of its own; ENOTDIR (a symlink, a file) or ENOENT otherwise. */
    public DirFd openDir(String name) throws SyscallException {
        int r = LibC.openat(fd, FileNames.cString(name), PATH_FLAGS, 0);
        if (r < 0) {
            throw fail("openat", name, Native.getLastError());
        }
        return new DirFd(r);
    }

    /** The entry {@code name} as a directory of its own, or null when it is none (missing, a file, a symbolic link). */
    public DirFd openDirOrNull(String name) throws SyscallException {
        int r = LibC.openat(fd, FileNames.cString(name), PATH_FLAGS, 0);
        if (r < 0) {
            int errno = Native.getLastError();
            if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
                return null;
            }
            throw fail("openat", name, errno);
        }
        return new DirFd(r);
    }

    /**
     * Resolves {@code relPath} inside the directory this descriptor holds as if it were {@code /}:
     * symbolic links are followed, an absolute target starts again here and {@code ..} stops here, all in
     * one openat2(2) with {@code RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS} (Linux 5.6). Returns {@code null}
     * when the kernel has no openat2 (the caller walks instead), and throws with the errno when the path
     * does not resolve to a directory (ENOENT, ENOTDIR, ELOOP, and EAGAIN/EXDEV when a rename raced it).
     */
    public DirFd resolveDir(String relPath) throws SyscallException {
        if (!openat2Works) {
            return null;
        }
        long[] how = {OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        byte[] path = FileNames.cString(relPath);
        for (int attempt = 0; ; attempt++) {
            long r = LibC.syscall(SYS_OPENAT2, fd, path, how, 24);
            if (r >= 0) {
                return new DirFd((int) r);
            }
            int errno = Native.getLastError();
            if (errno == ENOSYS || errno == E2BIG || errno == EPERM || errno == EINVAL) {
                openat2Works = false; // no openat2 here, or a filter forbids it
                return null;
            }
            if ((errno == EAGAIN || errno == EINTR) && attempt < 8) {
                continue; // a rename somewhere in the tree raced the lookup: the kernel asks to try again
            }
            throw fail("openat2", relPath + ", RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS", errno == EXDEV ? EAGAIN : errno);
        }
    }

    /** True while openat2(2) is used (false after the kernel refused it once). */
    public static boolean usesOpenat2() {
        return openat2Works;
    }

    /** For tests: resolve by walking, as on a kernel without openat2. */
    public static void disableOpenat2ForTests(boolean disable) {
        openat2Works = !disable;
    }

    /** The file type and permission bits of {@code name} ({@code S_IFMT} part: {@link #S_IFDIR}...), or -1 when there is none. */
    public int mode(String name) throws SyscallException {
        byte[] buf = new byte[256];
        if (LibC.statx(fd, FileNames.cString(name), AT_SYMLINK_NOFOLLOW, STATX_TYPE_MODE, buf) != 0) {
            int errno = Native.getLastError();
            if (errno == ENOENT) {
                return -1;
            }
            throw fail("statx", name, errno);
        }
        return (buf[28] & 0xff) | (buf[29] & 0xff) << 8; // stx_mode, a little-endian __u16 at offset 28
    }

    public static boolean isDir(int mode) {
        return mode >= 0 && (mode & S_IFMT) == S_IFDIR;
    }

    public static boolean isSymlink(int mode) {
        return mode >= 0 && (mode & S_IFMT) == S_IFLNK;
    }

    /**
     * What statx(2) says of an entry, the fields a tar header and a hard-link check need ({@code struct statx}
     * has one layout on every architecture, unlike {@code struct stat}).
     */
    public record Stat(int mode, int uid, int gid, long size, int nlink, long ino, int devMajor, int devMinor,
                       int rdevMajor, int rdevMinor, long mtimeSeconds, int mtimeNanos) {
        public int type() {
            return mode & S_IFMT;
        }

        public boolean isDirectory() {
            return type() == S_IFDIR;
        }

        /** overlayfs's whiteout: a character device 0:0 (overlayfs.rst, "whiteouts and opaque directories"). */
        public boolean isWhiteout() {
            return type() == S_IFCHR && rdevMajor == 0 && rdevMinor == 0;
        }
    }

    /** statx(2) of the entry {@code name} itself (a symbolic link is not followed). */
    public Stat stat(String name) throws SyscallException {
        byte[] buf = new byte[256];
        if (LibC.statx(fd, FileNames.cString(name), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0) {
            throw fail("statx", name, Native.getLastError());
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.nativeOrder());
        return new Stat(b.getShort(28) & 0xffff, b.getInt(20), b.getInt(24), b.getLong(40), b.getInt(16), b.getLong(32),
                b.getInt(136), b.getInt(140), b.getInt(128), b.getInt(132), b.getLong(112), b.getInt(120));
    }

    /**
     * The extended attributes of the entry {@code name} itself, by attribute name (sorted), values as bytes;
     * empty where the file system keeps none. Read with llistxattr(2)/lgetxattr(2) of
     * {@code /proc/self/fd/FD/NAME}: this directory's descriptor, then the name, whose last component the
     * {@code l} calls never follow.
     */
    public java.util.Map<String, byte[]> xattrs(String name) throws SyscallException {
        java.util.Map<String, byte[]> result = new java.util.TreeMap<>();
        byte[] here = ("/proc/self/fd/" + fd + "/").getBytes(StandardCharsets.US_ASCII);
        byte[] encoded = FileNames.encode(name);
        byte[] path = java.util.Arrays.copyOf(here, here.length + encoded.length + 1);
        System.arraycopy(encoded, 0, path, here.length, encoded.length);
        byte[] list = new byte[4096];
        long n;
        while (true) {
            n = LibC.llistxattr(path, list, list.length);
            if (n >= 0) {
                break;
            }
            int errno = Native.getLastError();
            if (errno == ERANGE && list.length < (1 << 20)) {
                list = new byte[list.length * 4];
                continue;
            }
            if (errno == ENOTSUP) {
                return result;
            }
            throw fail("llistxattr", name, errno);
        }
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (list[i] == 0) {
                if (i > start) {
                    byte[] attr = java.util.Arrays.copyOfRange(list, start, i + 1); // with its NUL
                    byte[] value = getxattr(path, attr, name);
                    if (value != null) {
                        result.put(new String(attr, 0, attr.length - 1, StandardCharsets.UTF_8), value);
                    }
                }
                start = i + 1;
            }
        }
        return result;
    }

    private static byte[] getxattr(byte[] path, byte[] attr, String name) throws SyscallException {
        byte[] value = new byte[4096];
        while (true) {
            long n = LibC.lgetxattr(path, attr, value, value.length);
            if (n >= 0) {
                return java.util.Arrays.copyOf(value, (int) n);
            }
            int errno = Native.getLastError();
            if (errno == ERANGE && value.length < (1 << 20)) {
                value = new byte[value.length * 16];
                continue;
            }
            if (errno == ENODATA) {
                return null; // removed meanwhile
            }
            throw fail("lgetxattr", name + ", " + new String(attr, 0, attr.length - 1, StandardCharsets.UTF_8), errno);
        }
    }

    /** mkdirat(2); false when something is there already (EEXIST). */
    public boolean mkdir(String name, int mode) throws SyscallException {
        if (LibC.mkdirat(fd, FileNames.cString(name), mode) != 0) {
            int errno = Native.getLastError();
            if (errno == EEXIST) {
                return false;
            }
            throw fail("mkdirat", name, errno);
        }
        return true;
    }

    /** A new regular file, open for writing ({@code O_CREAT|O_EXCL}: never an existing file, never through a symlink). */
    public int create(String name, int mode) throws SyscallException {
        int r = LibC.openat(fd, FileNames.cString(name),
                OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, mode);
        if (r < 0) {
            throw fail("openat", name + ", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW", Native.getLastError());
        }
        return r;
    }

    /**
     * The regular file {@code name} here, opened for reading with O_NOFOLLOW (a symlink is refused with
     * ELOOP) and O_NONBLOCK (no effect on a regular file; a fifo swapped in after a stat never blocks the read).
     */
    public java.io.InputStream read(String name) throws SyscallException {
        int r = LibC.openat(fd, FileNames.cString(name), OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC, 0);
        if (r < 0) {
            throw fail("openat", name + ", O_RDONLY|O_NOFOLLOW|O_NONBLOCK", Native.getLastError());
        }
        return new java.io.InputStream() {
            private boolean open = true;

            @Override
            public int read() throws java.io.IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                byte[] buf = off == 0 ? b : new byte[len];
                long n = LibC.read(r, buf, Math.min(len, b.length - off));
                if (n < 0) {
                    throw new SyscallException("read", name, Native.getLastError());
                }
                if (buf != b) {
                    System.arraycopy(buf, 0, b, off, (int) n);
                }
                return n == 0 ? -1 : (int) n;
            }

            @Override
            public void close() {
                if (open) {
                    open = false;
                    LibC.close(r);
                }
            }
        };
    }

    public void symlink(String target, String name) throws SyscallException {
        if (LibC.symlinkat(FileNames.cString(target), fd, FileNames.cString(name)) != 0) {
            throw fail("symlinkat", name, Native.getLastError());
        }
    }

    /** linkat(2) of {@code from/fromName} as {@code name} here; a symlink source is linked itself, not followed. */
    public void link(DirFd from, String fromName, String name) throws SyscallException {
        if (LibC.linkat(from.fd, FileNames.cString(fromName), fd, FileNames.cString(name), 0) != 0) {
            throw fail("linkat", fromName + " -> " + name, Native.getLastError());
        }
    }

    public void mknod(String name, int mode, long dev) throws SyscallException {
        if (LibC.mknodat(fd, FileNames.cString(name), mode, dev) != 0) {
            throw fail("mknodat", name, Native.getLastError());
        }
    }

    public void chown(String name, int uid, int gid) throws SyscallException {
        if (LibC.fchownat(fd, FileNames.cString(name), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
            throw fail("fchownat", name, Native.getLastError());
        }
    }

    /**
     * fchmodat(2) with {@code AT_SYMLINK_NOFOLLOW}: glibc makes it fchmodat2(2) (Linux 6.6), or on older
     * kernels an O_PATH descriptor, a check that it is no symlink, and chmod of its /proc/self/fd entry.
     */
    public void chmod(String name, int mode) throws SyscallException {
        if (LibC.fchmodat(fd, FileNames.cString(name), mode, AT_SYMLINK_NOFOLLOW) != 0) {
            throw fail("fchmodat", name, Native.getLastError());
        }
    }

    /** Sets access and modification time of {@code name} itself. */
    public void utimes(String name, long seconds, long nanos) throws SyscallException {
        if (LibC.utimensat(fd, FileNames.cString(name), new long[] {seconds, nanos, seconds, nanos}, AT_SYMLINK_NOFOLLOW) != 0) {
            throw fail("utimensat", name, Native.getLastError());
        }
    }

    /**
     * An extended attribute of {@code name} itself, whatever its type: through an O_PATH descriptor of it
     * (opened with O_NOFOLLOW) and setxattr(2) of {@code /proc/self/fd/N}, which reaches that very inode.
     */
    public void setxattr(String name, String attr, byte[] value) throws SyscallException {
        int r = LibC.openat(fd, FileNames.cString(name), OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0);
        if (r < 0) {
            throw fail("openat", name + ", O_PATH|O_NOFOLLOW", Native.getLastError());
        }
        try {
            byte[] proc = ("/proc/self/fd/" + r + "\0").getBytes(StandardCharsets.US_ASCII);
            if (LibC.setxattr(proc, attr, value, value.length, 0) != 0) {
                throw fail("setxattr", name + ", " + attr, Native.getLastError());
            }
        } finally {
            LibC.close(r);
        }
    }

    /** The same on the directory this descriptor holds. */
    public void setxattrHere(String attr, byte[] value) throws SyscallException {
        byte[] proc = ("/proc/self/fd/" + fd + "\0").getBytes(StandardCharsets.US_ASCII);
        if (LibC.setxattr(proc, attr, value, value.length, 0) != 0) {
            throw fail("setxattr", ". " + attr, Native.getLastError());
        }
    }

    /** unlinkat(2): a file, symlink or node; with {@code dir}, an empty directory. False when it was not there. */
    public boolean unlink(String name, boolean dir) throws SyscallException {
        if (LibC.unlinkat(fd, FileNames.cString(name), dir ? AT_REMOVEDIR : 0) != 0) {
            int errno = Native.getLastError();
            if (errno == ENOENT) {
                return false;
            }
            throw fail("unlinkat", name, errno);
        }
        return true;
    }

    public String readlink(String name) throws SyscallException {
        byte[] buf = new byte[4096];
        long n = LibC.readlinkat(fd, FileNames.cString(name), buf, buf.length);
        if (n < 0) {
            throw fail("readlinkat", name, Native.getLastError());
        }
        return FileNames.decode(buf, 0, (int) n);
    }

    /** The names in this directory (without {@code .} and {@code ..}), as bytes decoded by {@link FileNames}. */
    public List<String> list() throws SyscallException {
        int dir = LibC.openat(fd, new byte[] {'.', 0}, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
        if (dir < 0) {
            throw fail("openat", ". (to list it)", Native.getLastError());
        }
        List<String> names = new ArrayList<>();
        try {
            byte[] buf = new byte[32768];
            while (true) {
                long n = LibC.getdents64(dir, buf, buf.length);
                if (n < 0) {
                    throw fail("getdents64", ".", Native.getLastError());
                }
                if (n == 0) {
                    return names;
                }
                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                for (int off = 0; off < n; ) {
                    int reclen = (buf[off + 16] & 0xff) | (buf[off + 17] & 0xff) << 8;
                    int start = off + 19;
                    int end = start;
                    while (end < off + reclen && buf[end] != 0) {
                        end++;
                    }
                    boolean dot = end - start == 1 && buf[start] == '.';
                    boolean dotdot = end - start == 2 && buf[start] == '.' && buf[start + 1] == '.';
                    if (!dot && !dotdot) {
                        names.add(FileNames.decode(buf, start, end - start));
                    }
                    off += reclen;
                }
            }
        } finally {
            LibC.close(dir);
        }
    }

    /**
     * Deletes {@code name} here: a file, a symlink (not what it points to), or a directory with all it holds,
     * opened entry by entry with O_NOFOLLOW, so nothing outside it is touched even if its contents change
     * meanwhile. A directory a layer made read-only (0555, 0000) is made 0700 first.
     */
    public void deleteTree(String name) throws SyscallException {
        int mode = mode(name);
        if (mode < 0) {
            return;
        }
        if (!isDir(mode)) {
            unlink(name, false);
            return;
        }
        if ((mode & 0700) != 0700) {
            chmod(name, 0700);
        }
        try (DirFd sub = openDir(name)) {
            for (String child : sub.list()) {
                sub.deleteTree(child);
            }
        } catch (SyscallException e) {
            if (e.errno() != ENOTDIR) {
                throw e;
            }
            unlink(name, false); // swapped for a non-directory meanwhile: remove what is there now
            return;
        }
        unlink(name, true);
    }

    /** write(2) of all of {@code len} bytes (a short write is continued). */
    public static void writeAll(int fd, byte[] b, int len, String what) throws SyscallException {
        int done = 0;
        byte[] rest = b;
        while (done < len) {
            long n = LibC.write(fd, rest, len - done);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == EINTR) {
                    continue;
                }
                throw new SyscallException("write", what, errno);
            }
            done += (int) n;
            if (done < len) {
                rest = java.util.Arrays.copyOfRange(b, done, len);
            }
        }
    }

    public static void fchown(int fd, int uid, int gid, String what) throws SyscallException {
        if (LibC.fchown(fd, uid, gid) != 0) {
            throw new SyscallException("fchown", what, Native.getLastError());
        }
    }

    public static void fchmod(int fd, int mode, String what) throws SyscallException {
        if (LibC.fchmod(fd, mode) != 0) {
            throw new SyscallException("fchmod", what, Native.getLastError());
        }
    }

    public static void futimens(int fd, long seconds, long nanos, String what) throws SyscallException {
        if (LibC.futimens(fd, new long[] {seconds, nanos, seconds, nanos}) != 0) {
            throw new SyscallException("futimens", what, Native.getLastError());
        }
    }

    /** fsetxattr(2) on an open file; false when the file system or our privilege does not allow it. */
    public static void fsetxattr(int fd, String attr, byte[] value, String what) throws SyscallException {
        if (LibC.fsetxattr(fd, attr, value, value.length, 0) != 0) {
            throw new SyscallException("fsetxattr", what + ", " + attr, Native.getLastError());
        }
    }

    /** close(2) of a file {@link #create} opened; a failure (a delayed write error) is reported. */
    public static void closeFile(int fd, String what) throws SyscallException {
        if (LibC.close(fd) != 0) {
            int errno = Native.getLastError();
            if (errno != EINTR) {
                throw new SyscallException("close", what, errno);
            }
        }
    }

    private static SyscallException fail(String call, String name, int errno) {
        return new SyscallException(call, name, errno);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
