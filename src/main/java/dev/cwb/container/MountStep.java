package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.Errno;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.cwb.kernel.MountFlags.MS_BIND;
import static dev.cwb.kernel.MountFlags.MS_NODEV;
import static dev.cwb.kernel.MountFlags.MS_NOEXEC;
import static dev.cwb.kernel.MountFlags.MS_NOSUID;
import static dev.cwb.kernel.MountFlags.MS_RDONLY;
import static dev.cwb.kernel.MountFlags.MS_REC;
import static dev.cwb.kernel.MountFlags.MS_REMOUNT;
import static dev.cwb.kernel.MountFlags.MS_STRICTATIME;

/**
 * {@code mount proc|sys|dev|tmpfs|bind}: the file systems a container expects besides its root, mounted
 * the way runc's default configuration mounts them (runc's {@code libcontainer/specconv/example.go} and
 * {@code rootfs_linux.go}). Each is made by the container's current process, so it lands in the
 * container's mount namespace — or in the host's, if {@code unshare mnt} was not done, which the step
 * says.
 */
public final class MountStep {
    /** The device nodes runc creates in every container's /dev (all character devices, mode 0666). */
    public record Device(String name, int major, int minor) {
    }

    public static final List<Device> DEVICES = List.of(new Device("null", 1, 3), new Device("zero", 1, 5),
            new Device("full", 1, 7), new Device("random", 1, 8), new Device("urandom", 1, 9), new Device("tty", 5, 0));

    /** The symbolic links runc adds to /dev: {name, target}. */
    public static final List<String[]> DEV_LINKS = List.of(new String[] {"fd", "/proc/self/fd"},
            new String[] {"stdin", "/proc/self/fd/0"}, new String[] {"stdout", "/proc/self/fd/1"},
            new String[] {"stderr", "/proc/self/fd/2"}, new String[] {"ptmx", "pts/ptmx"});

    private MountStep() {
    }

    /** /proc: the PID namespace of the caller decides which processes it shows. */
    public static void proc(Container c) throws SyscallException {
        String target = prepare(c, "/proc");
        c.calls().mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
        c.addMount("/proc", target);
    }

