package dev.cwb.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The C library functions the workbench calls, bound with JNA's direct mapping (the fastest JNA calling
 * convention: no proxy, no reflection per call). Only {@link Kernel} uses this class; everything else
 * goes through {@code Kernel}, which decodes arguments and records each call.
 *
 * <p>Each function is the glibc wrapper of the system call of the same name; see its man page (section 2).
 * Failures throw {@link LastErrorException} carrying errno.
 */
final class LibC {
    static final boolean AVAILABLE;

    static {
        boolean ok = false;
        if (Platform.isLinux()) {
            try {
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
}
