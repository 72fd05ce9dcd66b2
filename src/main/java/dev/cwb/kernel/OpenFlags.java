package dev.cwb.kernel;

/**
 * The flags of open(2) and openat(2) (asm-generic/fcntl.h; four values differ on x86_64, see
 * {@link Arch}). The container steps use {@code O_PATH} (a handle to a place in the tree that cannot read
 * or write: enough for fchdir(2) and *at calls), {@code O_DIRECTORY} (fail unless it is a directory) and
 * {@code O_CLOEXEC} (never leak the descriptor into a process we start).
 */
public final class OpenFlags {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_ACCMODE = 3;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int FASYNC = 020000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04000000 | O_DSYNC;
    public static final int O_PATH = 010000000;
    public static final int O_DIRECTORY = Arch.current().oDirectory;
    public static final int O_NOFOLLOW = Arch.current().oNofollow;
    public static final int O_DIRECT = Arch.current().oDirect;
    public static final int O_LARGEFILE = Arch.current().oLargefile;
    /** An unnamed file in the given directory: its own bit plus O_DIRECTORY's. */
    public static final int O_TMPFILE = 020000000 | O_DIRECTORY;

    private static final String[] ACCESS = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};

    /** strace's order (O_SYNC before O_DSYNC and O_TMPFILE before O_DIRECTORY, so each absorbs the other). */
    static final FlagTable TABLE = new FlagTable("O_???")
            .add(O_CREAT, "O_CREAT").add(O_EXCL, "O_EXCL").add(O_NOCTTY, "O_NOCTTY").add(O_TRUNC, "O_TRUNC")
            .add(O_APPEND, "O_APPEND").add(O_NONBLOCK, "O_NONBLOCK").add(O_SYNC, "O_SYNC").add(O_DSYNC, "O_DSYNC")
            .add(O_DIRECT, "O_DIRECT").add(O_LARGEFILE, "O_LARGEFILE").add(O_NOFOLLOW, "O_NOFOLLOW")
            .add(O_NOATIME, "O_NOATIME").add(O_CLOEXEC, "O_CLOEXEC").add(O_PATH, "O_PATH").add(O_TMPFILE, "O_TMPFILE")
            .add(O_DIRECTORY, "O_DIRECTORY").add(FASYNC, "FASYNC");

    private OpenFlags() {
    }

    /** The flags as strace prints them: the access mode always first ({@code O_RDONLY} is 0). */
    public static String format(int flags) {
        return TABLE.formatAfter(ACCESS[flags & O_ACCMODE], Integer.toUnsignedLong(flags & ~O_ACCMODE));
    }

    /** open(2) reads its mode argument only when it may create a file; strace prints it only then. */
    static boolean takesMode(int flags) {
        return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
    }
}