    /**
     * {@code --tmpfs PATH[:OPTIONS]}: an empty tmpfs at PATH (made first when missing), {@code nosuid,nodev,noexec},
     * mode 1777 — what Docker mounts for {@code --tmpfs}, and with {@code --read-only} the one writable place.
     * OPTIONS are Docker's: {@code size=64m} (tmpfs(5): bytes, k, m, g or a percentage of memory),
     * {@code mode=1770} (octal), and {@code exec}, {@code suid}, {@code dev}, {@code ro}, {@code rw} and their
     * {@code no} forms; {@code --mount type=tmpfs,tmpfs-size=...,tmpfs-mode=...} comes here as the same.
     * Whether PATH exists is looked up inside the container's root ({@link dev.cwb.kernel.InRoot}), as its
     * processes resolve it: an image's link to an absolute path never leads the lookup to the host's files.
     */
    public static void tmpfsAt(Container c, String spec) throws SyscallException {
        int colon = spec.indexOf(':');
        String path = colon < 0 ? spec : spec.substring(0, colon);
        if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
            throw CwbException.badInput("--tmpfs " + spec + ": an absolute path inside the container", "--tmpfs /tmp");
        }
        long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        String size = null;
        String mode = "1777";
        for (String o : colon < 0 ? new String[0] : spec.substring(colon + 1).split(",")) {
            switch (o) {
                case "" -> { }
                case "exec" -> flags &= ~MS_NOEXEC;
                case "noexec" -> flags |= MS_NOEXEC;
                case "suid" -> flags &= ~MS_NOSUID;
                case "nosuid" -> flags |= MS_NOSUID;
                case "dev" -> flags &= ~MS_NODEV;
                case "nodev" -> flags |= MS_NODEV;
                case "ro" -> flags |= MS_RDONLY;
                case "rw" -> flags &= ~MS_RDONLY;
                default -> {
                    if (o.matches("size=\\d+[kKmMgG%]?")) {
                        size = o.substring(5);
                    } else if (o.matches("mode=[0-7]{1,4}")) {
                        mode = o.substring(5);
                    } else {
                        throw CwbException.badInput("--tmpfs " + spec + ": unknown or malformed option '" + o + "'",
                                "size=64m, mode=1770 (octal), exec, suid, dev, ro, rw, or their no forms");
                    }
                }
            }
        }
        boolean missing;
        try (dev.cwb.kernel.InRoot inside = dev.cwb.kernel.InRoot.open(c.rootSeenFromHost())) {
            missing = !inside.exists(path);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot look for " + path + " inside the container: " + CwbException.reason(e),
                    "run cleanup, then try again");
        }
        if (missing) {
            c.calls().mkdir(path, 01777);
        }
        c.calls().mount("tmpfs", path, "tmpfs", flags, "mode=" + mode + (size == null ? "" : ",size=" + size));
    }

    /** /sys read-only: sysfs shows the network devices of the caller's network namespace. */
    public static void sys(Container c) throws SyscallException {
        String target = prepare(c, "/sys");
        c.calls().mount("sysfs", target, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
        c.addMount("/sys", target);
    }

    /**
     * /dev: a small tmpfs with runc's six device nodes and links, a private devpts for terminals
     * ({@code newinstance}), /dev/shm and /dev/mqueue. Inside a user namespace mknod(2) of a device is
     * refused (EPERM), so there the host's nodes are bind-mounted instead, as runc does when rootless.
     */
    public static void dev(Container c) throws SyscallException {
        Syscalls calls = c.calls();
        String dev = prepare(c, "/dev");
        calls.mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
        c.addMount("/dev", dev);
        boolean userNs = c.has(Namespace.USER);
        int umask = calls.umask(0); // the nodes must be 0666 exactly: no umask cutting their mode
        for (Device d : DEVICES) {
            String node = dev + "/" + d.name();
            if (userNs) {
                calls.mknod(node, 0100000 | 0666, 0); // an empty file to bind the host's node onto
                calls.mount("/dev/" + d.name(), node, null, MS_BIND, null);
            } else {
                calls.mknod(node, Kernel.S_IFCHR | 0666, Kernel.makedev(d.major(), d.minor()));
            }
        }
        calls.umask(umask);
        for (String[] link : DEV_LINKS) {
            calls.symlink(link[1], dev + "/" + link[0]);
        }
        calls.mkdir(dev + "/pts", 0755);
        calls.mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                userNs ? "newinstance,ptmxmode=0666,mode=0620" : "newinstance,ptmxmode=0666,mode=0620,gid=5");
        calls.mkdir(dev + "/shm", 01777);
        calls.mount("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
        calls.mkdir(dev + "/mqueue", 0755);
        calls.mount("mqueue", dev + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
    }

    /**
     * {@code --privileged}: every device node of the host's {@code /dev} made in the container's too, with the
     * host node's type, numbers, permissions and owner — what Docker gives a privileged container (moby's
     * {@code oci.DevicesFromPath} over runc's {@code libcontainer/devices.HostDevices}, which skips the
     * directories {@code pts}, {@code shm}, {@code fd}, {@code mqueue}, {@code .lxc}, {@code .lxd-mounts},
     * {@code .udev}, the node {@code console} and every symbolic link). Subdirectories ({@code /dev/net},
     * {@code /dev/cpu/0}) are made 0755 as runc makes them. In a user namespace no node may be made, so each is
     * bind-mounted from the host's, as runc's {@code createDevices} does there. The walk of the host's /dev is
     * the workbench's own reading; each mkdir, mknod, chown and mount is a call of the container's process.
     * Call after {@link #dev}; the nodes {@code dev} made already are left as they are.
     */
    public static void hostDevices(Container c) throws SyscallException {
        List<HostNode> nodes = hostNodes(Path.of("/dev"));
        Syscalls calls = c.calls();
        String dev = c.pathInside("/dev");
        boolean userNs = c.has(Namespace.USER);
        Set<String> made = new HashSet<>();
        DEVICES.forEach(d -> made.add(d.name()));
        DEV_LINKS.forEach(l -> made.add(l[0])); // /dev/ptmx stays the link to pts/ptmx, as runc's setupPtmx leaves it
        int umask = calls.umask(0); // the host's modes exactly
        try {
            for (HostNode n : nodes) {
                if (made.contains(n.path())) {
                    continue;
                }
                int slash = n.path().lastIndexOf('/');
                for (int at = n.path().indexOf('/'); at >= 0 && at <= slash; at = n.path().indexOf('/', at + 1)) {
                    String parent = n.path().substring(0, at);
                    if (made.add(parent + "/")) {
                        calls.mkdir(dev + "/" + parent, 0755);
                    }
                }
                String node = dev + "/" + n.path();
                if (userNs) {
                    calls.mknod(node, 0100000 | 0600, 0); // an empty file to bind the host's node onto
                    calls.mount("/dev/" + n.path(), node, null, MS_BIND, null);
                } else {
                    calls.mknod(node, n.type() | n.permissions(), n.rdev());
                    calls.lchown(node, n.uid(), n.gid());
                }
                made.add(n.path());
            }
        } finally {
            calls.umask(umask);
        }
    }

    /** A device node of the host's /dev: its path below /dev, S_IFCHR or S_IFBLK, permission bits, numbers and owner. */
    record HostNode(String path, int type, int permissions, long rdev, int uid, int gid) {
    }

    private static final Set<String> SKIPPED_DIRS = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");

    /** The host's device nodes below {@code root}, sorted by path, as runc's HostDevices walk picks them. */
    static List<HostNode> hostNodes(Path root) {
        List<HostNode> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    return !d.equals(root) && SKIPPED_DIRS.contains(d.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    if (a.isOther() && !f.getFileName().toString().equals("console")) {
                        Map<String, Object> u = Files.readAttributes(f, "unix:mode,rdev,uid,gid",
                                LinkOption.NOFOLLOW_LINKS);
                        int mode = (Integer) u.get("mode");
                        int type = mode & 0170000;
                        if (type == Kernel.S_IFCHR || type == Kernel.S_IFBLK) {
                            out.add(new HostNode(root.relativize(f).toString(), type, mode & 07777, (Long) u.get("rdev"),
                                    (Integer) u.get("uid"), (Integer) u.get("gid")));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // a node that went away while we looked
                }
            });
        } catch (IOException e) {
            throw CwbException.io("reading the host's " + root + " for --privileged", e, "run without --privileged");
        }
        out.sort(Comparator.comparing(HostNode::path));
        return out;
    }

    /** A tmpfs (memory-backed, empty) at {@code path}. */
    public static void tmpfs(Container c, String path) throws SyscallException {
        String target = prepare(c, path);
        c.calls().mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
        c.addMount(path, target);
    }

    /**
     * A host directory or file made visible at {@code path} (MS_BIND; MS_REC takes the mounts below it
     * along). With {@code readOnly}, a second call remounts the bind read-only: the first cannot.
     */
    public static void bind(Container c, String hostPath, String path, boolean readOnly) throws SyscallException {
        if (c.root() != Container.RootChange.NONE) {
            throw CwbException.badInput("the container's root has moved: the host's " + hostPath + " is out of its reach",
                    "bind-mount host paths before chroot or pivot_root");
        }
        if (!hostPath.startsWith("/")) {
            throw CwbException.badInput("bind needs an absolute host path, not '" + hostPath + "'", "for example: mount bind /srv/data /data");
        }
        String target = prepare(c, path);
        bindFromHost(c, hostPath, target, true);
        if (readOnly) {
            c.calls().mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, null);
        }
        c.addMount(path, target);
    }

    /**
     * {@code mount(source, target, NULL, MS_BIND[|MS_REC], NULL)} by the container's process — or, when its root is
     * nobody outside ({@link UnshareStep#rootIsForeign}) and so cannot search the way to {@code source} (a workspace
     * file, a volume, a 0700 host directory), the same bind made by the workbench, root on the host, as a mount
     * attached nowhere: open_tree(source, OPEN_TREE_CLONE[|AT_RECURSIVE]) on this JVM's thread, the descriptor
     * handed to the container's process, which move_mount(2)s it onto {@code target} in its own mount namespace.
     * Either way each call is traced with its result.
     */
    public static void bindFromHost(Container c, String source, String target, boolean recursive) throws SyscallException {
        if (!UnshareStep.rootIsForeign(c)) {
            c.calls().mount(source, target, null, MS_BIND | (recursive ? MS_REC : 0), null);
            return;
        }
        Syscalls host = c.hostCalls();
        int tree = host.openTree(source, Syscalls.OPEN_TREE_CLONE | Syscalls.OPEN_TREE_CLOEXEC | (recursive ? Syscalls.AT_RECURSIVE : 0));
        int inside;
        try {
            inside = c.current().passDescriptors(c.calls(), new int[] {tree})[0];
        } finally {
            host.close(tree);
        }
        try {
            c.calls().moveMount(inside, target);
        } finally {
            c.calls().close(inside);
        }
    }

    /**
     * The target path as the current process reaches it, made (mkdir, mode 0755) when missing — in the
     * container's upper layer, as runc does for missing mount points.
     */
    static String prepare(Container c, String path) throws SyscallException {
        if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
            throw CwbException.badInput("a mount point inside the container must be an absolute path without '..': " + path,
                    "for example /data");
        }
        if (c.root() == Container.RootChange.NONE && !c.overlayMounted()) {
            throw CwbException.badInput("there is no root file system to mount into yet",
                    "mount the image first: overlay");
        }
        String target = c.pathInside(path);
        java.nio.file.Path seen = c.rootSeenFromHost();
        java.nio.file.Path rel = java.nio.file.Path.of(path.substring(1)).normalize();
        java.nio.file.Path top = c.root() == Container.RootChange.NONE ? seen.resolve(c.dirs().rootfs().toString().substring(1)) : seen;
        dev.cwb.kernel.InRoot.Kind kind;
        try (dev.cwb.kernel.InRoot inside = dev.cwb.kernel.InRoot.open(top)) {
            for (int i = 0; i < rel.getNameCount(); i++) {
                if (inside.kind("/" + rel.subpath(0, i + 1)) == dev.cwb.kernel.InRoot.Kind.SYMLINK) {
                    // a link in the image could point the mount anywhere, the host's /etc included (runc refuses too)
                    throw new CwbException(CwbException.BAD_INPUT, "refusing to mount on " + path + ": /" + rel.subpath(0, i + 1)
                            + " is a symbolic link in the image", "mount somewhere else; links are not followed for mount points");
                }
            }
            kind = inside.kind("/" + rel);
        } catch (SyscallException e) {
            throw e;
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot look at " + path + " inside the container: " + CwbException.reason(e),
                    "run cleanup, then try again");
        }
        if (kind != dev.cwb.kernel.InRoot.Kind.DIRECTORY) {
            try {
                c.calls().mkdir(target, 0755);
            } catch (SyscallException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
        }
        return target;
    }
}
