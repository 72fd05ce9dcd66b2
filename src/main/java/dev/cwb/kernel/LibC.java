package dev.cwb.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library functions the workbench calls, bound with JNA's direct mapping (the fastest JNA calling
 * convention: no proxy, no reflection per call). Only {@link Kernel} (untraced bulk file work) and
 * {@link Syscalls} (traced calls) use this class; nothing outside this package sees JNA.
 *
 * <p>Each function is the glibc wrapper of the system call of the same name; see its man page (section 2).
 * The first group throws {@link LastErrorException} carrying errno. The traced group returns -1 and
 * leaves errno for {@link Native#getLastError()}, which JNA saves right after the native call on the
 * calling thread: building an exception inside the call would add microseconds to the measured duration.
 * Strings of the traced group are NUL-terminated byte arrays that {@link Syscalls} encoded itself, so
 * what it prints are the very bytes the kernel received.
 */
final class LibC {
    static final boolean AVAILABLE;

    static {
        boolean ok = false;
        if (Platform.isLinux()) {
            try {
                JnaStart.configure();
                Native.register(LibC.class, Platform.C_LIBRARY_NAME);
                ok = true;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                ok = false;
            }
        }
        AVAILABLE = ok;
    }

    private LibC() {
    }

    /** lchown(2): change owner without following a final symlink. */
    static native int lchown(String path, int uid, int gid) throws LastErrorException;

    /** chmod(2): the whole mode, including setuid, setgid and sticky bits Java's API cannot set. */
    static native int chmod(String path, int mode) throws LastErrorException;

    /** mknod(2): device nodes, fifos — and overlayfs whiteouts (a character device 0:0). */
    static native int mknod(String path, int mode, long dev) throws LastErrorException;

    /** lsetxattr(2): set an extended attribute on the link itself. */
    static native int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;

    /** lgetxattr(2). */
    static native long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

    /** utimensat(2) with {@code times} as {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. */
    static native int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

    /** strerror(3): the message for an errno. */
    static native String strerror(int errnum);

    /** ioctl(2) with a pointer argument: here TIOCGWINSZ, filling {rows, cols, xpixel, ypixel}. */
    static native int ioctl(int fd, long request, short[] winsize) throws LastErrorException;

    /** geteuid(2). */
    static native int geteuid();

    /** getegid(2). */
    static native int getegid();

    /** gethostname(2) (read-only; glibc answers it with uname(2)). */
    static native int gethostname(byte[] name, long len);

    // ---- traced through Syscalls: return -1 and leave errno in Native.getLastError() ----

    static native int unshare(int flags);

    static native int setns(int fd, int nstype);

    static native int mount(Pointer source, Pointer target, Pointer fstype, long flags, Pointer data);

    static native int umount2(byte[] target, int flags);

    /** syscall(2) with two pointer arguments: pivot_root(2) has no glibc wrapper. */
    static native long syscall(long number, byte[] arg1, byte[] arg2);

    static native int sethostname(byte[] name, long len);

    static native int setdomainname(byte[] name, long len);

    static native int chroot(byte[] path);

    static native int chdir(byte[] path);

    static native int fchdir(int fd);

    static native int openat(int dirfd, byte[] path, int flags, int mode);

    static native int close(int fd);

    static native int mkdirat(int dirfd, byte[] path, int mode);

    static native int mknodat(int dirfd, byte[] path, int mode, long dev);

    static native int symlinkat(byte[] target, int newdirfd, byte[] linkpath);

    static native int fchmodat(int dirfd, byte[] path, int mode, int flags);

    static native int fchownat(int dirfd, byte[] path, int uid, int gid, int flags);

    static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    static native int kill(int pid, int sig);

    static native int gettid();

    /** syscall(2) with six integer arguments (pointers passed as addresses): every traced call goes through here. */
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    // ---- layer extraction (DirFd): untraced, return -1 and leave errno in Native.getLastError() ----

    static native int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags);

    static native int unlinkat(int dirfd, byte[] path, int flags);

    static native int renameat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath);

    static native long readlinkat(int dirfd, byte[] path, byte[] buf, long size);

    /** statx(2): one struct layout on every architecture (fstatat's struct stat differs between x86_64 and arm64). */
    static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] statxbuf);

    static native int utimensat(int dirfd, byte[] path, long[] times, int flags);

    static native int futimens(int fd, long[] times);

    static native int fchown(int fd, int uid, int gid);

    static native int fchmod(int fd, int mode);

    static native int fsetxattr(int fd, String name, byte[] value, long size, int flags);

    /** setxattr(2), following links: given {@code /proc/self/fd/N} of an O_PATH descriptor, the very inode it holds. */
    static native int setxattr(byte[] path, String name, byte[] value, long size, int flags);

    /** getdents64(2) (glibc 2.30): {@code struct linux_dirent64} records into {@code buf}. */
    static native long getdents64(int fd, byte[] buf, long count);

    /** llistxattr(2): the attribute names of a path's last component itself, NUL-separated. */
    static native long llistxattr(byte[] path, byte[] list, long size);

    /** lgetxattr(2), with the path and the attribute name as NUL-terminated bytes. */
    static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size);

    /** syscall(2) for openat2(2), which glibc has no wrapper for: (dirfd, path, struct open_how, its size). */
    static native long syscall(long number, long dirfd, byte[] path, long[] how, long size);

    // ---- talking to cwb-init: return -1 and leave errno in Native.getLastError() ----

    static native long read(int fd, byte[] buf, long count);

    static native long write(int fd, byte[] buf, long count);

    /** socketpair(2): {@code fds} receives the two ends. */
    static native int socketpair(int domain, int type, int protocol, int[] fds);

    /** sendmsg(2) with a {@code struct msghdr} the caller laid out. */
    static native long sendmsg(int fd, Pointer msghdr, int flags);

    /** pipe2(2). */
    static native int pipe2(int[] fds, int flags);

    /** waitpid(2) (for cwb-init itself, a child of this JVM). */
    static native int waitpid(int pid, int[] status, int options);

    /** tcsetpgrp(3): which process group the terminal sends Ctrl-C to. */
    static native int tcsetpgrp(int fd, int pgrp);

    /** getpgrp(2). */
    static native int getpgrp();

    /** isatty(3). */
    static native int isatty(int fd);

    /** signal(2): here only to ignore SIGTTOU (a long holds the handler: SIG_IGN is 1). */
    static native long signal(int sig, long handler);

    /** shutdown(2): ends a socket's traffic, waking any thread blocked reading it. */
    static native int shutdown(int fd, int how);

    // ---- pseudo-terminals (the workbench's own, untraced): return -1 and leave errno in Native.getLastError() ----

    /** ioctl(2) with an integer argument passed by value: TIOCGPTPEER's open flags. */
    static native int ioctl(int fd, long request, long arg);

    /** ioctl(2) with a pointer to an int: TIOCSPTLCK's lock flag, TIOCGPTN's number. */
    static native int ioctl(int fd, long request, int[] arg);

    /** tcgetattr(3) into a {@code struct termios} held as bytes. */
    static native int tcgetattr(int fd, byte[] termios);

    /** tcsetattr(3) from a {@code struct termios} held as bytes. */
    static native int tcsetattr(int fd, int optionalActions, byte[] termios);

    /** poll(2) over {@code struct pollfd}s held as bytes (int fd, short events, short revents). */
    static native int poll(byte[] fds, long nfds, int timeout);
}
