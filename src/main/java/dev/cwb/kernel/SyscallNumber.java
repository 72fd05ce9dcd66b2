package dev.cwb.kernel;

/**
 * The system calls the workbench makes by number, with their numbers on the two processors it runs on.
 * x86_64: arch/x86/entry/syscalls/syscall_64.tbl. aarch64: include/uapi/asm-generic/unistd.h, which has
 * no legacy calls (no open, mkdir, dup2, fork): the workbench uses the *at forms, dup3 and clone everywhere,
 * so one trace reads the same on both.
 */
public enum SyscallNumber {
    READ(0, 63), WRITE(1, 64), CLOSE(3, 57), IOCTL(16, 29), GETPID(39, 172), SENDMSG(46, 211), RECVMSG(47, 212),
    CLONE(56, 220), EXECVE(59, 221), WAIT4(61, 260), KILL(62, 129), FCNTL(72, 25), CHDIR(80, 49), FCHDIR(81, 50),
    SETPGID(109, 154), SETSID(112, 157), SETGROUPS(116, 159), SETRESUID(117, 147), SETRESGID(119, 149),
    PIVOT_ROOT(155, 41), PRCTL(157, 167), CHROOT(161, 51), MOUNT(165, 40), UMOUNT2(166, 39),
    SETHOSTNAME(170, 161), SETDOMAINNAME(171, 162), GETTID(186, 178), EXIT_GROUP(231, 94),
    OPENAT(257, 56), MKDIRAT(258, 34), MKNODAT(259, 33), FCHOWNAT(260, 54), UNLINKAT(263, 35),
    SYMLINKAT(266, 36), FCHMODAT(268, 53), UNSHARE(272, 97), DUP3(292, 24), SETNS(308, 268),
    UMASK(95, 166), CAPSET(126, 91), SECCOMP(317, 277), BPF(321, 280), CLOSE_RANGE(436, 436),
    SOCKET(41, 198), SENDTO(44, 206), RECVFROM(45, 207),
    OPEN_TREE(428, 428), MOVE_MOUNT(429, 429), FSOPEN(430, 430), FSCONFIG(431, 431), FSMOUNT(432, 432),
    MOUNT_SETATTR(442, 442),
    // untraced, for writing and checking cwb-init's file (InitBinary)
    PREAD64(17, 67), FCHMOD(91, 52), RENAMEAT2(316, 276), STATX(332, 291),
    // untraced, for looking inside a container's root (InRoot)
    READLINKAT(267, 78), OPENAT2(437, 437),
    // the calls that make a process besides clone, which cwb-init refuses (aarch64 has no fork or vfork: -1)
    FORK(57, -1), VFORK(58, -1), CLONE3(435, 435),
    // not made by the workbench: what --init's cwb-pid1 waits in, as /proc/PID/syscall shows it
    RT_SIGTIMEDWAIT(128, 137);

    private final long x86_64;
    private final long aarch64;

    SyscallNumber(long x86_64, long aarch64) {
        this.x86_64 = x86_64;
        this.aarch64 = aarch64;
    }

    /** The number on this machine's processor. */
    public long number() {
        return Arch.current() == Arch.AARCH64 ? aarch64 : x86_64;
    }

    /** The name strace prints. */
    public String callName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
