package dev.cwb.kernel;

import com.sun.jna.LastErrorException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The one door to the kernel. Every system call the workbench makes goes through a method here, which
 * calls libc through JNA and throws a {@link SyscallException} naming the call and errno on failure.
 *
 * <p>File-system calls used in bulk (extracting thousands of files) are not traced one by one; the
 * namespace and mount steps that a learner watches will record each call here as well.
 */
public final class Kernel {
    /** {@code S_IFCHR} (inode(7)): a character device node. */
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    /** {@code AT_FDCWD} and {@code AT_SYMLINK_NOFOLLOW} (fcntl.h). */
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    private Kernel() {
    }

    /** True on Linux with libc loaded through JNA. */
    public static boolean available() {
        return LibC.AVAILABLE;
    }

    public static int geteuid() {
        return available() ? LibC.geteuid() : -1;
    }

    public static int getegid() {
        return available() ? LibC.getegid() : -1;
    }

    /** TIOCGWINSZ (asm-generic/ioctls.h; the same on x86_64 and arm64). */
    private static final long TIOCGWINSZ = 0x5413;

    /** The width in columns of the terminal on {@code fd} (tty_ioctl(4), TIOCGWINSZ), or 0 when it is not a terminal. */
    public static int terminalColumns(int fd) {
        if (!available()) {
            return 0;
        }
        short[] winsize = new short[4];
        try {
            LibC.ioctl(fd, TIOCGWINSZ, winsize);
            return winsize[1] & 0xffff;
        } catch (LastErrorException e) {
            return 0; // ENOTTY: a pipe or a file
        }
    }

    /**
     * The calling thread's host name (gethostname(2)): the one of its UTS namespace. Untraced: a read-only
     * query, which glibc answers with uname(2).
     */
    public static String gethostname() throws SyscallException {
        byte[] buf = new byte[256];
        if (LibC.gethostname(buf, buf.length) != 0) {
            throw new SyscallException("gethostname", "", com.sun.jna.Native.getLastError());
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** makedev(3): the dev_t glibc builds from a major and minor number. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    public static void lchown(Path path, int uid, int gid) throws SyscallException {
        try {
            LibC.lchown(path.toString(), uid, gid);
        } catch (LastErrorException e) {
            throw new SyscallException("lchown", path.toString(), e.getErrorCode());
        }
    }

    public static void chmod(Path path, int mode) throws SyscallException {
        try {
            LibC.chmod(path.toString(), mode);
        } catch (LastErrorException e) {
            throw new SyscallException("chmod", path.toString(), e.getErrorCode());
        }
    }

    public static void mknod(Path path, int mode, long dev) throws SyscallException {
        try {
            LibC.mknod(path.toString(), mode, dev);
        } catch (LastErrorException e) {
            throw new SyscallException("mknod", path.toString(), e.getErrorCode());
        }
    }

    public static void lsetxattr(Path path, String name, byte[] value) throws SyscallException {
        try {
            LibC.lsetxattr(path.toString(), name, value, value.length, 0);
        } catch (LastErrorException e) {
            throw new SyscallException("lsetxattr", path + ", " + name, e.getErrorCode());
        }
    }

    /** The value of an extended attribute, or {@code null} when the file has none by that name. */
    public static byte[] lgetxattr(Path path, String name) throws SyscallException {
        byte[] buf = new byte[4096];
        try {
            long n = LibC.lgetxattr(path.toString(), name, buf, buf.length);
            return java.util.Arrays.copyOf(buf, (int) n);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 61) { // ENODATA
                return null;
            }
            throw new SyscallException("lgetxattr", path + ", " + name, e.getErrorCode());
        }
    }

    public static String lgetxattrString(Path path, String name) throws SyscallException {
        byte[] v = lgetxattr(path, name);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** Sets access and modification times of the path itself (a symlink is not followed). */
    public static void lutimes(Path path, long seconds, long nanos) throws SyscallException {
        try {
            LibC.utimensat(AT_FDCWD, path.toString(), new long[] {seconds, nanos, seconds, nanos}, AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            throw new SyscallException("utimensat", path.toString(), e.getErrorCode());
        }
    }

    /** kill(pid, SIGKILL), untraced, ignoring a process that is already gone: for tear-down only. */
    public static void killQuietly(int pid) {
        if (available() && pid > 0) {
            LibC.kill(pid, 9);
        }
    }

    /** isatty(3). */
    public static boolean isTerminal(int fd) {
        return available() && LibC.isatty(fd) == 1;
    }

    /** pipe2(2) with O_CLOEXEC: [0] the read end, [1] the write end. */
    public static int[] pipe() throws SyscallException {
        int[] fds = new int[2];
        if (LibC.pipe2(fds, 02000000) != 0) {
            throw new SyscallException("pipe2", "O_CLOEXEC", com.sun.jna.Native.getLastError());
        }
        return fds;
    }

    /** read(2) into {@code buf}; 0 at end of file, -1 with errno on failure. */
    public static long read(int fd, byte[] buf) {
        return LibC.read(fd, buf, buf.length);
    }

    /** True when this thread's last call failed with EINTR: a signal came first, and the call may be made again. */
    public static boolean interruptedCall() {
        return com.sun.jna.Native.getLastError() == Errno.EINTR;
    }

    /** close(2), untraced. */
    public static void close(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    /** openat(2) of {@code /dev/null} for reading, close-on-exec; -1 if it failed. */
    public static int openDevNull() {
        return LibC.openat(AT_FDCWD, "/dev/null\0".getBytes(StandardCharsets.US_ASCII), 02000000, 0);
    }

    /**
     * Makes process group {@code pgrp} the terminal's foreground group (tcsetpgrp(3)), so that Ctrl-C
     * goes to it. SIGTTOU is ignored first: a background process may then take the terminal back.
     */
    public static boolean giveTerminalTo(int fd, int pgrp) {
        if (!available()) {
            return false;
        }
        LibC.signal(22 /* SIGTTOU */, 1 /* SIG_IGN */);
        return LibC.tcsetpgrp(fd, pgrp) == 0;
    }

    /** This process's group, getpgrp(2). */
    public static int processGroup() {
        return available() ? LibC.getpgrp() : 0;
    }
}
