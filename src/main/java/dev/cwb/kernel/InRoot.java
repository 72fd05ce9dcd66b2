package dev.cwb.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Files looked at inside another root — a container's, reached as {@code /proc/PID/root} — the way a process
 * whose root it is sees them: every symbolic link, absolute ones included, and every {@code ..} stays inside.
 *
 * <p>Why: the kernel follows {@code /proc/PID/root} to the container's root directory, but an absolute link
 * met after it resolves against the <em>caller's</em> root, the host's. An image whose {@code /etc/passwd}
 * is a link to {@code /etc/shadow} would make the workbench read the host's shadow file.
 *
 * <p>How: openat(2)-style lookups relative to a descriptor of the root, with openat2(2) (Linux 5.6)
 * {@code RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS}: the kernel treats the descriptor as {@code /} for the whole
 * walk, race-free, and refuses {@code /proc/PID/fd/N}-style magic links, which jump anywhere. Where openat2 is
 * missing ({@code ENOSYS}) or a seccomp filter refuses it ({@code EPERM}), the same walk is made here one
 * component at a time, as runc's securejoin and umoci do: each opened with {@code O_PATH|O_NOFOLLOW} relative
 * to the one before, each link read with readlinkat(2) and followed by hand from the root (absolute) or its
 * directory (relative), {@code ..} never above the root, at most 40 links (the kernel's own ELOOP limit). A
 * component swapped for a link meanwhile is then not followed, since every open has {@code O_NOFOLLOW}.
 *
 * <p>Untraced: the workbench looking, not a step of the container.
 */
public final class InRoot implements AutoCloseable {
    /** What a name is, its last component not followed (as lstat(2) says). */
    public enum Kind { MISSING, DIRECTORY, SYMLINK, REGULAR, OTHER }

    private static final int AT_FDCWD = StraceText.AT_FDCWD;
    private static final int O_NONBLOCK = 04000;
    /** include/uapi/linux/openat2.h */
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final int S_IFMT = InitBinary.S_IFMT;
    private static final int S_IFDIR = InitBinary.S_IFDIR;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = InitBinary.S_IFREG;
    /** MAXSYMLINKS in fs/namei.c. */
    private static final int MAX_LINKS = 40;
    private static final int EAGAIN = 11;
    private static final int ELOOP = 40;
    private static final int ENOTDIR = 20;

    /** Set by {@link #byHand}: walk in user space even where openat2 exists (the fallback's tests). */
    private final boolean byHand;
    private final Path root;
    private final int rootFd;
    private static volatile boolean openat2Missing;

    private InRoot(Path root, int rootFd, boolean byHand) {
        this.root = root;
        this.rootFd = rootFd;
        this.byHand = byHand;
    }

    /** Opens {@code root} (following it: {@code /proc/PID/root} is meant to lead to the process's root). */
    public static InRoot open(Path root) throws IOException {
        return open(root, false);
    }

    /** The same, always walking by hand: for testing the fallback on kernels that have openat2. */
    static InRoot byHand(Path root) throws IOException {
        return open(root, true);
    }

    private static InRoot open(Path root, boolean byHand) throws IOException {
        if (!LibC.AVAILABLE) {
            throw new IOException("cannot look inside " + root + ": no C library at hand");
        }
        int fd = LibC.openat(AT_FDCWD, cString(root.toString()), OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new SyscallException("open", root.toString(), Native.getLastError());
        }
        return new InRoot(root, fd, byHand);
    }

    /** Whether {@code openat2(2)} was found missing or refused, so lookups walk by hand. */
    public static boolean walksByHand() {
        return openat2Missing;
    }

    /** What {@code path} (inside the root) names, its last component not followed. */
    public Kind kind(String path) throws IOException {
        int fd;
        try {
            fd = resolve(path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, false);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == ENOTDIR) {
                return Kind.MISSING;
            }
            throw e;
        }
        try {
            return switch (mode(fd, path) & S_IFMT) {
                case S_IFDIR -> Kind.DIRECTORY;
                case S_IFLNK -> Kind.SYMLINK;
                case S_IFREG -> Kind.REGULAR;
                default -> Kind.OTHER;
            };
        } finally {
            LibC.close(fd);
        }
    }

    /** True when something exists at {@code path}, a dangling link included (lstat(2)'s view). */
    public boolean exists(String path) throws IOException {
        return kind(path) != Kind.MISSING;
    }

    /**
     * The bytes of the regular file at {@code path}, links followed inside the root; at most {@code max}
     * bytes. Anything but a regular file (a fifo would block the read, a device might act on an open) is
     * refused before it is opened for reading.
     */
    public byte[] read(String path, int max) throws IOException {
        int pathFd = resolve(path, OpenFlags.O_PATH | OpenFlags.O_CLOEXEC, true);
        int fd;
        try {
            if ((mode(pathFd, path) & S_IFMT) != S_IFREG) {
                throw new IOException(path + " inside " + root + " is not a regular file");
            }
            // reopen the very inode that was checked: /proc/self/fd/N is this process's own descriptor
            fd = LibC.openat(AT_FDCWD, cString("/proc/self/fd/" + pathFd), OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | O_NONBLOCK, 0);
            if (fd < 0) {
                throw new SyscallException("open", path, Native.getLastError());
            }
        } finally {
            LibC.close(pathFd);
        }
        try {
            byte[] buf = new byte[Math.min(max, 1 << 16)];
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (out.size() < max) {
                long n = LibC.read(fd, buf, Math.min(buf.length, max - out.size()));
                if (n < 0) {
                    throw new SyscallException("read", path, Native.getLastError());
                }
                if (n == 0) {
                    break;
                }
                out.write(buf, 0, (int) n);
            }
            return out.toByteArray();
        } finally {
            LibC.close(fd);
        }
    }

    /** The text of {@code path} (UTF-8), at most {@code max} bytes of it. */
    public String readString(String path, int max) throws IOException {
        return new String(read(path, max), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        LibC.close(rootFd);
    }

    /** A descriptor for {@code path} resolved inside the root, opened with {@code flags}. */
    private int resolve(String path, int flags, boolean followLast) throws IOException {
        if (!byHand && !openat2Missing) {
            for (int attempt = 0; ; attempt++) {
                long r = openat2(path, flags);
                if (r >= 0) {
                    return (int) r;
                }
                int errno = (int) -r;
                if (errno == Errno.ENOSYS || errno == Errno.EPERM) {
                    openat2Missing = true; // an old kernel, or a seccomp filter that does not know the call
                    break;
                }
                if (errno == EAGAIN && attempt < 3) {
                    continue; // RESOLVE_IN_ROOT saw a rename race around "..": the kernel asks to try again
                }
                throw new SyscallException("openat2", path, errno);
            }
        }
        return walk(path, flags, followLast);
    }

    private long openat2(String path, int flags) {
        try (Memory name = cMemory(relative(path)); Memory how = new Memory(24)) {
            how.setLong(0, flags & 0xffffffffL);
            how.setLong(8, 0);
            how.setLong(16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
            long r = LibC.syscall(SyscallNumber.OPENAT2.number(), rootFd, Pointer.nativeValue(name), Pointer.nativeValue(how), 24, 0, 0);
            return r >= 0 ? r : -Native.getLastError();
        }
    }

    /** The walk openat2 would make, by hand; {@code flags} open the last component (with O_NOFOLLOW added). */
    private int walk(String path, int flags, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>(components(path));
        Deque<Integer> parents = new ArrayDeque<>(); // the directories above cur, nearest first
        int cur = rootFd;
        int links = 0;
        try {
            if (todo.isEmpty()) {
                return check(LibC.openat(rootFd, cString("."), flags & ~OpenFlags.O_NOFOLLOW, 0), path);
            }
            while (true) {
                String name = todo.removeFirst();
                if (name.equals("..")) {
                    if (!parents.isEmpty()) {
                        LibC.close(cur);
                        cur = parents.pop();
                    }
                    if (todo.isEmpty()) {
                        todo.add(".");
                    }
                    continue;
                }
                boolean last = todo.isEmpty();
                int fd = check(LibC.openat(cur, cString(name), OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0), path);
                if ((mode(fd, path) & S_IFMT) == S_IFLNK && (!last || followLast)) {
                    String target;
                    try {
                        target = readlink(fd, path);
                    } finally {
                        LibC.close(fd);
                    }
                    if (++links > MAX_LINKS) {
                        throw new SyscallException("openat", path, ELOOP);
                    }
                    java.util.List<String> more = components(target);
                    for (int i = more.size() - 1; i >= 0; i--) {
                        todo.addFirst(more.get(i));
                    }
                    if (target.startsWith("/")) {
                        while (!parents.isEmpty()) {
                            LibC.close(cur);
                            cur = parents.pop();
                        }
                    }
                    if (todo.isEmpty()) {
                        todo.add(".");
                    }
                    continue;
                }
                if (last) {
                    LibC.close(fd);
                    // the name was checked to be no link to follow; O_NOFOLLOW keeps a link swapped in since unfollowed
                    return check(LibC.openat(cur, cString(name), flags | OpenFlags.O_NOFOLLOW, 0), path);
                }
                parents.push(cur);
                cur = fd;
            }
        } finally {
            if (cur != rootFd) {
                LibC.close(cur);
            }
            parents.forEach(fd -> {
                if (fd != rootFd) {
                    LibC.close(fd);
                }
            });
        }
    }

    private static java.util.List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty() && !s.equals(".")).toList();
    }

    /** The path relative to the root, "." for the root itself (RESOLVE_IN_ROOT treats a leading / as the root anyway). */
    private static String relative(String path) {
        String p = path.replaceAll("^/+", "");
        return p.isEmpty() ? "." : p;
    }

    private static int check(int fd, String path) throws SyscallException {
        if (fd < 0) {
            throw new SyscallException("openat", path, Native.getLastError());
        }
        return fd;
    }

    /** statx(2) of a descriptor: its mode. */
    private static int mode(int fd, String path) throws IOException {
        return InitBinary.statx(fd, Path.of(path))[0];
    }

    /** readlinkat(2) of an O_PATH descriptor of a link, with an empty name. */
    private static String readlink(int fd, String path) throws SyscallException {
        try (Memory empty = new Memory(1); Memory buf = new Memory(4096)) {
            empty.setByte(0, (byte) 0);
            long n = LibC.syscall(SyscallNumber.READLINKAT.number(), fd, Pointer.nativeValue(empty), Pointer.nativeValue(buf), 4096, 0, 0);
            if (n < 0) {
                throw new SyscallException("readlinkat", path, Native.getLastError());
            }
            return new String(buf.getByteArray(0, (int) n), StandardCharsets.UTF_8);
        }
    }

    private static byte[] cString(String s) {
        return InitBinary.cString(s);
    }

    private static Memory cMemory(String s) {
        return InitBinary.cMemory(s);
    }
}
