package dev.cwb;

import dev.cwb.kernel.Errno;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Telling a full file system from everything else. A write that fails with {@code ENOSPC} (no blocks or no
 * inodes left) or {@code EDQUOT} (the user's quota) is the disk's fault, not the image's: the learner must
 * read "no space left on device", which file system, how much it has free and how much was needed — never
 * "the layer is truncated or damaged".
 *
 * <p>The kernel's errno reaches Java in three shapes, and {@link #is} knows all of them: a
 * {@link SyscallException} (the workbench's own calls), a {@link FileSystemException} whose reason is the
 * errno's text, and a bare {@link IOException} whose message is that text ({@code FileChannel.write}). Each
 * place that writes image data — the blob store, the layer extractor, {@code unpack --flat} — sends its
 * failures through {@link #check}, which turns a full disk into a {@link NoSpace}, so the code above can
 * roll back first and then say {@link #error what was needed}.
 */
public final class DiskFull {
    /** errno(3): no space left on device. */
    public static final int ENOSPC = 28;
    /** errno(3): disk quota exceeded. */
    public static final int EDQUOT = 122;

    private DiskFull() {
    }

    /** A write refused because the file system under {@link #where} is full; says nothing yet of what was needed. */
    public static final class NoSpace extends CwbException {
        private static final long serialVersionUID = 1L;
        private final transient Path where;

        NoSpace(Path where, Throwable cause) {
            super(IO, "no space left on device: " + where + spaceOf(where), "free some space, or set CWB_HOME to a larger file system", cause);
            this.where = where;
        }

        public Path where() {
            return where;
        }
    }

    /** True when {@code e} or one of its causes is the kernel saying the file system (or the quota) is full. */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoSpace) {
                return true;
            }
            if (t instanceof SyscallException s && (s.errno() == ENOSPC || s.errno() == EDQUOT)) {
                return true;
            }
            String text = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() : t.getMessage();
            if (text != null && (t instanceof IOException || t instanceof java.io.UncheckedIOException) && namesFull(text)) {
                return true;
            }
        }
        return false;
    }

    private static boolean namesFull(String text) {
        String t = text.trim();
        return t.endsWith("No space left on device") || t.endsWith("Disk quota exceeded")
                || t.endsWith(Errno.message(ENOSPC)) || t.endsWith(Errno.message(EDQUOT));
    }

    /**
     * Throws {@code e} as a {@link NoSpace} for {@code where} when it is a full disk; otherwise returns, so
     * the caller goes on with its own handling.
     */
    public static void check(Throwable e, Path where) {
        if (e instanceof NoSpace n) {
            throw n;
        }
        if (is(e)) {
            NoSpace inner = find(e);
            throw inner != null ? inner : new NoSpace(where, e);
        }
    }

    private static NoSpace find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoSpace n) {
                return n;
            }
        }
        return null;
    }

    /**
     * The error to show once the caller has rolled back: {@code no space left on device: WHAT needs NEEDED;
     * the file system at MOUNT (TYPE) holding WHERE has FREE free}. The free space is measured now, after the
     * roll-back, so it is what the learner really has. {@code needed} below 0 is unknown.
     */
    public static CwbException error(String what, Path where, long needed, String afterwards, Throwable cause) {
        String need = needed >= 0 ? " needs " + human(needed) : "";
        long free = free(where);
        String inodes = needed >= 0 && free >= needed
                ? " (so it is out of inodes, not bytes: too many files)" : "";
        return new CwbException(CwbException.IO, "no space left on device: " + what + need + ";" + spaceOf(where) + inodes,
                "free some space there (rmi, cleanup), or use a larger file system (CWB_HOME, for the store and the layer cache)"
                        + (afterwards == null ? "" : "; " + afterwards), cause);
    }

    /** {@code  the file system at /work (ext4) has 1.2 MiB free} for the mount that holds {@code where}. */
    static String spaceOf(Path where) {
        Path existing = nearestExisting(where);
        if (existing == null) {
            return "";
        }
        MountInfo.Mount m = mountOf(existing);
        long free = free(existing);
        return " the file system at " + (m == null ? existing : m.mountPoint() + " (" + m.fsType() + ")")
                + (free >= 0 ? " has " + human(free) + " free" : "");
    }

    /** Bytes an unprivileged writer may still use there (statvfs f_bavail), or -1. */
    static long free(Path where) {
        Path existing = nearestExisting(where);
        try {
            return existing == null ? -1 : Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Path nearestExisting(Path where) {
        for (Path p = where.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    /** The mount whose mount point is the longest prefix of {@code path}'s real path. */
    private static MountInfo.Mount mountOf(Path path) {
        String real;
        try {
            real = path.toRealPath().toString();
        } catch (IOException e) {
            real = path.toAbsolutePath().normalize().toString();
        }
        MountInfo.Mount best = null;
        for (MountInfo.Mount m : MountInfo.of("self")) {
            String mp = m.mountPoint();
            boolean under = real.equals(mp) || mp.equals("/") || real.startsWith(mp + "/");
            if (under && (best == null || mp.length() >= best.mountPoint().length())) {
                best = m;
            }
        }
        return best;
    }

    private static String human(long bytes) {
        return dev.cwb.view.Sizes.human(bytes);
    }
}
