package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Moving the container's root directory onto its root file system, the two ways.
 *
 * <p><b>chroot(2)</b> changes one thing: where path lookups of the caller start. The old root is still
 * mounted, and a process that keeps a directory outside its new root (its working directory, an open
 * descriptor) can climb back out with {@code ..} — {@link #escape} does exactly that.
 *
 * <p><b>pivot_root(2)</b> swaps the root <em>mount</em> of the mount namespace: the new root becomes
 * the namespace's root, the old one is stacked on it and then detached, so nothing above the new root
 * exists any more in that namespace. runc's sequence (libcontainer/rootfs_linux.go, pivotRoot) is
 * {@code pivot_root(".", ".")} from inside the new root, then {@code umount2(".", MNT_DETACH)}.
 */
public final class RootStep {
    private RootStep() {
    }

    /** chroot(2) into the root file system, then chdir("/") into it. */
    public static void chroot(Container c) throws SyscallException {
        requireRootfs(c, "chroot");
        c.calls().chroot(c.dirs().rootfs().toString());
        c.calls().chdir("/");
        c.setRoot(Container.RootChange.CHROOT);
    }

    /** runc's pivot_root sequence; needs a mount namespace of the container's own. */
    public static void pivotRoot(Container c) throws SyscallException {
        requireRootfs(c, "pivot_root");
        if (!c.has(Namespace.MNT)) {
            throw CwbException.badInput("pivot_root needs the container's own mount namespace: in the host's, it "
                    + "would swap the root of every process on this machine", "unshare mnt first");
        }
        Syscalls calls = c.calls();
        int oldRoot = calls.open("/", OpenFlags.O_DIRECTORY | OpenFlags.O_PATH);
        int newRoot = calls.open(c.dirs().rootfs().toString(), OpenFlags.O_DIRECTORY | OpenFlags.O_PATH);
        try {
            calls.fchdir(newRoot);
            calls.pivotRoot(".", ".");
            calls.fchdir(oldRoot); // the old root now sits on top of the new one, at "."
            calls.mount(null, ".", null, MountFlags.MS_SLAVE | MountFlags.MS_REC, null); // stop propagation first
            calls.umount2(".", MountFlags.MNT_DETACH);
            calls.chdir("/");
        } finally {
            calls.close(oldRoot);
            calls.close(newRoot);
        }
        c.setRoot(Container.RootChange.PIVOT_ROOT);
    }

    /**
     * {@code --read-only}: the container's root, once pivoted, remounted read-only — a bind remount of
     * {@code /} on itself, as runc's {@code setReadonly} does for {@code root.readonly} (rootfs_linux.go).
     * Mounts below it (/proc, /dev, a tmpfs) keep their own flags.
     */
    public static void remountRootReadOnly(Container c) throws SyscallException {
        c.calls().mount(null, "/", null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY, null);
    }

    /** What {@link #escape} found: whether the root it reached is the host's. */
    public record EscapeResult(boolean escaped, String rootNow) {
    }

    /**
     * The classic chroot escape, tried for real by the container's process: make a directory, chroot into
     * it while the working directory stays outside it, climb with {@code chdir("..")} as far as the kernel
     * lets it, then {@code chroot(".")}. After chroot(2) this reaches the host's root; after pivot_root(2)
     * the climb stops at the container's root, because nothing is above it in its mount namespace.
     */
    public static EscapeResult escape(Container c) throws SyscallException {
        if (c.root() == Container.RootChange.NONE) {
            throw CwbException.badInput("the container's root has not moved yet: there is nothing to escape from",
                    "chroot or pivot_root first");
        }
        Syscalls calls = c.calls();
        try {
            calls.mkdir("/.cwb-escape", 0700);
        } catch (SyscallException e) {
            if (e.errno() != dev.cwb.kernel.Errno.EEXIST) {
                throw e;
            }
        }
        calls.chroot("/.cwb-escape"); // the working directory is still "/": now outside the root
        for (int i = 0; i < 64; i++) {
            calls.chdir("..");
        }
        calls.chroot(".");
        calls.chdir("/");
        boolean escaped = sameFile(c.rootSeenFromHost(), Path.of("/"));
        if (escaped) {
            c.setRoot(Container.RootChange.ESCAPED);
        }
        return new EscapeResult(escaped, escaped ? "the host's /" : "the container's own root");
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            Object ka = Files.readAttributes(a, BasicFileAttributes.class).fileKey();
            Object kb = Files.readAttributes(b, BasicFileAttributes.class).fileKey();
            return ka != null && ka.equals(kb);
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireRootfs(Container c, String step) {
        if (!c.overlayMounted()) {
            throw CwbException.badInput(step + " needs a root file system to move into, and none is mounted yet",
                    "mount the image first: overlay");
        }
        if (c.root() != Container.RootChange.NONE) {
            throw CwbException.badInput("the root of " + c.name() + " has already moved ("
                    + c.root().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")", "see: status");
        }
    }
}
