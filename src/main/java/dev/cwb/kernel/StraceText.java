package dev.cwb.kernel;

/**
 * How strace writes the arguments that are not flags: strings, file modes, device numbers, directory
 * descriptors, signals. Checked against strace 6.1. Strings are written whole: strace cuts them at
 * {@code -s} bytes (32 by default) and adds {@code ...}, so a record matches {@code strace -s 4096}.
 */
public final class StraceText {
    /** {@code AT_FDCWD} (fcntl.h): "relative to the working directory" in the *at calls. */
    public static final int AT_FDCWD = -100;

    private static final String[] SIGNALS = {"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    private static final int SIGRTMIN = 32;
    private static final int SIGRTMAX = 64;

    private StraceText() {
    }

    /** A C string in double quotes, or {@code NULL}: printable ASCII as is, the rest escaped. */
    public static String quote(byte[] bytes) {
        if (bytes == null) {
            return "NULL";
        }
        StringBuilder sb = new StringBuilder(bytes.length + 2).append('"');
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case 0x0b -> sb.append("\\v");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        boolean digitNext = i + 1 < bytes.length && bytes[i + 1] >= '0' && bytes[i + 1] <= '9';
                        // the shortest octal escape, unless a digit follows and would be read as part of it
                        String oct = Integer.toOctalString(c);
                        sb.append('\\').append(digitNext ? "000".substring(oct.length()) + oct : oct);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** C's {@code %#03o}: permission bits in octal with a leading zero ({@code 0755}, {@code 000}). */
    public static String octal(int mode) {
        String s = mode == 0 ? "0" : "0" + Integer.toOctalString(mode);
        return s.length() >= 3 ? s : "000".substring(s.length()) + s;
    }

    /** mknod(2)'s mode: the file type by name, then the permission bits ({@code S_IFCHR|0666}). */
    public static String fileMode(int mode) {
        String type = switch (mode & 0170000) {
            case 0140000 -> "S_IFSOCK";
            case 0120000 -> "S_IFLNK";
            case 0100000 -> "S_IFREG";
            case 0060000 -> "S_IFBLK";
            case 0040000 -> "S_IFDIR";
            case 0020000 -> "S_IFCHR";
            case 0010000 -> "S_IFIFO";
            default -> null;
        };
        return type == null ? octal(mode) : type + "|" + octal(mode & ~0170000);
    }

    /** A device number split the way glibc's makedev(3) builds it: {@code makedev(0x1, 0x3)}. */
    public static String device(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return "makedev(" + hexOrZero(major) + ", " + hexOrZero(minor) + ")";
    }

    /** A directory descriptor argument: {@code AT_FDCWD} or the number. */
    public static String dirfd(int fd) {
        return fd == AT_FDCWD ? "AT_FDCWD" : Integer.toString(fd);
    }

    /** A signal number by name: {@code SIGTERM}, real-time ones as {@code SIGRTMIN}, {@code SIGRT_n}. */
    public static String signal(int sig) {
        if (sig >= 0 && sig < SIGNALS.length) {
            return SIGNALS[sig];
        }
        if (sig == SIGRTMIN) {
            return "SIGRTMIN";
        }
        if (sig > SIGRTMIN && sig <= SIGRTMAX) {
            return "SIGRT_" + (sig - SIGRTMIN);
        }
        return Integer.toString(sig);
    }

    /**
     * A signal by name or number, as {@code kill -s} and Docker's {@code --signal} take it: {@code TERM},
     * {@code SIGTERM}, {@code 15}; -1 when it names none.
     */
    public static int signalNumber(String text) {
        String t = text.strip().toUpperCase(java.util.Locale.ROOT);
        if (t.matches("\\d{1,2}")) {
            int n = Integer.parseInt(t);
            return n >= 1 && n <= SIGRTMAX ? n : -1;
        }
        String name = t.startsWith("SIG") ? t : "SIG" + t;
        for (int i = 1; i < SIGNALS.length; i++) {
            if (SIGNALS[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static String hexOrZero(long v) {
        return v == 0 ? "0" : FlagTable.hex(v);
    }
}
