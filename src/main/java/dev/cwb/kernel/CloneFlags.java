package dev.cwb.kernel;

/**
 * The {@code CLONE_*} flags of clone(2) that unshare(2) and setns(2) take (linux/sched.h).
 *
 * <p>Each {@code CLONE_NEW*} flag names one kind of namespace. unshare(2) gives the calling <em>thread</em>
 * a fresh namespace of each kind named; setns(2) moves it into an existing one. {@code CLONE_FS} is
 * different: it unshares the thread's root directory, working directory and umask from the other threads
 * of the process, which chroot(2), chdir(2), pivot_root(2) and a setns(2) into a mount namespace need.
 */
public final class CloneFlags {
    public static final int CLONE_NEWTIME = 0x00000080;
    public static final int CLONE_VM = 0x00000100;
    public static final int CLONE_FS = 0x00000200;
    public static final int CLONE_FILES = 0x00000400;
    public static final int CLONE_SIGHAND = 0x00000800;
    public static final int CLONE_PIDFD = 0x00001000;
    public static final int CLONE_PTRACE = 0x00002000;
    public static final int CLONE_VFORK = 0x00004000;
    public static final int CLONE_PARENT = 0x00008000;
    public static final int CLONE_THREAD = 0x00010000;
    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_SYSVSEM = 0x00040000;
    public static final int CLONE_SETTLS = 0x00080000;
    public static final int CLONE_PARENT_SETTID = 0x00100000;
    public static final int CLONE_CHILD_CLEARTID = 0x00200000;
    public static final int CLONE_DETACHED = 0x00400000;
    public static final int CLONE_UNTRACED = 0x00800000;
    public static final int CLONE_CHILD_SETTID = 0x01000000;
    public static final int CLONE_NEWCGROUP = 0x02000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int CLONE_IO = 0x80000000;

    /**
     * unshare(2)'s argument: strace names only the flags unshare(2) accepts, in bit order (CLONE_IO, the
     * ptrace and tid flags are clone-only, so they print as hex).
     */
    public static final FlagTable UNSHARE = new FlagTable("CLONE_???")
            .add(CLONE_NEWTIME, "CLONE_NEWTIME").add(CLONE_VM, "CLONE_VM").add(CLONE_FS, "CLONE_FS")
            .add(CLONE_FILES, "CLONE_FILES").add(CLONE_SIGHAND, "CLONE_SIGHAND").add(CLONE_THREAD, "CLONE_THREAD")
            .add(CLONE_NEWNS, "CLONE_NEWNS").add(CLONE_SYSVSEM, "CLONE_SYSVSEM").add(CLONE_NEWCGROUP, "CLONE_NEWCGROUP")
            .add(CLONE_NEWUTS, "CLONE_NEWUTS").add(CLONE_NEWIPC, "CLONE_NEWIPC").add(CLONE_NEWUSER, "CLONE_NEWUSER")
            .add(CLONE_NEWPID, "CLONE_NEWPID").add(CLONE_NEWNET, "CLONE_NEWNET");

    /** setns(2)'s {@code nstype}: only namespace kinds ({@code 0} means "whatever kind the fd is"). */
    public static final FlagTable SETNS = new FlagTable("CLONE_NEW???")
            .add(CLONE_NEWTIME, "CLONE_NEWTIME").add(CLONE_NEWNS, "CLONE_NEWNS").add(CLONE_NEWCGROUP, "CLONE_NEWCGROUP")
            .add(CLONE_NEWUTS, "CLONE_NEWUTS").add(CLONE_NEWIPC, "CLONE_NEWIPC").add(CLONE_NEWUSER, "CLONE_NEWUSER")
            .add(CLONE_NEWPID, "CLONE_NEWPID").add(CLONE_NEWNET, "CLONE_NEWNET");

    private CloneFlags() {
    }

    public static String unshare(int flags) {
        return UNSHARE.format(Integer.toUnsignedLong(flags));
    }

    public static String setns(int nstype) {
        return SETNS.format(Integer.toUnsignedLong(nstype));
    }
}
