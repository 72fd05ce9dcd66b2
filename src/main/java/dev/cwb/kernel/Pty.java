package dev.cwb.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Pseudo-terminals as the workbench itself uses them (pty(7), ioctl_tty(2)), untraced: these are the
 * workbench's calls, not a container's. A pair is made from a {@code ptmx} node: opening it gives a new
 * master in the devpts instance that node belongs to, so a container's own {@code /dev/pts/ptmx}
 * (reached from the host through {@code /proc/PID/root}) makes a terminal that is {@code /dev/pts/0}
 * <em>inside</em> the container, as runc's console socket does. The slave is taken with
 * {@code TIOCGPTPEER} (Linux 4.13), from the master itself: no path is looked up, so no other devpts can be
 * given instead. The ioctl numbers are asm-generic's, the same on x86_64 and arm64.
 */
public final class Pty {
    private static final int AT_FDCWD = -100;
    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final long TIOCGWINSZ = 0x5413;
    private static final long TIOCSWINSZ = 0x5414;
    /** _IOW('T', 0x31, int): lock (non-zero) or unlock (0) the slave; unlockpt(3). */
    private static final long TIOCSPTLCK = 0x40045431L;
    /** _IOR('T', 0x30, unsigned int): the pty's number N, the slave being /dev/pts/N. */
    private static final long TIOCGPTN = 0x80045430L;
    /** _IO('T', 0x41): open the slave of this master, with the given open flags. */
    private static final long TIOCGPTPEER = 0x5441;
    private static final int TCSANOW = 0;
    /** glibc's struct termios: c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[32], speeds: 60 bytes. */
    private static final int TERMIOS_SIZE = 60;
    private static final int C_CC = 17;
    private static final int VTIME = 5;
    private static final int VMIN = 6;
    private static final int BRKINT = 02;
    private static final int INPCK = 020;
    private static final int ISTRIP = 040;
    private static final int INLCR = 0100;
    private static final int IGNCR = 0200;
    private static final int ICRNL = 0400;
    private static final int IXON = 02000;
    private static final int OPOST = 01;
    private static final int ISIG = 01;
    private static final int ICANON = 02;
    private static final int ECHO = 010;
    private static final int ECHONL = 0100;
    private static final int IEXTEN = 0100000;
    private static final short POLLIN = 1;

    /** A master and its slave; {@code number} is N of the slave's {@code /dev/pts/N} in its devpts instance. */
    public record Pair(int master, int slave, int number) {
    }

    private Pty() {
    }

