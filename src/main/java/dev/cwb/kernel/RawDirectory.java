package dev.cwb.kernel;

import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A directory read through its descriptor, with every name as the bytes the kernel keeps: a file name on
 * Linux is any bytes but {@code /} and NUL, and a name that is not UTF-8 would not survive a
 * {@link java.nio.file.Path}. Used where a tree must be copied exactly (a container's upper directory
 * turned into a layer); untraced, like {@link Kernel}'s other bulk file calls.
 *
 * <p>getdents64(2) lists the names, statx(2) (whose {@code struct statx} has one layout on every
 * architecture, unlike {@code struct stat}) describes an entry without following a symbolic link,
 * readlinkat(2) reads one, openat(2) opens files and subdirectories with {@code O_NOFOLLOW}. Extended
 * attributes are read through {@code /proc/self/fd/FD/NAME} with the {@code l*xattr} calls: the directory's
 * descriptor, then the name, the last component never followed.
 */
public final class RawDirectory implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_NONBLOCK = 04000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int ENODATA = 61;
    private static final int ERANGE = 34;

    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;

    private final int fd;
    private final byte[] where;

    private RawDirectory(int fd, byte[] where) {
        this.fd = fd;
        this.where = where;
    }

    /** What statx(2) says of an entry (the fields a tar header and a hard-link check need). */
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

    /** Opens the directory at {@code path} (a symbolic link there is refused). */
    public static RawDirectory open(byte[] path) throws SyscallException {
        int fd = Natives.openat(AT_FDCWD, cString(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) {
            throw new SyscallException("openat", printable(path), Native.getLastError());
        }
        return new RawDirectory(fd, path);
    }

    public static RawDirectory open(java.nio.file.Path path) throws SyscallException {
        return open(path.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The subdirectory {@code name} of this one. */
    public RawDirectory openDirectory(byte[] name) throws SyscallException {
        int sub = Natives.openat(fd, cString(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (sub < 0) {
            throw new SyscallException("openat", printable(join(where, name)), Native.getLastError());
        }
        return new RawDirectory(sub, join(where, name));
    }

    /** Every name in the directory except {@code .} and {@code ..}, in the kernel's order. */
    public List<byte[]> names() throws SyscallException {
        List<byte[]> names = new ArrayList<>();
        byte[] buf = new byte[64 * 1024];
        while (true) {
            long n = Natives.getdents64(fd, buf, buf.length);
            if (n < 0) {
                throw new SyscallException("getdents64", printable(where), Native.getLastError());
            }
            if (n == 0) {
                return names;
            }
            ByteBuffer b = ByteBuffer.wrap(buf, 0, (int) n).order(ByteOrder.nativeOrder());
            int pos = 0;
            while (pos < n) {
                int reclen = b.getShort(pos + 16) & 0xffff;
                int start = pos + 19;
                int end = start;
                while (end < pos + reclen && buf[end] != 0) {
                    end++;
                }
                byte[] name = Arrays.copyOfRange(buf, start, end);
                if (!(name.length == 1 && name[0] == '.') && !(name.length == 2 && name[0] == '.' && name[1] == '.')) {
                    names.add(name);
                }
                pos += reclen;
            }
        }
    }

    /** statx(2) of {@code name} itself (a symbolic link is not followed). */
    public Stat stat(byte[] name) throws SyscallException {
        return statAt(fd, name, join(where, name));
    }

    /** statx(2) of any path, or null when nothing is there. */
    public static Stat statOrNull(byte[] path) throws SyscallException {
        try {
            return statAt(AT_FDCWD, path, path);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == 20 /* ENOTDIR */) {
                return null;
            }
            throw e;
        }
    }

    private static Stat statAt(int dirfd, byte[] name, byte[] shown) throws SyscallException {
        byte[] buf = new byte[256];
        if (Natives.statx(dirfd, cString(name), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0) {
            throw new SyscallException("statx", printable(shown), Native.getLastError());
        }
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        return new Stat(b.getShort(28) & 0xffff, b.getInt(20), b.getInt(24), b.getLong(40), b.getInt(16), b.getLong(32),
                b.getInt(136), b.getInt(140), b.getInt(128), b.getInt(132), b.getLong(112), b.getInt(120));
    }

    /** The target of the symbolic link {@code name}, as bytes. */
    public byte[] readlink(byte[] name) throws SyscallException {
        byte[] buf = new byte[4096];
        long n = Natives.readlinkat(fd, cString(name), buf, buf.length);
        if (n < 0) {
            throw new SyscallException("readlinkat", printable(join(where, name)), Native.getLastError());
        }
        return Arrays.copyOf(buf, (int) n);
    }

    /** Opens the regular file {@code name} for reading (never through a symbolic link, never blocking on a fifo). */
    public InputStream openFile(byte[] name) throws SyscallException {
        int file = Natives.openat(fd, cString(name), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
        if (file < 0) {
            throw new SyscallException("openat", printable(join(where, name)), Native.getLastError());
        }
        return new DescriptorInput(file, printable(join(where, name)));
    }

    /**
     * The extended attributes of {@code name}, by attribute name (sorted), values as bytes; empty where the
     * file system keeps none.
     */
    public Map<String, byte[]> xattrs(byte[] name) throws SyscallException {
        Map<String, byte[]> result = new TreeMap<>();
        byte[] path = cString(join(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII), name));
        byte[] list = new byte[4096];
        long n;
        while (true) {
            n = Natives.llistxattr(path, list, list.length);
            if (n >= 0) {
                break;
            }
            int errno = Native.getLastError();
            if (errno == ERANGE && list.length < (1 << 20)) {
                list = new byte[list.length * 4];
                continue;
            }
            if (errno == Errno.ENOTSUP) {
                return result;
            }
            throw new SyscallException("llistxattr", printable(join(where, name)), errno);
        }
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (list[i] == 0) {
                if (i > start) {
                    byte[] attr = Arrays.copyOfRange(list, start, i + 1); // with its NUL
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

    private byte[] getxattr(byte[] path, byte[] attr, byte[] name) throws SyscallException {
        byte[] value = new byte[4096];
        while (true) {
            long n = Natives.lgetxattr(path, attr, value, value.length);
            if (n >= 0) {
                return Arrays.copyOf(value, (int) n);
            }
            int errno = Native.getLastError();
            if (errno == ERANGE && value.length < (1 << 20)) {
                value = new byte[value.length * 16];
                continue;
            }
            if (errno == ENODATA) {
                return null; // removed meanwhile
            }
            throw new SyscallException("lgetxattr", printable(join(where, name)) + ", "
                    + new String(attr, 0, attr.length - 1, StandardCharsets.UTF_8), errno);
        }
    }

    /** The path this directory was opened by, as bytes. */
    public byte[] path() {
        return where.clone();
    }

    @Override
    public void close() {
        Natives.close(fd);
    }

    /** A path as text for a message: the bytes decoded as UTF-8, invalid ones replaced. */
    public static String printable(byte[] path) {
        return new String(path, StandardCharsets.UTF_8);
    }

    public static byte[] join(byte[] dir, byte[] name) {
        if (dir.length == 0) {
            return name.clone();
        }
        byte[] out = Arrays.copyOf(dir, dir.length + 1 + name.length);
        out[dir.length] = '/';
        System.arraycopy(name, 0, out, dir.length + 1, name.length);
        return out;
    }

    private static byte[] cString(byte[] s) {
        return Arrays.copyOf(s, s.length + 1);
    }

    /** read(2) from a descriptor this stream owns. */
    private static final class DescriptorInput extends InputStream {
        private final int fd;
        private final String what;
        private boolean closed;

        DescriptorInput(int fd, String what) {
            this.fd = fd;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            byte[] target = off == 0 ? b : new byte[len];
            long n = Natives.read(fd, target, len);
            if (n < 0) {
                throw new SyscallException("read", what, Native.getLastError());
            }
            if (n == 0) {
                return -1;
            }
            if (target != b) {
                System.arraycopy(target, 0, b, off, (int) n);
            }
            return (int) n;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Natives.close(fd);
            }
        }
    }

    /** The libc functions, JNA direct mapping; each returns -1 and leaves errno in {@link Native#getLastError()}. */
    private static final class Natives {
        static {
            if (Platform.isLinux()) {
                Native.register(Natives.class, Platform.C_LIBRARY_NAME);
            }
        }

        static native int openat(int dirfd, byte[] path, int flags, int mode);

        static native int close(int fd);

        static native long read(int fd, byte[] buf, long count);

        static native long getdents64(int fd, byte[] buf, long count);

        static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] statxbuf);

        static native long readlinkat(int dirfd, byte[] path, byte[] buf, long size);

        static native long llistxattr(byte[] path, byte[] list, long size);

        static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size);
    }
}
