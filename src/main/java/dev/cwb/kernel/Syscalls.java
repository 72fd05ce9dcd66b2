package dev.cwb.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The traced door to the kernel: the calls that build a container, each made through libc on the calling
 * thread and reported to a {@link SyscallListener} as a {@link SyscallRecord} (decoded arguments, result,
 * errno, duration, thread id) whether it succeeded or not. A failed call then throws a
 * {@link SyscallException} naming the call, its arguments and the errno.
 *
 * <p><b>What is recorded is what the kernel got.</b> The name is the real system call's, which is not
 * always the C function's: {@link #mkdir} issues {@code mkdirat(AT_FDCWD, ...)}, the call glibc itself
 * makes on arm64 and Go (so runc) makes everywhere; {@link #open} is {@code openat}, {@link #chmod} is
 * {@code fchmodat}, {@link #lchown} is {@code fchownat(..., AT_SYMLINK_NOFOLLOW)}, {@link #mknod} is
 * {@code mknodat}, {@link #symlink} is {@code symlinkat}. Using the *at calls everywhere keeps the trace
 * identical on x86_64 and arm64, and they are also the calls that let a step work relative to a directory
 * descriptor it holds. Strings are encoded to bytes here (UTF-8) and those bytes are what is both passed
 * and printed. Compare with {@code strace -f -s 4096}.
 *
 * <p><b>Threads.</b> Namespaces, the root and the working directory belong to the calling <em>thread</em>
 * (the kernel's task). Make the namespace calls only on a {@link NamespaceThread}; never on a shared pool
 * thread, and never on a virtual thread, whose carrier thread changes under it.
 *
 * <p>The bulk file work of layer extraction stays untraced in {@link Kernel}: thousands of lines would bury
 * the few calls a learner watches.
 */
public final class Syscalls {
    /** prctl(2) option: this thread and its children can never gain privileges through execve(2). */
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    /** fchownat(2) flag: act on a symbolic link itself. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** Each thread's kernel id, learnt by its first traced call (a task's id never changes). */
    private static final ThreadLocal<Integer> TID = new ThreadLocal<>();

    private final SyscallListener listener;

    public Syscalls(SyscallListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** True on Linux with libc at hand and a processor whose system call numbers we know. */
    public static boolean available() {
        return LibC.AVAILABLE && Arch.known();
    }

    /** unshare(2): give the calling thread new namespaces ({@link CloneFlags}). */
    public void unshare(int flags) throws SyscallException {
        invoke("unshare", List.of(CloneFlags.unshare(flags)), () -> LibC.unshare(flags));
    }

    /** setns(2): move the calling thread into the namespace {@code fd} refers to. */
    public void setns(int fd, int nstype) throws SyscallException {
        invoke("setns", List.of(Integer.toString(fd), CloneFlags.setns(nstype)), () -> LibC.setns(fd, nstype));
    }

    /**
     * mount(2). {@code source}, {@code fstype} and {@code data} may be null. For bind, move and propagation
     * changes the kernel ignores {@code fstype} and {@code data}, and strace prints their addresses, as this
     * record does: pass null to see {@code NULL}.
     */
    public void mount(String source, String target, String fstype, long flags, String data) throws SyscallException {
        try (Memory src = cString(source); Memory tgt = cString(target); Memory type = cString(fstype);
             Memory dat = cString(data)) {
            List<String> args = List.of(
                    quote(source), quote(target),
                    MountFlags.ignoresType(flags) ? address(type) : quote(fstype),
                    MountFlags.mount(flags),
                    MountFlags.ignoresData(flags) ? address(dat) : quote(data));
            invoke("mount", args, () -> LibC.mount(src, tgt, type, flags, dat));
        }
    }

    /** umount2(2) with {@link MountFlags#MNT_DETACH} and friends. */
    public void umount2(String target, int flags) throws SyscallException {
        byte[] t = bytes(target);
        invoke("umount2", List.of(StraceText.quote(chars(t)), MountFlags.umount(flags)), () -> LibC.umount2(t, flags));
    }

    /**
     * pivot_root(2): make {@code newRoot} the thread's root and put the old root at {@code putOld}.
     * {@code pivot_root(".", ".")} stacks the old root on top of the new one, to be detached right after.
     * glibc has no wrapper, so this goes through syscall(2) with this processor's number.
     */
    public void pivotRoot(String newRoot, String putOld) throws SyscallException {
        requireKnownArch();
        byte[] n = bytes(newRoot);
        byte[] o = bytes(putOld);
        long number = Arch.current().sysPivotRoot;
        invoke("pivot_root", List.of(StraceText.quote(chars(n)), StraceText.quote(chars(o))),
                () -> LibC.syscall(number, n, o));
    }

    /** sethostname(2): the host name of the thread's UTS namespace. */
    public void sethostname(String name) throws SyscallException {
        byte[] b = Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8);
        invoke("sethostname", List.of(StraceText.quote(b), Integer.toString(b.length)),
                () -> LibC.sethostname(b, b.length));
    }

    /** setdomainname(2): the NIS domain name of the thread's UTS namespace. */
    public void setdomainname(String name) throws SyscallException {
        byte[] b = Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8);
        invoke("setdomainname", List.of(StraceText.quote(b), Integer.toString(b.length)),
                () -> LibC.setdomainname(b, b.length));
    }

    /** chroot(2). */
    public void chroot(String path) throws SyscallException {
        byte[] p = bytes(path);
        invoke("chroot", List.of(StraceText.quote(chars(p))), () -> LibC.chroot(p));
    }

    /** chdir(2). */
    public void chdir(String path) throws SyscallException {
        byte[] p = bytes(path);
        invoke("chdir", List.of(StraceText.quote(chars(p))), () -> LibC.chdir(p));
    }

    /** fchdir(2): change to the directory a descriptor (often O_PATH) refers to. */
    public void fchdir(int fd) throws SyscallException {
        invoke("fchdir", List.of(Integer.toString(fd)), () -> LibC.fchdir(fd));
    }

    /** open(2), made as {@code openat(AT_FDCWD, ...)}; returns the new descriptor. */
    public int open(String path, int flags) throws SyscallException {
        return openat(StraceText.AT_FDCWD, path, flags, 0);
    }

    /**
     * openat(2) ({@link OpenFlags}); {@code mode} matters only with {@code O_CREAT} or {@code O_TMPFILE}.
     * Returns the new descriptor; the caller closes it with {@link #close}.
     */
    public int openat(int dirfd, String path, int flags, int mode) throws SyscallException {
        byte[] p = bytes(path);
        List<String> args = OpenFlags.takesMode(flags)
                ? List.of(StraceText.dirfd(dirfd), StraceText.quote(chars(p)), OpenFlags.format(flags), StraceText.octal(mode))
                : List.of(StraceText.dirfd(dirfd), StraceText.quote(chars(p)), OpenFlags.format(flags));
        return (int) invoke("openat", args, () -> LibC.openat(dirfd, p, flags, mode));
    }

    /** close(2). */
    public void close(int fd) throws SyscallException {
        invoke("close", List.of(Integer.toString(fd)), () -> LibC.close(fd));
    }

    /** mkdir(2), made as {@code mkdirat(AT_FDCWD, ...)}. */
    public void mkdir(String path, int mode) throws SyscallException {
        mkdirat(StraceText.AT_FDCWD, path, mode);
    }

    /** mkdirat(2). The umask still applies to {@code mode}. */
    public void mkdirat(int dirfd, String path, int mode) throws SyscallException {
        byte[] p = bytes(path);
        invoke("mkdirat", List.of(StraceText.dirfd(dirfd), StraceText.quote(chars(p)), StraceText.octal(mode)),
                () -> LibC.mkdirat(dirfd, p, mode));
    }

    /**
     * mknod(2), made as {@code mknodat(AT_FDCWD, ...)} (as glibc does): {@code mode} holds the file type
     * ({@link Kernel#S_IFCHR}...) and permissions; {@code dev} comes from {@link Kernel#makedev}.
     */
    public void mknod(String path, int mode, long dev) throws SyscallException {
        byte[] p = bytes(path);
        int type = mode & 0170000;
        List<String> args = type == Kernel.S_IFCHR || type == Kernel.S_IFBLK
                ? List.of("AT_FDCWD", StraceText.quote(chars(p)), StraceText.fileMode(mode), StraceText.device(dev))
                : List.of("AT_FDCWD", StraceText.quote(chars(p)), StraceText.fileMode(mode));
        invoke("mknodat", args, () -> LibC.mknodat(StraceText.AT_FDCWD, p, mode, dev));
    }

    /** symlink(2), made as {@code symlinkat(target, AT_FDCWD, linkpath)}: {@code linkpath} will point at {@code target}. */
    public void symlink(String target, String linkpath) throws SyscallException {
        byte[] t = bytes(target);
        byte[] l = bytes(linkpath);
        invoke("symlinkat", List.of(StraceText.quote(chars(t)), "AT_FDCWD", StraceText.quote(chars(l))),
                () -> LibC.symlinkat(t, StraceText.AT_FDCWD, l));
    }

    /** chmod(2), made as {@code fchmodat(AT_FDCWD, path, mode)}: all twelve mode bits, umask not applied. */
    public void chmod(String path, int mode) throws SyscallException {
        byte[] p = bytes(path);
        invoke("fchmodat", List.of("AT_FDCWD", StraceText.quote(chars(p)), StraceText.octal(mode)),
                () -> LibC.fchmodat(StraceText.AT_FDCWD, p, mode, 0));
    }

    /** lchown(2), made as {@code fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)}; -1 keeps an id. */
    public void lchown(String path, int uid, int gid) throws SyscallException {
        byte[] p = bytes(path);
        invoke("fchownat", List.of("AT_FDCWD", StraceText.quote(chars(p)), Integer.toString(uid), Integer.toString(gid),
                "AT_SYMLINK_NOFOLLOW"), () -> LibC.fchownat(StraceText.AT_FDCWD, p, uid, gid, AT_SYMLINK_NOFOLLOW));
    }

    /**
     * prctl(PR_SET_NO_NEW_PRIVS, 1): from now on execve(2) can never raise privileges (setuid bits and file
     * capabilities are ignored). Irreversible, inherited by children; runc sets it before exec.
     */
    public void setNoNewPrivs() throws SyscallException {
        invoke("prctl", List.of("PR_SET_NO_NEW_PRIVS", "1", "0", "0", "0"),
                () -> LibC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    }

    /** kill(2): send {@code sig} to a process (or, with a negative pid, a process group). */
    public void kill(int pid, int sig) throws SyscallException {
        invoke("kill", List.of(Integer.toString(pid), StraceText.signal(sig)), () -> LibC.kill(pid, sig));
    }

    /** gettid(2): the calling thread's id, the number /proc/PID/task/ lists it under. */
    public int gettid() throws SyscallException {
        return (int) invoke("gettid", List.of(), LibC::gettid);
    }

    /**
     * The calling thread's id, asked of the kernel once per thread: the first traced call on a thread is
     * preceded by a recorded {@code gettid()}, so the trace shows every call that was made.
     */
    public int tid() throws SyscallException {
        Integer tid = TID.get();
        if (tid == null) {
            long start = System.nanoTime();
            int t = LibC.gettid();
            long end = System.nanoTime();
            TID.set(t);
            listener.called(new SyscallRecord("gettid", List.of(), t, 0, Duration.ofNanos(end - start), t));
            return t;
        }
        return tid;
    }

    /** A native call returning the kernel's result, -1 with errno set on failure. */
    @FunctionalInterface
    private interface NativeCall {
        long call();
    }

    private long invoke(String name, List<String> args, NativeCall call) throws SyscallException {
        if (!LibC.AVAILABLE) {
            throw new SyscallException(name, String.join(", ", args), Errno.ENOSYS);
        }
        long tid = tid();
        long start = System.nanoTime();
        long result = call.call();
        long end = System.nanoTime();
        int errno = result == -1 ? Native.getLastError() : 0;
        SyscallRecord record = new SyscallRecord(name, args, result, errno, Duration.ofNanos(end - start), tid);
        listener.called(record);
        if (record.failed()) {
            throw new SyscallException(name, String.join(", ", args), errno);
        }
        return result;
    }

    private static void requireKnownArch() throws SyscallException {
        if (!Arch.known()) {
            throw new SyscallException("syscall", "unknown processor " + System.getProperty("os.arch"), Errno.ENOSYS);
        }
    }

    /** A path or string as C wants it: UTF-8 and a terminating NUL (so an embedded NUL is refused). */
    private static byte[] bytes(String s) {
        Objects.requireNonNull(s, "path");
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a NUL byte cannot be passed to the kernel: " + s.replace("\0", "\\0"));
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        byte[] c = new byte[utf8.length + 1];
        System.arraycopy(utf8, 0, c, 0, utf8.length);
        return c;
    }

    /** The bytes of a C string without its NUL, for printing. */
    private static byte[] chars(byte[] cString) {
        return java.util.Arrays.copyOf(cString, cString.length - 1);
    }

    private static Memory cString(String s) {
        if (s == null) {
            return null;
        }
        byte[] c = bytes(s);
        Memory m = new Memory(c.length);
        m.write(0, c, 0, c.length);
        return m;
    }

    private static String quote(String s) {
        return s == null ? "NULL" : StraceText.quote(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String address(Pointer p) {
        return p == null ? "NULL" : FlagTable.hex(Pointer.nativeValue(p));
    }
}
