package dev.cwb.kernel;

/**
 * The {@code MS_*} flags of mount(2) (linux/mount.h) and the {@code MNT_*} flags of umount2(2).
 *
 * <p>mount(2) does several different jobs chosen by these flags: a new mount (no special flag), a bind
 * mount ({@code MS_BIND}, with {@code MS_REC} for the whole subtree), a move ({@code MS_MOVE}), a change
 * of propagation ({@code MS_PRIVATE}, {@code MS_SLAVE}, {@code MS_SHARED}, {@code MS_UNBINDABLE}), or a
 * change of options on an existing mount ({@code MS_REMOUNT}). For the propagation and bind jobs the kernel
 * ignores the file system type and the data string, and strace prints them as bare addresses.
 */
public final class MountFlags {
    public static final long MS_RDONLY = 1L;
    public static final long MS_NOSUID = 1L << 1;
    public static final long MS_NODEV = 1L << 2;
    public static final long MS_NOEXEC = 1L << 3;
    public static final long MS_SYNCHRONOUS = 1L << 4;
    public static final long MS_REMOUNT = 1L << 5;
    public static final long MS_MANDLOCK = 1L << 6;
    public static final long MS_DIRSYNC = 1L << 7;
    public static final long MS_NOSYMFOLLOW = 1L << 8;
    public static final long MS_NOATIME = 1L << 10;
    public static final long MS_NODIRATIME = 1L << 11;
    public static final long MS_BIND = 1L << 12;
    public static final long MS_MOVE = 1L << 13;
    public static final long MS_REC = 1L << 14;
    public static final long MS_SILENT = 1L << 15;
    public static final long MS_POSIXACL = 1L << 16;
    public static final long MS_UNBINDABLE = 1L << 17;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;
    public static final long MS_SHARED = 1L << 20;
    public static final long MS_RELATIME = 1L << 21;
    public static final long MS_KERNMOUNT = 1L << 22;
    public static final long MS_I_VERSION = 1L << 23;
    public static final long MS_STRICTATIME = 1L << 24;
    public static final long MS_LAZYTIME = 1L << 25;
    public static final long MS_SUBMOUNT = 1L << 26;
    public static final long MS_NOREMOTELOCK = 1L << 27;
    public static final long MS_NOSEC = 1L << 28;
    public static final long MS_BORN = 1L << 29;
    public static final long MS_ACTIVE = 1L << 30;
    public static final long MS_NOUSER = 1L << 31;
    /** The "magic" old programs put in the top 16 bits; the kernel strips it. */
    public static final long MS_MGC_VAL = 0xC0ED0000L;
    private static final long MS_MGC_MSK = 0xFFFF0000L;

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final int MNT_EXPIRE = 4;
    public static final int UMOUNT_NOFOLLOW = 8;

    public static final FlagTable MOUNT = new FlagTable("MS_???")
            .add(MS_RDONLY, "MS_RDONLY").add(MS_NOSUID, "MS_NOSUID").add(MS_NODEV, "MS_NODEV")
            .add(MS_NOEXEC, "MS_NOEXEC").add(MS_SYNCHRONOUS, "MS_SYNCHRONOUS").add(MS_REMOUNT, "MS_REMOUNT")
            .add(MS_MANDLOCK, "MS_MANDLOCK").add(MS_DIRSYNC, "MS_DIRSYNC").add(MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW")
            .add(MS_NOATIME, "MS_NOATIME").add(MS_NODIRATIME, "MS_NODIRATIME").add(MS_BIND, "MS_BIND")
            .add(MS_MOVE, "MS_MOVE").add(MS_REC, "MS_REC").add(MS_SILENT, "MS_SILENT").add(MS_POSIXACL, "MS_POSIXACL")
            .add(MS_UNBINDABLE, "MS_UNBINDABLE").add(MS_PRIVATE, "MS_PRIVATE").add(MS_SLAVE, "MS_SLAVE")
            .add(MS_SHARED, "MS_SHARED").add(MS_RELATIME, "MS_RELATIME").add(MS_KERNMOUNT, "MS_KERNMOUNT")
            .add(MS_I_VERSION, "MS_I_VERSION").add(MS_STRICTATIME, "MS_STRICTATIME").add(MS_LAZYTIME, "MS_LAZYTIME")
            .add(MS_SUBMOUNT, "MS_SUBMOUNT").add(MS_NOREMOTELOCK, "MS_NOREMOTELOCK").add(MS_NOSEC, "MS_NOSEC")
            .add(MS_BORN, "MS_BORN").add(MS_ACTIVE, "MS_ACTIVE").add(MS_NOUSER, "MS_NOUSER");

    public static final FlagTable UMOUNT = new FlagTable("MNT_???")
            .add(MNT_FORCE, "MNT_FORCE").add(MNT_DETACH, "MNT_DETACH").add(MNT_EXPIRE, "MNT_EXPIRE")
            .add(UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW");

    private MountFlags() {
    }

    /** mount(2)'s flags as strace prints them, the old magic number shown as {@code MS_MGC_VAL}. */
    public static String mount(long flags) {
        if ((flags & MS_MGC_MSK) == MS_MGC_VAL) {
            long rest = flags & ~MS_MGC_MSK;
            return rest == 0 ? "MS_MGC_VAL" : "MS_MGC_VAL|" + MOUNT.format(rest);
        }
        return MOUNT.format(flags);
    }

    public static String umount(int flags) {
        return UMOUNT.format(Integer.toUnsignedLong(flags));
    }

    /** True when the kernel, and so strace, ignores mount(2)'s file system type argument. */
    static boolean ignoresType(long flags) {
        return (flags & MS_REMOUNT) != 0 || ignoresData(flags);
    }

    /** True when the kernel, and so strace, ignores mount(2)'s data argument. */
    static boolean ignoresData(long flags) {
        long f = (flags & MS_MGC_MSK) == MS_MGC_VAL ? flags & ~MS_MGC_MSK : flags;
        return (f & MS_REMOUNT) == 0
                && (f & (MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) != 0;
    }
}
