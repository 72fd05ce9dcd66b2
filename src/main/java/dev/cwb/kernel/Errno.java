package dev.cwb.kernel;

import java.util.Map;

/**
 * errno names (asm-generic/errno-base.h and errno.h on Linux), so a trace can print {@code EPERM} the
 * way strace does instead of a bare number.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int ENOEXEC = 8;
    public static final int ECHILD = 10;
    public static final int ENOMEM = 12;
    public static final int ENOENT = 2;
    public static final int EBADF = 9;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;
    public static final int ENOTSUP = 95;
    public static final int ENETUNREACH = 101;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(3, "ESRCH"), Map.entry(4, "EINTR"),
            Map.entry(5, "EIO"), Map.entry(6, "ENXIO"), Map.entry(7, "E2BIG"), Map.entry(8, "ENOEXEC"),
            Map.entry(9, "EBADF"), Map.entry(10, "ECHILD"), Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"),
            Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"), Map.entry(15, "ENOTBLK"), Map.entry(16, "EBUSY"), Map.entry(17, "EEXIST"),
            Map.entry(18, "EXDEV"), Map.entry(19, "ENODEV"), Map.entry(20, "ENOTDIR"), Map.entry(21, "EISDIR"),
            Map.entry(22, "EINVAL"), Map.entry(23, "ENFILE"), Map.entry(24, "EMFILE"), Map.entry(25, "ENOTTY"),
            Map.entry(26, "ETXTBSY"), Map.entry(27, "EFBIG"), Map.entry(28, "ENOSPC"), Map.entry(29, "ESPIPE"), Map.entry(30, "EROFS"),
            Map.entry(31, "EMLINK"), Map.entry(32, "EPIPE"), Map.entry(33, "EDOM"), Map.entry(34, "ERANGE"), Map.entry(35, "EDEADLK"), Map.entry(36, "ENAMETOOLONG"),
            Map.entry(37, "ENOLCK"), Map.entry(38, "ENOSYS"), Map.entry(39, "ENOTEMPTY"), Map.entry(40, "ELOOP"), Map.entry(61, "ENODATA"), Map.entry(75, "EOVERFLOW"), Map.entry(87, "EUSERS"),
            Map.entry(95, "EOPNOTSUPP"), Map.entry(98, "EADDRINUSE"), Map.entry(101, "ENETUNREACH"), Map.entry(110, "ETIMEDOUT"), Map.entry(116, "ESTALE"), Map.entry(122, "EDQUOT"));

    private Errno() {
    }

    public static String name(int errno) {
        return NAMES.getOrDefault(errno, "E" + errno);
    }

    /** strerror(3)'s text, or the name when libc is not at hand. */
    public static String message(int errno) {
        if (LibC.AVAILABLE) {
            String m = LibC.strerror(errno);
            if (m != null) {
                return m;
            }
        }
        return name(errno);
    }
}