    /**
     * Opens {@code ptmx} (O_RDWR | O_NOCTTY | O_CLOEXEC), unlocks the slave and opens it with TIOCGPTPEER.
     * Both descriptors are close-on-exec; the caller hands the slave on and closes its copy.
     */
    public static Pair open(Path ptmx) throws SyscallException {
        byte[] path = (ptmx.toString() + "\0").getBytes(StandardCharsets.UTF_8);
        int master = LibC.openat(AT_FDCWD, path, O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
        if (master < 0) {
            throw new SyscallException("openat", "AT_FDCWD, \"" + ptmx + "\", O_RDWR|O_NOCTTY|O_CLOEXEC", lastError());
        }
        return pairOf(master);
    }

    /** Unlocks the slave of {@code master} and opens it with TIOCGPTPEER; closes {@code master} when that fails. */
    private static Pair pairOf(int master) throws SyscallException {
        try {
            if (LibC.ioctl(master, TIOCSPTLCK, new int[] {0}) != 0) {
                throw new SyscallException("ioctl", master + ", TIOCSPTLCK, [0]", lastError());
            }
            int[] number = new int[1];
            if (LibC.ioctl(master, TIOCGPTN, number) != 0) {
                throw new SyscallException("ioctl", master + ", TIOCGPTN", lastError());
            }
            int slave = LibC.ioctl(master, TIOCGPTPEER, (long) (O_RDWR | O_NOCTTY | O_CLOEXEC));
            if (slave < 0) {
                throw new SyscallException("ioctl", master + ", TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC", lastError());
            }
            return new Pair(master, slave, number[0]);
        } catch (SyscallException e) {
            LibC.close(master);
            throw e;
        }
    }

    /**
     * The same from the {@code /dev/pts/ptmx} of a running container whose root the host reaches as
     * {@code root} ({@code /proc/PID/root}): its processes may have changed that tree since it started, so
     * {@code dev/pts} is resolved inside the root as they would resolve it (openat2 {@code RESOLVE_IN_ROOT},
     * an absolute link starting again at the container's {@code /}, never the host's — the lookup through
     * {@code /proc/PID/root} alone would follow it on the host, runc's CVE-2019-19921 class of mistake), and
     * {@code ptmx} there must be the character device 5:2 itself (not a link, a FIFO or another device,
     * whose open could block or act) before it is opened, with O_NOFOLLOW.
     */
    public static Pair openInRoot(Path root) throws SyscallException {
        try (DirFd top = DirFd.open(root.resolve("."))) {
            DirFd pts = top.resolveDir("dev/pts");
            if (pts == null) {
                throw new SyscallException("openat2", root + ", \"dev/pts\", RESOLVE_IN_ROOT", Errno.ENOSYS);
            }
            try (pts) {
                DirFd.Stat st = pts.stat("ptmx");
                if (st.type() != DirFd.S_IFCHR || st.rdevMajor() != 5 || st.rdevMinor() != 2) {
                    throw new SyscallException("statx", root + "/dev/pts/ptmx: not the pty multiplexer (character device 5:2)", Errno.ENODEV);
                }
                int master = LibC.openat(pts.fd(), "ptmx\0".getBytes(StandardCharsets.UTF_8),
                        O_RDWR | O_NOCTTY | O_CLOEXEC | OpenFlags.O_NOFOLLOW, 0);
                if (master < 0) {
                    throw new SyscallException("openat", root + "/dev/pts, \"ptmx\", O_RDWR|O_NOCTTY|O_CLOEXEC|O_NOFOLLOW", lastError());
                }
                return pairOf(master);
            }
        }
    }

    /**
     * Gives {@code to} the window size of the terminal on {@code from} (TIOCGWINSZ, TIOCSWINSZ) when it differs
     * from {@code known}; returns the size now (rows and columns in one int), or {@code known} when
     * {@code from} is no terminal. Setting a pty's size sends SIGWINCH to its foreground group (ioctl_tty(2)).
     */
    public static int copyWindowSize(int from, int to, int known) {
        short[] winsize = new short[4];
        try {
            LibC.ioctl(from, TIOCGWINSZ, winsize);
            int size = (winsize[0] & 0xffff) << 16 | (winsize[1] & 0xffff);
            if (size != known) {
                LibC.ioctl(to, TIOCSWINSZ, winsize);
            }
            return size;
        } catch (com.sun.jna.LastErrorException e) {
            return known;
        }
    }

    /**
     * Puts the terminal on {@code fd} into raw input mode, as ssh and {@code docker run -t} do for the time a
     * pty of their own is in front (cfmakeraw(3); moby's {@code term.MakeRaw}): keys are passed on one by one,
     * unechoed, and Ctrl-C is byte 3, not SIGINT (no ICANON, ECHO, ISIG, IEXTEN, IXON, ICRNL), so the
     * pty's own line discipline is the one that acts on them. Output processing stays until
     * {@link #rawOutput}. Returns the settings to restore, or null when {@code fd} is not a terminal.
     */
    public static byte[] rawInput(int fd) {
        byte[] saved = new byte[TERMIOS_SIZE + 64];
        if (LibC.tcgetattr(fd, saved) != 0) {
            return null;
        }
        byte[] raw = saved.clone();
        ByteBuffer t = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        t.putInt(0, t.getInt(0) & ~(BRKINT | INPCK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
        t.putInt(12, t.getInt(12) & ~(ISIG | ICANON | ECHO | ECHONL | IEXTEN));
        raw[C_CC + VMIN] = 1;
        raw[C_CC + VTIME] = 0;
        if (LibC.tcsetattr(fd, TCSANOW, raw) != 0) {
            return null;
        }
        return saved;
    }

    /**
     * Turns output processing off (no OPOST), the rest of cfmakeraw: the inner pty's ONLCR has already made
     * each of its command's {@code \n} a {@code \r\n}, which the outer terminal would otherwise send as
     * {@code \r\r\n}. A line the workbench itself prints meanwhile must end with {@code \r\n}; {@link #restore}
     * gives OPOST back with the rest.
     */
    public static void rawOutput(int fd) {
        byte[] now = new byte[TERMIOS_SIZE + 64];
        if (LibC.tcgetattr(fd, now) != 0) {
            return;
        }
        ByteBuffer t = ByteBuffer.wrap(now).order(ByteOrder.nativeOrder());
        t.putInt(4, t.getInt(4) & ~OPOST);
        LibC.tcsetattr(fd, TCSANOW, now);
    }

    /** Gives the terminal on {@code fd} back the settings {@link #rawInput} returned. */
    public static void restore(int fd, byte[] saved) {
        if (saved != null) {
            LibC.tcsetattr(fd, TCSANOW, saved);
        }
    }

    /** poll(2): true when {@code fd} has input (or has hung up) within {@code millis}. */
    public static boolean readable(int fd, int millis) {
        byte[] pollfd = new byte[8];
        ByteBuffer b = ByteBuffer.wrap(pollfd).order(ByteOrder.nativeOrder());
        b.putInt(0, fd);
        b.putShort(4, POLLIN);
        int n = LibC.poll(pollfd, 1, millis);
        return n > 0 && b.getShort(6) != 0;
    }

    /** write(2) of all of {@code buf[0..len)}; false when the descriptor refused it. */
    public static boolean writeAll(int fd, byte[] buf, int len) {
        int off = 0;
        while (off < len) {
            byte[] rest = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, len);
            long n = LibC.write(fd, rest, len - off);
            if (n < 0) {
                if (com.sun.jna.Native.getLastError() == Errno.EINTR) {
                    continue;
                }
                return false;
            }
            off += (int) n;
        }
        return true;
    }

    private static int lastError() {
        return com.sun.jna.Native.getLastError();
    }
}
