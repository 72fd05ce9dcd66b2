package dev.cwb.volume;

import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.SyscallException;

import java.io.InputStream;

/**
 * A new volume's first filling: what the image holds at the mount point, copied into the volume before it is
 * mounted there, as Docker does for an empty volume (daemon/volumes_unix.go, {@code copyExistingContents}) —
 * so {@code -v data:/etc/nginx} starts with the image's configuration, and keeps it after. Names are bytes
 * ({@link dev.cwb.kernel.FileNames}), owners, modes and times kept, symbolic links copied as links (never
 * followed), devices and fifos made again, extended attributes kept; every open is relative to a directory descriptor with
 * {@code O_NOFOLLOW}, so nothing in the image leads the copy elsewhere. A file with several names (hard
 * links: the same device and inode, {@code st_nlink > 1}) is copied once and its other names linked to that
 * copy with linkat(2), as Docker's copy keeps them (containerd's continuity {@code fs.CopyDir}, which
 * {@code copyExistingContents} calls, remembers each inode's first copy): {@code /bin/[} and
 * {@code /bin/test} stay one file.
 *
 * <p>Untraced bulk work of the workbench, like unpacking a layer: the learner is told it happened and how much.
 */
public final class CopyUp {
    private final boolean asRoot;
    private final DirFd top;
    /** The first copy of each multiply-linked source inode (by "major:minor:inode"), as a path under {@link #top}. */
    private final java.util.Map<String, String> firstCopy = new java.util.HashMap<>();
    private long files;
    private long bytes;
    private long links;

    private CopyUp(boolean asRoot, DirFd top) {
        this.asRoot = asRoot;
        this.top = top;
    }

    /** What was copied: entries (every name), bytes of file content, and how many names were hard links to an earlier copy. */
    public record Copied(long files, long bytes, long links) {
    }

    /** Copies the contents of {@code from} into the empty directory {@code to}, and gives {@code to} the owner, mode and times of {@code from}. */
    public static Copied copy(DirFd from, DirFd.Stat fromStat, DirFd to) throws SyscallException {
        CopyUp c = new CopyUp(dev.cwb.WorkbenchHome.isRoot(), to);
        c.contents(from, to, "");
        c.owner(to, ".", fromStat);
        to.chmod(".", fromStat.mode() & 07777);
        to.utimes(".", fromStat.mtimeSeconds(), fromStat.mtimeNanos());
        return new Copied(c.files, c.bytes, c.links);
    }

    /** {@code from}'s entries into {@code to}, which is {@code path} under {@link #top} ("" for the top itself). */
    private void contents(DirFd from, DirFd to, String path) throws SyscallException {
        for (String name : from.list()) {
            DirFd.Stat st = from.stat(name);
            int perm = st.mode() & 07777;
            String here = path.isEmpty() ? name : path + "/" + name;
            if (st.type() != DirFd.S_IFDIR && st.nlink() > 1) {
                String inode = st.devMajor() + ":" + st.devMinor() + ":" + st.ino();
                String first = firstCopy.putIfAbsent(inode, here);
                if (first != null) {
                    // another name of a file already copied: the same file in the volume too. linkat without
                    // AT_SYMLINK_FOLLOW, and the way to the first copy only crosses directories this copy made
                    to.link(top, first, name);
                    files++;
                    links++;
                    continue;
                }
            }
            switch (st.type()) {
                case DirFd.S_IFDIR -> {
                    to.mkdir(name, 0700);
                    try (DirFd sub = from.openDir(name); DirFd dst = to.openDir(name)) {
                        contents(sub, dst, here);
                    }
                    owner(to, name, st);
                    xattrs(from, to, name);
                    to.chmod(name, perm);
                }
                case DirFd.S_IFREG -> {
                    int fd = to.create(name, 0600);
                    try (InputStream in = from.read(name)) {
                        byte[] buf = new byte[1 << 16];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            DirFd.writeAll(fd, buf, n, name);
                            bytes += n;
                        }
                    } catch (SyscallException e) {
                        DirFd.closeFile(fd, name);
                        throw e;
                    } catch (java.io.IOException e) {
                        DirFd.closeFile(fd, name);
                        throw new SyscallException("read of " + name + " from the image failed: " + e.getMessage());
                    }
                    DirFd.closeFile(fd, name);
                    owner(to, name, st);
                    xattrs(from, to, name); // after chown, which clears security.capability
                    to.chmod(name, perm); // and set-user-ID
                }
                case DirFd.S_IFLNK -> {
                    to.symlink(from.readlink(name), name);
                    owner(to, name, st);
                }
                case DirFd.S_IFCHR, DirFd.S_IFBLK, DirFd.S_IFIFO -> {
                    to.mknod(name, st.mode(), dev.cwb.kernel.Kernel.makedev(st.rdevMajor(), st.rdevMinor()));
                    owner(to, name, st);
                    to.chmod(name, perm);
                }
                default -> {
                    continue; // a socket: nothing to copy (Docker skips them too)
                }
            }
            files++;
            if (st.type() != DirFd.S_IFLNK) {
                to.utimes(name, st.mtimeSeconds(), st.mtimeNanos());
            }
        }
    }

    /**
     * The entry's extended attributes ({@code security.capability} of a program like ping, a user's own),
     * but not overlayfs's bookkeeping ({@code trusted.overlay.*}, {@code user.overlay.*}), which only means
     * something in a layer. A file system of the volume without xattrs (ENOTSUP), or without root a
     * {@code security.*} or {@code trusted.*} one (EPERM), leaves that attribute out.
     */
    private void xattrs(DirFd from, DirFd to, String name) throws SyscallException {
        for (java.util.Map.Entry<String, byte[]> x : from.xattrs(name).entrySet()) {
            if (x.getKey().startsWith("trusted.overlay.") || x.getKey().startsWith("user.overlay.")) {
                continue;
            }
            try {
                to.setxattr(name, x.getKey(), x.getValue());
            } catch (SyscallException e) {
                if (e.errno() != ENOTSUP && (asRoot || e.errno() != dev.cwb.kernel.Errno.EPERM)) {
                    throw e;
                }
            }
        }
    }

    private static final int ENOTSUP = 95;

    /** The image's owner; without root only one's own ids can be given, and the copy keeps the workbench's user. */
    private void owner(DirFd dir, String name, DirFd.Stat st) throws SyscallException {
        try {
            dir.chown(name, st.uid(), st.gid());
        } catch (SyscallException e) {
            if (asRoot || e.errno() != dev.cwb.kernel.Errno.EPERM) {
                throw e;
            }
        }
    }
}
