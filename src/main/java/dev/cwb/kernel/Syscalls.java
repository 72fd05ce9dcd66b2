package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The traced door to the kernel: the calls that build a container, each made through a {@link SyscallPort}
 * — the calling thread ({@link SyscallPort#HERE}) or a container's cwb-init ({@link InitProcess}) — and reported to a {@link SyscallListener} as a {@link SyscallRecord} (decoded arguments, result,
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
 * <p><b>Who makes the call.</b> Namespaces, the root, the working directory and credentials belong to the
 * calling <em>task</em>. Calls that shape a container are made by its cwb-init process; on this JVM, only
 * on a {@link NamespaceThread}, never on a shared pool thread or a virtual thread, whose carrier changes.
 * Every call goes through syscall(2) with the number of this processor ({@link SyscallNumber}).
 *
 * <p>The bulk file work of layer extraction stays untraced in {@link Kernel}: thousands of lines would bury
 * the few calls a learner watches.
 */
public final class Syscalls {
    /** prctl(2) option: this thread and its children can never gain privileges through execve(2). */
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    /** prctl(2) option: the signal this process gets when the thread that created it ends. */
    public static final int PR_SET_PDEATHSIG = 1;
    /** fchownat(2) flag: act on a symbolic link itself. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** unlinkat(2) flag: remove a directory. */
    public static final int AT_REMOVEDIR = 0x200;
    /** close_range(2) flag: mark the descriptors close-on-exec instead of closing them. */
    public static final int CLOSE_RANGE_CLOEXEC = 4;
    /** recvmsg(2) flag: received descriptors are close-on-exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** recvmsg(2) result flags: control data, or data, did not fit and was cut. */
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_TRUNC = 0x20;
    /** ioctl(2) request: make this terminal the caller's controlling terminal. */
    public static final int TIOCSCTTY = 0x540E;
    /** wait4(2) option: return at once if no child has changed state. */
    public static final int WNOHANG = 1;
    /** The signal a clone's child sends its parent when it ends (the {@code flags} low byte). */
    public static final int SIGCHLD = 17;

    private final SyscallListener listener;
    private final SyscallPort port;

    /** Calls made on the calling thread of this JVM. */
    public Syscalls(SyscallListener listener) {
        this(listener, SyscallPort.HERE);
    }

    /** Calls made through {@code port}. */
    public Syscalls(SyscallListener listener, SyscallPort port) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.port = Objects.requireNonNull(port, "port");
    }

    /** True on Linux with libc at hand and a processor whose system call numbers we know. */
    public static boolean available() {
        return LibC.AVAILABLE && Arch.known();
    }

    /** Where these calls are made. */
    public SyscallPort port() {
        return port;
    }

    /** The same calls made through another port, reported to the same listener. */
    public Syscalls through(SyscallPort other) {
        return new Syscalls(listener, other);
    }

    /** unshare(2): give the caller new namespaces ({@link CloneFlags}). */
    public void unshare(int flags) throws SyscallException {
        invoke(SyscallNumber.UNSHARE, List.of(CloneFlags.unshare(flags)), (long) flags);
    }

    /** setns(2): move the caller into the namespace {@code fd} refers to. */
    public void setns(int fd, int nstype) throws SyscallException {
        invoke(SyscallNumber.SETNS, List.of(Integer.toString(fd), CloneFlags.setns(nstype)), (long) fd, (long) nstype);
    }

    /**
     * mount(2). {@code source}, {@code fstype} and {@code data} may be null. For bind, move and propagation
     * changes the kernel ignores {@code fstype} and {@code data}, and strace then prints their addresses:
     * pass null to see {@code NULL}.
     */
    public void mount(String source, String target, String fstype, long flags, String data) throws SyscallException {
        Object src = cString(source);
        Object type = cString(fstype);
        Object dat = cString(data);
        List<String> args = List.of(quote(source), quote(target),
                MountFlags.ignoresType(flags) && fstype != null ? "0x..." : quote(fstype),
                MountFlags.mount(flags),
                MountFlags.ignoresData(flags) && data != null ? "0x..." : quote(data));
        invoke(SyscallNumber.MOUNT, args, src, cString(target), type, flags, dat);
    }

    /** umount2(2) with {@link MountFlags#MNT_DETACH} and friends. */
    public void umount2(String target, int flags) throws SyscallException {
        invoke(SyscallNumber.UMOUNT2, List.of(quote(target), MountFlags.umount(flags)), cString(target), (long) flags);
    }

    /** fsopen(2) flag: the file system context's descriptor closes at execve. */
    public static final int FSOPEN_CLOEXEC = 1;
    /** fsmount(2) flag: the mount's descriptor closes at execve. */
    public static final int FSMOUNT_CLOEXEC = 1;
    /** fsconfig(2) commands (include/uapi/linux/mount.h). */
    static final int FSCONFIG_SET_FLAG = 0;
    static final int FSCONFIG_SET_STRING = 1;
    static final int FSCONFIG_CMD_CREATE = 6;
    /** move_mount(2) flag: {@code from_pathname} is empty, {@code from_dfd} itself is the mount to move. */
    static final int MOVE_MOUNT_F_EMPTY_PATH = 4;

    /**
     * fsopen(2), the first call of the new mount API (Linux 5.2; Documentation/filesystems/mount_api.rst):
     * an empty file system context for {@code fstype}, configured key by key with {@link #fsconfigString}
     * instead of one option string. Returns its descriptor; the kernel's messages about the context are
     * read from it ({@link #read}).
     */
    public int fsopen(String fstype, int flags) throws SyscallException {
        return (int) invoke(SyscallNumber.FSOPEN, List.of(quote(fstype), flags == FSOPEN_CLOEXEC ? "FSOPEN_CLOEXEC" : Integer.toString(flags)),
                cString(fstype), (long) flags);
    }

    /**
     * fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0): one option of the context. The kernel copies at most
     * 256 bytes of {@code value} (with its NUL; fs/fsopen.c), so every value is short — a key that can be
     * given again and again ({@code lowerdir+}) is how a long list is passed.
     */
    public void fsconfigString(int fd, String key, String value) throws SyscallException {
        invoke(SyscallNumber.FSCONFIG, List.of(Integer.toString(fd), "FSCONFIG_SET_STRING", quote(key), quote(value), "0"),
                (long) fd, (long) FSCONFIG_SET_STRING, cString(key), cString(value), 0L);
    }

    /** fsconfig(fd, FSCONFIG_SET_FLAG, key, NULL, 0): an option without a value. */
    public void fsconfigFlag(int fd, String key) throws SyscallException {
        invoke(SyscallNumber.FSCONFIG, List.of(Integer.toString(fd), "FSCONFIG_SET_FLAG", quote(key), "NULL", "0"),
                (long) fd, (long) FSCONFIG_SET_FLAG, cString(key), 0L, 0L);
    }

    /** fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0): the file system checks its options and makes its superblock. */
    public void fsconfigCreate(int fd) throws SyscallException {
        invoke(SyscallNumber.FSCONFIG, List.of(Integer.toString(fd), "FSCONFIG_CMD_CREATE", "NULL", "NULL", "0"),
                (long) fd, (long) FSCONFIG_CMD_CREATE, 0L, 0L, 0L);
    }

    /** fsmount(2): a mount of the created file system, attached nowhere yet; returns its descriptor. */
    public int fsmount(int fd, int flags) throws SyscallException {
        return (int) invoke(SyscallNumber.FSMOUNT, List.of(Integer.toString(fd),
                flags == FSMOUNT_CLOEXEC ? "FSMOUNT_CLOEXEC" : Integer.toString(flags), "0"), (long) fd, (long) flags, 0L);
    }

    /** open_tree(2) flag: a copy of the mount (a bind), attached nowhere, instead of a descriptor of the path. */
    public static final int OPEN_TREE_CLONE = 1;
    /** open_tree(2) flag: the descriptor closes at execve (it is O_CLOEXEC). */
    public static final int OPEN_TREE_CLOEXEC = 02000000;
    /** open_tree(2) flag: with {@link #OPEN_TREE_CLONE}, the mounts below {@code path} too (MS_REC of a bind). */
    public static final int AT_RECURSIVE = 0x8000;

    /**
     * open_tree(AT_FDCWD, path, flags) (Linux 5.2): with {@link #OPEN_TREE_CLONE}, a bind mount of {@code path}
     * (a directory or a file) that is attached nowhere — a mount another mount namespace can take with
     * {@link #moveMount}. Returns its descriptor.
     */
    public int openTree(String path, int flags) throws SyscallException {
        List<String> names = new ArrayList<>();
        if ((flags & OPEN_TREE_CLONE) != 0) {
            names.add("OPEN_TREE_CLONE");
        }
        if ((flags & OPEN_TREE_CLOEXEC) != 0) {
            names.add("OPEN_TREE_CLOEXEC");
        }
        if ((flags & AT_RECURSIVE) != 0) {
            names.add("AT_RECURSIVE");
        }
        int rest = flags & ~(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (rest != 0 || names.isEmpty()) {
            names.add("0x" + Integer.toHexString(rest));
        }
        return (int) invoke(SyscallNumber.OPEN_TREE, List.of("AT_FDCWD", quote(path), String.join("|", names)),
                (long) StraceText.AT_FDCWD, cString(path), (long) flags);
    }

    static final int AT_EMPTY_PATH = 0x1000;
    /** mount_setattr(2) attributes (include/uapi/linux/mount.h). */
    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final long MOUNT_ATTR_IDMAP = 0x100000;

    /**
     * mount_setattr(mountFd, "", AT_EMPTY_PATH, {attr_set=..., userns_fd=usernsFd}, 32) (Linux 5.12): read-only,
     * nosuid, nodev and <b>idmapped</b> by the user namespace {@code usernsFd} — through this mount a file owned by
     * uid N on disk shows as owned by whatever N is in that namespace's map (so the image's root-owned files are the
     * container's root's), and a file made through it is stored with the id mapped back. The kernel allows it on a
     * mount attached nowhere yet (open_tree's clone), by a caller with CAP_SYS_ADMIN over the file system, on a file
     * system that supports it (ext4, xfs, btrfs; tmpfs from 6.3). Documentation/filesystems/idmappings.rst.
     */
    public void mountSetattrIdmapped(int mountFd, int usernsFd) throws SyscallException {
        long set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_IDMAP;
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        b.putLong(set).putLong(0).putLong(0).putLong(usernsFd);
        invoke(SyscallNumber.MOUNT_SETATTR, List.of(Integer.toString(mountFd), "\"\"", "AT_EMPTY_PATH",
                "{attr_set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_IDMAP, attr_clr=0, propagation=0, userns_fd="
                        + usernsFd + "}", "32"),
                (long) mountFd, cString(""), (long) AT_EMPTY_PATH, Block.of(b.array()), 32L);
    }

    /** move_mount(mountFd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH): attach the mount {@code mountFd} on {@code target}. */
    public void moveMount(int mountFd, String target) throws SyscallException {
        invoke(SyscallNumber.MOVE_MOUNT, List.of(Integer.toString(mountFd), "\"\"", "AT_FDCWD", quote(target), "MOVE_MOUNT_F_EMPTY_PATH"),
                (long) mountFd, cString(""), (long) StraceText.AT_FDCWD, cString(target), (long) MOVE_MOUNT_F_EMPTY_PATH);
    }

    /**
     * read(2) of at most {@code count} bytes from {@code fd}; returns what was read. Printed as strace prints
     * it, with the bytes the kernel wrote.
     */
    public byte[] read(int fd, int count) throws SyscallException {
        Block buffer = Block.out(count);
        long n = invoke(SyscallNumber.READ, new ArrayList<>(List.of(Integer.toString(fd), "0x...", Integer.toString(count))), List.of(1),
                got -> StraceText.quote(java.util.Arrays.copyOf(buffer.bytes(), (int) got)), (long) fd, buffer, (long) count);
        return java.util.Arrays.copyOf(buffer.bytes(), (int) n);
    }

    /**
     * pivot_root(2): make {@code newRoot} the caller's root and put the old root at {@code putOld}.
     * {@code pivot_root(".", ".")} stacks the old root on top of the new one, to be detached right after.
     */
    public void pivotRoot(String newRoot, String putOld) throws SyscallException {
        invoke(SyscallNumber.PIVOT_ROOT, List.of(quote(newRoot), quote(putOld)), cString(newRoot), cString(putOld));
    }

    /** sethostname(2): the host name of the caller's UTS namespace. */
    public void sethostname(String name) throws SyscallException {
        byte[] b = Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8);
        invoke(SyscallNumber.SETHOSTNAME, List.of(StraceText.quote(b), Integer.toString(b.length)), Block.of(b),
                (long) b.length);
    }

    /** setdomainname(2): the NIS domain name of the caller's UTS namespace. */
    public void setdomainname(String name) throws SyscallException {
        byte[] b = Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8);
        invoke(SyscallNumber.SETDOMAINNAME, List.of(StraceText.quote(b), Integer.toString(b.length)), Block.of(b),
                (long) b.length);
    }

    /** chroot(2). */
    public void chroot(String path) throws SyscallException {
        invoke(SyscallNumber.CHROOT, List.of(quote(path)), cString(path));
    }

    /** chdir(2). */
    public void chdir(String path) throws SyscallException {
        invoke(SyscallNumber.CHDIR, List.of(quote(path)), cString(path));
    }

    /** fchdir(2): change to the directory a descriptor (often O_PATH) refers to. */
    public void fchdir(int fd) throws SyscallException {
        invoke(SyscallNumber.FCHDIR, List.of(Integer.toString(fd)), (long) fd);
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
        List<String> args = OpenFlags.takesMode(flags)
                ? List.of(StraceText.dirfd(dirfd), quote(path), OpenFlags.format(flags), StraceText.octal(mode))
                : List.of(StraceText.dirfd(dirfd), quote(path), OpenFlags.format(flags));
        return (int) invoke(SyscallNumber.OPENAT, args, (long) dirfd, cString(path), (long) flags, (long) mode);
    }

    /** close(2). */
    public void close(int fd) throws SyscallException {
        invoke(SyscallNumber.CLOSE, List.of(Integer.toString(fd)), (long) fd);
    }

    /**
     * What the shell's {@code echo -n VALUE > FILE} does to a file that exists, as the three calls it is:
     * {@code openat(AT_FDCWD, FILE, O_WRONLY|O_TRUNC|O_CLOEXEC)} (the flags runc's cgroups.WriteFile uses),
     * one {@code write(2)} of all of {@code bytes}, and {@code close(2)} — each traced with the kernel's own
     * result. No {@code O_CREAT}: the files this is
     * for (cgroup control files, {@code /proc/PID/uid_map}) are made by the kernel, and a value is taken
     * or refused by the one write(2) (the errno says why). A write the kernel cuts short counts as refused:
     * such a file takes a value whole or not at all (that exception has no errno: the kernel gave none). The descriptor is closed whatever the write did.
     */
    public void writeFile(String path, byte[] bytes) throws SyscallException {
        int fd = open(path, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC);
        SyscallException failed = null;
        try {
            long n = write(fd, bytes);
            if (n != bytes.length) {
                failed = new SyscallException("write(2) to " + path + " took " + n + " of " + bytes.length
                        + " bytes, and the file takes a value whole or not at all");
            }
        } catch (SyscallException e) {
            failed = e;
        }
        try {
            close(fd);
        } catch (SyscallException e) {
            if (failed == null) {
                failed = e;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** rmdir(2), made as {@code unlinkat(AT_FDCWD, path, AT_REMOVEDIR)} (the call glibc makes on arm64). */
    public void rmdir(String path) throws SyscallException {
        invoke(SyscallNumber.UNLINKAT, List.of("AT_FDCWD", quote(path), "AT_REMOVEDIR"),
                (long) StraceText.AT_FDCWD, cString(path), (long) AT_REMOVEDIR);
    }

    /** mkdir(2), made as {@code mkdirat(AT_FDCWD, ...)}. */
    public void mkdir(String path, int mode) throws SyscallException {
        mkdirat(StraceText.AT_FDCWD, path, mode);
    }

    /** mkdirat(2). The umask still applies to {@code mode}. */
    public void mkdirat(int dirfd, String path, int mode) throws SyscallException {
        invoke(SyscallNumber.MKDIRAT, List.of(StraceText.dirfd(dirfd), quote(path), StraceText.octal(mode)),
                (long) dirfd, cString(path), (long) mode);
    }

    /**
     * mknod(2), made as {@code mknodat(AT_FDCWD, ...)} (as glibc does): {@code mode} holds the file type
     * ({@link Kernel#S_IFCHR}...) and permissions; {@code dev} comes from {@link Kernel#makedev}.
     */
    public void mknod(String path, int mode, long dev) throws SyscallException {
        int type = mode & 0170000;
        List<String> args = type == Kernel.S_IFCHR || type == Kernel.S_IFBLK
                ? List.of("AT_FDCWD", quote(path), StraceText.fileMode(mode), StraceText.device(dev))
                : List.of("AT_FDCWD", quote(path), StraceText.fileMode(mode));
        invoke(SyscallNumber.MKNODAT, args, (long) StraceText.AT_FDCWD, cString(path), (long) mode, dev);
    }

    /** symlink(2), made as {@code symlinkat(target, AT_FDCWD, linkpath)}: {@code linkpath} will point at {@code target}. */
    public void symlink(String target, String linkpath) throws SyscallException {
        invoke(SyscallNumber.SYMLINKAT, List.of(quote(target), "AT_FDCWD", quote(linkpath)),
                cString(target), (long) StraceText.AT_FDCWD, cString(linkpath));
    }

    /** chmod(2), made as {@code fchmodat(AT_FDCWD, path, mode)}: all twelve mode bits, umask not applied. */
    public void chmod(String path, int mode) throws SyscallException {
        invoke(SyscallNumber.FCHMODAT, List.of("AT_FDCWD", quote(path), StraceText.octal(mode)),
                (long) StraceText.AT_FDCWD, cString(path), (long) mode);
    }

    /** lchown(2), made as {@code fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)}; -1 keeps an id. */
    public void lchown(String path, int uid, int gid) throws SyscallException {
        invoke(SyscallNumber.FCHOWNAT, List.of("AT_FDCWD", quote(path), Integer.toString(uid), Integer.toString(gid),
                "AT_SYMLINK_NOFOLLOW"), (long) StraceText.AT_FDCWD, cString(path), (long) uid, (long) gid,
                (long) AT_SYMLINK_NOFOLLOW);
    }

    /**
     * prctl(PR_SET_NO_NEW_PRIVS, 1): from now on execve(2) can never raise privileges (setuid bits and file
     * capabilities are ignored). Irreversible, inherited by children; runc sets it before exec.
     */
    public void setNoNewPrivs() throws SyscallException {
        invoke(SyscallNumber.PRCTL, List.of("PR_SET_NO_NEW_PRIVS", "1", "0", "0", "0"),
                (long) PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
    }

    /** prctl(PR_SET_PDEATHSIG, sig): the caller gets {@code sig} when the thread that created it ends. */
    public void setParentDeathSignal(int sig) throws SyscallException {
        invoke(SyscallNumber.PRCTL, List.of("PR_SET_PDEATHSIG", StraceText.signal(sig)), (long) PR_SET_PDEATHSIG,
                (long) sig);
    }

    /**
     * prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to the caller instead of the
     * host's init, so the caller can reap them — and nothing a container starts escapes its workbench.
     */
    public void setChildSubreaper() throws SyscallException {
        invoke(SyscallNumber.PRCTL, List.of("PR_SET_CHILD_SUBREAPER", "1"), 36L, 1L);
    }

    /**
     * prctl(PR_SET_NAME, name): the caller's name in /proc/PID/comm and ps (at most 15 bytes are kept); the
     * kernel sets it from the program's file name at each execve(2).
     */
    public void setName(String name) throws SyscallException {
        invoke(SyscallNumber.PRCTL, List.of("PR_SET_NAME", quote(name)), 15L, cString(name));
    }

    /** kill(2): send {@code sig} to a process (or, with a negative pid, a process group). */
    public void kill(int pid, int sig) throws SyscallException {
        invoke(SyscallNumber.KILL, List.of(Integer.toString(pid), StraceText.signal(sig)), (long) pid, (long) sig);
    }

    /** gettid(2): the calling thread's id, the number /proc/PID/task/ lists it under. */
    public int gettid() throws SyscallException {
        if (port instanceof LocalPort) {
            long start = System.nanoTime();
            long t = port.make(SyscallNumber.GETTID.number(), new Object[0]);
            long end = System.nanoTime();
            LocalPort.learnTid(t);
            listener.called(new SyscallRecord("gettid", List.of(), t, 0, Duration.ofNanos(end - start), t));
            return (int) t;
        }
        return (int) invoke(SyscallNumber.GETTID, List.of());
    }

    /** getpid(2): the caller's process id, as its own PID namespace numbers it. */
    public int getpid() throws SyscallException {
        return (int) invoke(SyscallNumber.GETPID, List.of());
    }

    /**
     * The id of whoever makes these calls: cwb-init's process id, or this thread's id, asked of the kernel
     * once per thread with a recorded gettid(2) so the trace shows every call that was made.
     */
    public long tid() throws SyscallException {
        long id = port.callerId();
        return id != 0 ? id : gettid();
    }

    /** setsid(2): a new session and process group, led by the caller, with no controlling terminal. */
    public void setsid() throws SyscallException {
        invoke(SyscallNumber.SETSID, List.of());
    }

    /** setpgid(2); {@code setpgid(0, 0)} makes the caller lead a process group of its own. */
    public void setpgid(int pid, int pgid) throws SyscallException {
        invoke(SyscallNumber.SETPGID, List.of(Integer.toString(pid), Integer.toString(pgid)), (long) pid, (long) pgid);
    }

    /** ioctl(fd, TIOCSCTTY, 0): make the terminal on {@code fd} the caller's controlling terminal. */
    public void setControllingTerminal(int fd) throws SyscallException {
        invoke(SyscallNumber.IOCTL, List.of(Integer.toString(fd), "TIOCSCTTY", "0"), (long) fd, (long) TIOCSCTTY, 0L);
    }

    /** prctl(2) option: remove a capability from the bounding set, for good (and for every child). */
    public static final int PR_CAPBSET_DROP = 24;
    /** capset(2)'s header version: 64-bit sets, two 32-bit halves. */
    public static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    /** prctl(PR_CAPBSET_DROP, cap): no program exec'd from now on can ever have capability {@code cap}. */
    public void dropFromBoundingSet(int cap) throws SyscallException {
        invoke(SyscallNumber.PRCTL, List.of("PR_CAPBSET_DROP", Capabilities.name(cap)), (long) PR_CAPBSET_DROP, (long) cap);
    }

    /**
     * capset(2) of the caller (pid 0): the same {@code caps} (a bit per capability) as its effective,
     * permitted and inheritable sets.
     */
    public void capset(long caps) throws SyscallException {
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(LINUX_CAPABILITY_VERSION_3).putInt(0);
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int half = 0; half < 2; half++) {
            int bits = (int) (caps >>> (32 * half));
            data.putInt(bits).putInt(bits).putInt(bits); // effective, permitted, inheritable
        }
        String set = Capabilities.format(caps);
        invoke(SyscallNumber.CAPSET, List.of("{version=_LINUX_CAPABILITY_VERSION_3, pid=0}",
                "{effective=" + set + ", permitted=" + set + ", inheritable=" + set + "}"),
                Block.of(header.array()), Block.of(data.array()));
    }

    /** seccomp(2) operation: install a classic-BPF filter (include/uapi/linux/seccomp.h). */
    public static final int SECCOMP_SET_MODE_FILTER = 1;

    /**
     * seccomp(SECCOMP_SET_MODE_FILTER, 0, {len, filter}): from now on the kernel runs {@code program} on every
     * system call the caller (and every child and program it execs) makes, and does what it returns. Needs
     * no_new_privs or CAP_SYS_ADMIN; filters stack and cannot be removed. The {@code struct sock_fprog} is
     * 16 bytes: the length (unsigned short, padded), then the pointer to the instructions.
     */
    public void seccompSetModeFilter(ClassicBpf.Program program) throws SyscallException {
        ByteBuffer fprog = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) program.size());
        Block b = Block.of(fprog.array()).pointTo(8, Block.of(program.bytes()));
        invoke(SyscallNumber.SECCOMP, List.of("SECCOMP_SET_MODE_FILTER", "0", "{len=" + program.size() + ", filter=0x...}"),
                (long) SECCOMP_SET_MODE_FILTER, 0L, b);
    }

    /** umask(2): the permission bits new files will not get; returns the previous mask. */
    public int umask(int mask) throws SyscallException {
        return (int) invoke(SyscallNumber.UMASK, List.of(StraceText.octal(mask)), (long) mask);
    }

    /** write(2) of {@code bytes} to {@code fd}; returns how many were written. */
    public long write(int fd, byte[] bytes) throws SyscallException {
        return invoke(SyscallNumber.WRITE, List.of(Integer.toString(fd), StraceText.quote(bytes), Integer.toString(bytes.length)),
                (long) fd, Block.of(bytes), (long) bytes.length);
    }

    /** dup3(2): {@code newfd} becomes a copy of {@code oldfd} (closing what it was). */
    public void dup3(int oldfd, int newfd) throws SyscallException {
        dup3(oldfd, newfd, 0);
    }

    /** dup3(2) with {@code flags}: 0 or {@link OpenFlags#O_CLOEXEC} (the only flag it takes). */
    public void dup3(int oldfd, int newfd, int flags) throws SyscallException {
        invoke(SyscallNumber.DUP3, List.of(Integer.toString(oldfd), Integer.toString(newfd),
                flags == OpenFlags.O_CLOEXEC ? "O_CLOEXEC" : Integer.toString(flags)), (long) oldfd, (long) newfd, (long) flags);
    }

    /** close_range(first, ~0U, CLOSE_RANGE_CLOEXEC): every descriptor from {@code first} up closes at execve. */
    public void closeOnExecFrom(int first) throws SyscallException {
        invoke(SyscallNumber.CLOSE_RANGE, List.of(Integer.toString(first), "4294967295", "CLOSE_RANGE_CLOEXEC"),
                (long) first, 0xffffffffL, (long) CLOSE_RANGE_CLOEXEC);
    }

    /** socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE): an rtnetlink socket ({@link Rtnetlink}) in the caller's network namespace. */
    public int rtnetlinkSocket() throws SyscallException {
        return (int) invoke(SyscallNumber.SOCKET, List.of("AF_NETLINK", "SOCK_RAW|SOCK_CLOEXEC", "NETLINK_ROUTE"),
                (long) Rtnetlink.AF_NETLINK, 3L | 02000000L, (long) Rtnetlink.NETLINK_ROUTE);
    }

    /**
     * One rtnetlink request: sendto(2) of it to the kernel ({@code sockaddr_nl} with pid 0), printed decoded
     * as strace prints it, then recvfrom(2) of the kernel's answer, decoded too. Returns the ifi_index the
     * answer names (an RTM_NEWLINK answer to RTM_GETLINK), else 0. A refused request (an NLMSG_ERROR with an
     * errno) is a {@link SyscallException} named after what {@code ip} would have been asked.
     */
    public int rtnetlink(int fd, Rtnetlink.Message request, int seq) throws SyscallException {
        byte[] m = request.encode(seq);
        Block addr = Block.of(ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()).putShort((short) Rtnetlink.AF_NETLINK).array());
        invoke(SyscallNumber.SENDTO, List.of(Integer.toString(fd), Rtnetlink.describe(m, m.length), Integer.toString(m.length), "0",
                "{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}", "12"), (long) fd, Block.of(m), (long) m.length, 0L, addr, 12L);
        Block reply = Block.out(8192);
        long n = invoke(SyscallNumber.RECVFROM, List.of(Integer.toString(fd), "...", "8192", "0", "NULL", "NULL"), List.of(1),
                got -> Rtnetlink.describe(reply.bytes(), (int) got), (long) fd, reply, 8192L, 0L, 0L, 0L);
        byte[] answer = reply.bytes();
        int error = Rtnetlink.error(answer, (int) n);
        if (error < 0) {
            throw new SyscallException("rtnetlink", request.what(), -error);
        }
        return Rtnetlink.linkIndex(answer, (int) n);
    }

    /** setgroups(2): the supplementary groups. */
    public void setgroups(int[] groups) throws SyscallException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(4, 4 * groups.length)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> shown = new ArrayList<>();
        for (int g : groups) {
            b.putInt(g);
            shown.add(Integer.toString(g));
        }
        invoke(SyscallNumber.SETGROUPS, List.of(Integer.toString(groups.length), "[" + String.join(", ", shown) + "]"),
                (long) groups.length, Block.of(b.array()));
    }

    /** setresgid(2): real, effective and saved group id. */
    public void setresgid(int gid) throws SyscallException {
        String g = Integer.toString(gid);
        invoke(SyscallNumber.SETRESGID, List.of(g, g, g), (long) gid, (long) gid, (long) gid);
    }

    /** setresuid(2): real, effective and saved user id (dropping root's capabilities when not 0). */
    public void setresuid(int uid) throws SyscallException {
        String u = Integer.toString(uid);
        invoke(SyscallNumber.SETRESUID, List.of(u, u, u), (long) uid, (long) uid, (long) uid);
    }

    /**
     * clone(2) with only an exit signal ({@code SIGCHLD}): a copy of the caller, like fork(2). Returns the
     * child's pid as the caller's PID namespace numbers it (the child itself sees 0).
     */
    public int forkLike() throws SyscallException {
        return (int) invoke(SyscallNumber.CLONE, List.of("child_stack=NULL", "flags=SIGCHLD"), (long) SIGCHLD, 0L, 0L,
                0L, 0L);
    }

    /** clone3's flag: the child starts in the cgroup2 group whose directory {@code cgroup} names (Linux 5.7). */
    public static final long CLONE_INTO_CGROUP = 0x200000000L;
    /** The size of {@code struct clone_args} up to and including {@code cgroup} ({@code CLONE_ARGS_SIZE_VER2}). */
    public static final int CLONE_ARGS_SIZE = 88;

    /**
     * clone3(2) with {@code CLONE_INTO_CGROUP} and the exit signal {@code SIGCHLD}: a copy of the caller, like
     * {@link #forkLike}, born in the cgroup2 group whose directory {@code cgroupFd} is open on, so it never
     * has to be moved there (a move of a process into a cgroup2 group waits for an RCU grace period; being
     * born in one does not). Returns the child's pid in the caller's PID namespace; printed as strace
     * prints it. Kernels before 5.7 answer ENOSYS.
     */
    public int clone3IntoCgroup(int cgroupFd) throws SyscallException {
        ByteBuffer args = ByteBuffer.allocate(CLONE_ARGS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        args.putLong(0, CLONE_INTO_CGROUP); // flags
        args.putLong(32, SIGCHLD); // exit_signal; pidfd, child_tid, parent_tid, stack, tls, set_tid: none
        args.putLong(80, cgroupFd); // cgroup
        return (int) invoke(SyscallNumber.CLONE3, List.of("{flags=CLONE_INTO_CGROUP, exit_signal=SIGCHLD, stack=NULL, "
                + "stack_size=0, cgroup=" + cgroupFd + "}", Integer.toString(CLONE_ARGS_SIZE)),
                Block.of(args.array()), (long) CLONE_ARGS_SIZE);
    }

    /**
     * wait4(2): waits for child {@code pid} (or any, with -1) and returns its pid; {@code status[0]}
     * receives the wait status. With {@link #WNOHANG} it returns 0 when no child has ended.
     */
    public int wait4(int pid, int[] status, int options) throws SyscallException {
        Block out = Block.out(4);
        List<String> args = new ArrayList<>(List.of(Integer.toString(pid), "0x...", options == WNOHANG ? "WNOHANG" : "0",
                "NULL"));
        // with WNOHANG and no child ended (result 0) the kernel writes no status: strace prints its address
        long r = invoke(SyscallNumber.WAIT4, args, List.of(1),
                ended -> ended == 0 ? "0x..." : "[" + WaitStatus.describe(out.intAt(0)) + "]", (long) pid, out, (long) options, 0L);
        status[0] = out.intAt(0);
        return (int) r;
    }

    /**
     * execve(2): replace the caller's program. {@code env} is printed the way strace prints it by default,
     * as an address and a count; the address as {@code 0x...}, as {@link #mount} prints the pointers it
     * passes. Returns only if it failed (as an exception).
     *
     * <p>Through cwb-init, the result comes from a status pipe handed over first (a traced recvmsg, and a
     * dup3 and close to put it at {@link InitProgram#STATUS_FD}): the kernel's errno when the call failed,
     * end of file — the kernel closing the close-on-exec pipe — when it succeeded (see {@link InitProgram}).
     */
    public void execve(String path, List<String> argv, List<String> env) throws SyscallException {
        if (port instanceof InitProcess init) {
            init.prepareExecStatus(this);
        }
        List<Block> argBlocks = argv.stream().map(a -> (Block) cString(a)).toList();
        List<Block> envBlocks = env.stream().map(e -> (Block) cString(e)).toList();
        List<String> shown = argv.stream().map(Syscalls::quote).toList();
        List<String> args = List.of(quote(path), "[" + String.join(", ", shown) + "]",
                "0x... /* " + env.size() + " var" + (env.size() == 1 ? "" : "s") + " */");
        invoke(SyscallNumber.EXECVE, args, cString(path), Block.pointerArray(argBlocks), Block.pointerArray(envBlocks));
    }

    /**
     * recvmsg(2) of descriptors on the caller's control socket (SCM_RIGHTS): the JVM side sends them right
     * after ({@link InitProcess#passDescriptors}). Returns the new descriptor numbers. The message is
     * printed as strace prints it once the call returned: the byte received, the control message with the
     * descriptors, and the lengths and flags the kernel wrote back.
     */
    int[] receiveDescriptors(int socket, int count) throws SyscallException {
        Block data = Block.out(8);
        Block iov = Block.of(iovec(1));
        iov.pointTo(0, data);
        int cmsgLen = 16 + 4 * count;
        Block control = Block.out((cmsgLen + 7) & ~7);
        ByteBuffer m = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        m.putLong(24, 1); // msg_iovlen
        m.putLong(40, control.size()); // msg_controllen
        Block msg = Block.inOut(m.array()).pointTo(16, iov).pointTo(32, control);
        invoke(SyscallNumber.RECVMSG, List.of(Integer.toString(socket), "0x...", "MSG_CMSG_CLOEXEC"), List.of(1),
                received -> receivedMessage(msg, data, control, received), (long) socket, msg, (long) MSG_CMSG_CLOEXEC);
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = control.intAt(16 + 4 * i);
        }
        return fds;
    }

    /**
     * A msghdr after recvmsg(2), as strace prints it: {@code {msg_name=NULL, msg_namelen=0,
     * msg_iov=[{iov_base="F", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET,
     * cmsg_type=SCM_RIGHTS, cmsg_data=[8]}], msg_controllen=24, msg_flags=MSG_CMSG_CLOEXEC}}, where
     * {@code received} bytes of data came.
     */
    private static String receivedMessage(Block msg, Block data, Block control, long received) {
        long controlLength = msg.longAt(40);
        StringBuilder b = new StringBuilder("{msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=");
        b.append(StraceText.quote(java.util.Arrays.copyOf(data.bytes(), (int) Math.min(received, 1))))
                .append(", iov_len=1}], msg_iovlen=1, ");
        if (controlLength >= 16) {
            long cmsgLen = control.longAt(0);
            int level = control.intAt(8);
            int type = control.intAt(12);
            List<String> fds = new ArrayList<>();
            for (int at = 16; at + 4 <= Math.min(cmsgLen, control.size()); at += 4) {
                fds.add(Integer.toString(control.intAt(at)));
            }
            b.append("msg_control=[{cmsg_len=").append(cmsgLen)
                    .append(", cmsg_level=").append(level == 1 ? "SOL_SOCKET" : Integer.toString(level))
                    .append(", cmsg_type=").append(type == 1 ? "SCM_RIGHTS" : "0x" + Integer.toHexString(type))
                    .append(", cmsg_data=[").append(String.join(", ", fds)).append("]}], ");
        }
        b.append("msg_controllen=").append(controlLength).append(", msg_flags=").append(messageFlags(msg.intAt(48))).append('}');
        return b.toString();
    }

    /** recvmsg(2)'s msg_flags as strace names them: the ones the kernel can hand back here. */
    private static String messageFlags(int flags) {
        List<String> names = new ArrayList<>();
        if ((flags & MSG_CTRUNC) != 0) {
            names.add("MSG_CTRUNC");
        }
        if ((flags & MSG_TRUNC) != 0) {
            names.add("MSG_TRUNC");
        }
        if ((flags & MSG_CMSG_CLOEXEC) != 0) {
            names.add("MSG_CMSG_CLOEXEC");
        }
        int rest = flags & ~(MSG_CTRUNC | MSG_TRUNC | MSG_CMSG_CLOEXEC);
        if (rest != 0) {
            names.add("0x" + Integer.toHexString(rest));
        }
        return names.isEmpty() ? "0" : String.join("|", names);
    }

    /** bpf(2) commands (include/uapi/linux/bpf.h, enum bpf_cmd). */
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_PROG_ATTACH = 8;
    static final int BPF_PROG_QUERY = 16;
    /** The program type that decides, for a cgroup, which devices its processes may use (enum bpf_prog_type). */
    public static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    /** The attach point of such a program (enum bpf_attach_type). */
    public static final int BPF_CGROUP_DEVICE = 6;
    /** Attach flag: more programs may be attached to the same group and its descendants; every one must allow. */
    public static final int BPF_F_ALLOW_MULTI = 2;

    /**
     * bpf(BPF_PROG_LOAD) of a cgroup device program: the kernel's verifier checks {@code program} and the
     * result is a descriptor for the loaded program. With {@code log} non-null, the verifier's log
     * ({@code log_level} 1) is written into {@code log.length} bytes of it, NUL-terminated: what to read when a
     * load is refused. {@code name} (at most 15 characters of {@code [A-Za-z0-9_.]}) is what {@code bpftool prog}
     * lists. The attr is laid out as {@code union bpf_attr}'s load struct up to {@code expected_attach_type}.
     */
    public int bpfLoadCgroupDeviceProgram(Ebpf.Program program, String license, String name, byte[] log)
            throws SyscallException {
        ByteBuffer attr = ByteBuffer.allocate(72).order(ByteOrder.LITTLE_ENDIAN);
        attr.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE).putInt(4, program.size());
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length > 15) {
            throw new IllegalArgumentException("a bpf program name has at most 15 characters: " + name);
        }
        attr.put(48, nameBytes);
        attr.putInt(68, BPF_CGROUP_DEVICE);
        Block logBlock = log == null ? null : Block.out(log.length);
        if (log != null) {
            attr.putInt(24, 1).putInt(28, log.length);
        }
        Block a = Block.of(attr.array()).pointTo(8, Block.of(program.bytes())).pointTo(16, (Block) cString(license));
        if (logBlock != null) {
            a.pointTo(32, logBlock);
        }
        String shown = "{prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=" + program.size() + ", insns=0x..., license="
                + quote(license) + ", log_level=" + (log == null ? "0, log_size=0, log_buf=NULL" : "1, log_size=" + log.length
                + ", log_buf=0x...") + ", kern_version=KERNEL_VERSION(0, 0, 0), prog_flags=0, prog_name=" + quote(name)
                + ", prog_ifindex=0, expected_attach_type=BPF_CGROUP_DEVICE}";
        try {
            return (int) invoke(SyscallNumber.BPF, List.of("BPF_PROG_LOAD", shown, "72"), (long) BPF_PROG_LOAD, a, 72L);
        } finally {
            if (logBlock != null) {
                System.arraycopy(logBlock.bytes(), 0, log, 0, log.length);
            }
        }
    }

    /**
     * bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE): from now on the program {@code programFd} decides every
     * device access of the processes in the cgroup whose directory {@code cgroupFd} is open on, and in its
     * descendants. The attachment holds the program: its descriptor may be closed after.
     */
    public void bpfAttachCgroupDevice(int cgroupFd, int programFd, int flags) throws SyscallException {
        ByteBuffer attr = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        attr.putInt(0, cgroupFd).putInt(4, programFd).putInt(8, BPF_CGROUP_DEVICE).putInt(12, flags);
        invoke(SyscallNumber.BPF, List.of("BPF_PROG_ATTACH", "{target_fd=" + cgroupFd + ", attach_bpf_fd=" + programFd
                + ", attach_type=BPF_CGROUP_DEVICE, attach_flags=" + attachFlags(flags) + "}", "16"),
                (long) BPF_PROG_ATTACH, Block.of(attr.array()), 16L);
    }

    /**
     * bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE): the ids of the device programs attached to the cgroup open
     * on {@code cgroupFd} itself (at most {@code max}). The attr is 64 bytes, as large as the kernel's
     * query struct with every field it may write back ({@code revision} included, Linux 6.6).
     */
    public int[] bpfQueryCgroupDevice(int cgroupFd, int max) throws SyscallException {
        ByteBuffer attr = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        attr.putInt(0, cgroupFd).putInt(4, BPF_CGROUP_DEVICE).putInt(24, max);
        Block ids = Block.out(4 * Math.max(1, max));
        Block a = Block.inOut(attr.array()).pointTo(16, ids);
        String before = "{query={target_fd=" + cgroupFd + ", attach_type=BPF_CGROUP_DEVICE, query_flags=0";
        int[][] found = new int[1][];
        invoke(SyscallNumber.BPF, List.of("BPF_PROG_QUERY", before + ", prog_cnt=" + max + "}}", "64"), List.of(1), r -> {
            int count = Math.min(a.intAt(24), max);
            found[0] = new int[count];
            List<String> shown = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                found[0][i] = ids.intAt(4 * i);
                shown.add(Integer.toString(found[0][i]));
            }
            return before + ", attach_flags=" + attachFlags(a.intAt(12)) + ", prog_ids=[" + String.join(", ", shown)
                    + "], prog_cnt=" + a.intAt(24) + "}}";
        }, (long) BPF_PROG_QUERY, a, 64L);
        return found[0];
    }

    private static String attachFlags(int flags) {
        return flags == 0 ? "0" : flags == BPF_F_ALLOW_MULTI ? "BPF_F_ALLOW_MULTI" : "0x" + Integer.toHexString(flags);
    }

    private static byte[] iovec(long length) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(8, length);
        return b.array();
    }

    private long invoke(SyscallNumber call, List<String> args, Object... raw) throws SyscallException {
        return invoke(call, args, List.of(), null, raw);
    }

    /**
     * Makes the call through the port and records it. {@code outArgs} are the positions in {@code args}
     * filled in after the call by {@code outText}, given the call's result (strace prints what the kernel
     * wrote, such as a wait status).
     */
    private long invoke(SyscallNumber call, List<String> args, List<Integer> outArgs,
                        java.util.function.LongFunction<String> outText, Object... raw) throws SyscallException {
        if (!available()) {
            throw new SyscallException(call.callName(), String.join(", ", args), Errno.ENOSYS);
        }
        long caller = tid();
        long start = System.nanoTime();
        long result = port.make(call.number(), raw);
        long end = System.nanoTime();
        int errno = result < 0 && result > -4096 ? (int) -result : 0;
        List<String> shown = args;
        if (!outArgs.isEmpty() && errno == 0) {
            shown = new ArrayList<>(args);
            for (int i : outArgs) {
                shown.set(i, outText.apply(result));
            }
        }
        SyscallRecord record = new SyscallRecord(call.callName(), shown, errno != 0 ? -1 : result, errno,
                Duration.ofNanos(end - start), caller,
                port.timesRoundTrip() ? SyscallRecord.Timing.ROUND_TRIP : SyscallRecord.Timing.CALL);
        listener.called(record);
        if (record.failed()) {
            throw new SyscallException(call.callName(), String.join(", ", shown), errno);
        }
        return result;
    }

    /** A string as C wants it: UTF-8 and a terminating NUL (so an embedded NUL is refused); null stays 0. */
    private static Object cString(String s) {
        if (s == null) {
            return 0L;
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a NUL byte cannot be passed to the kernel: " + s.replace("\0", "\\0"));
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return Block.of(java.util.Arrays.copyOf(utf8, utf8.length + 1));
    }

    private static String quote(String s) {
        return s == null ? "NULL" : StraceText.quote(s.getBytes(StandardCharsets.UTF_8));
    }
}
