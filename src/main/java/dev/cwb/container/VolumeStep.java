package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.StraceText;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.volume.ContainerVolumes;
import dev.cwb.volume.CopyUp;
import dev.cwb.volume.MountRequest;
import dev.cwb.volume.RootPath;
import dev.cwb.volume.Volumes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static dev.cwb.kernel.MountFlags.MS_BIND;
import static dev.cwb.kernel.MountFlags.MS_NOATIME;
import static dev.cwb.kernel.MountFlags.MS_NODEV;
import static dev.cwb.kernel.MountFlags.MS_NODIRATIME;
import static dev.cwb.kernel.MountFlags.MS_NOEXEC;
import static dev.cwb.kernel.MountFlags.MS_NOSUID;
import static dev.cwb.kernel.MountFlags.MS_PRIVATE;
import static dev.cwb.kernel.MountFlags.MS_RDONLY;
import static dev.cwb.kernel.MountFlags.MS_REC;
import static dev.cwb.kernel.MountFlags.MS_RELATIME;
import static dev.cwb.kernel.MountFlags.MS_REMOUNT;
import static dev.cwb.kernel.MountFlags.MS_STRICTATIME;

/**
 * {@code run -v} and {@code --mount type=bind|volume} ({@link dev.cwb.volume}'s use in a container, as
 * {@link NetworkStep} is the network package's): the container's bind mounts, made by its PID 1 — so they
 * land in the container's mount namespace and the host's mount table never sees them — after the overlay root is
 * mounted and before pivot_root, while the host's paths are still in reach. runc's {@code mountToRootfs} for a
 * {@code "bind"} mount, in its order:
 * <ol>
 *   <li>the target resolved inside the container's root ({@link RootPath}, runc's securejoin): an image's link
 *       leads the mount to a place in the image, never out of it;</li>
 *   <li>what is missing made there, in the upper layer: directories (mkdirat, 0755), or an empty file for a
 *       file's bind (openat O_CREAT);</li>
 *   <li>for a volume that is still empty, the image's content at that path copied into it first ({@link CopyUp});</li>
 *   <li>{@code mount(SOURCE, TARGET, NULL, MS_BIND|MS_REC)} then {@code MS_REC|MS_PRIVATE} (Docker's default
 *       propagation, {@code rprivate}), and where the mount landed checked in PID 1's
 *       {@code /proc/PID/mountinfo};</li>
 *   <li>for {@code :ro}, a second call: a bind cannot be made read-only by the call that makes it, only by
 *       {@code MS_BIND|MS_REMOUNT|MS_RDONLY}, which must repeat the flags the mount has that a user namespace locks
 *       ({@code nosuid}, {@code nodev}, {@code noexec}, the atime ones) or the kernel says EPERM (runc:
 *       "the flags of the bind-mount are the same as the source").</li>
 * </ol>
 * A volume is a bind mount of {@code $CWB_HOME/volumes/NAME/_data}: what the container writes there goes to that
 * directory, not to the overlay's upper layer, and stays when the container goes.
 */
public final class VolumeStep {
    private VolumeStep() {
    }

    /** Mounts each of {@code requests} (tmpfs ones excepted: {@code --tmpfs} makes those after pivot_root). */
    public static void mount(Containers containers, Container c, List<MountRequest> requests, Consumer<String> notes)
            throws SyscallException {
        List<MountRequest> binds = requests.stream().filter(r -> r.type() != MountRequest.Type.TMPFS).toList();
        if (binds.isEmpty()) {
            return;
        }
        if (c.root() != Container.RootChange.NONE || !c.overlayMounted()) {
            throw new IllegalStateException("volumes are mounted after the overlay and before pivot_root");
        }
        Volumes store = new Volumes(containers.home());
        List<String> sources = new ArrayList<>();
        List<ContainerVolumes.Use> uses = new ArrayList<>();
        List<MountRequest> ordered = MountRequest.inMountOrder(binds);
        for (MountRequest r : ordered) {
            if (r.type() == MountRequest.Type.BIND) {
                if (r.checkSource()) {
                    makeSource(r, notes);
                }
                sources.add(r.source());
            } else {
                String name = r.source() != null ? r.source() : Volumes.randomName();
                uses.add(new ContainerVolumes.Use(name, r.source() == null));
                sources.add(store.data(name).toString());
            }
        }
        try {
            // before any volume is made: in use from here, and an anonymous one found by cleanup whatever happens next
            ContainerVolumes.write(c.dirs().dir(), uses);
        } catch (IOException e) {
            throw CwbException.io("record the container's volumes in " + c.dirs().dir(), e, "run cleanup, then try again");
        }
        for (ContainerVolumes.Use u : uses) {
            if (u.anonymous()) {
                store.createAnonymous(u.name());
            } else if (store.find(u.name()).isEmpty()) {
                store.create(u.name(), java.util.Map.of());
                notes.accept("volume " + u.name() + " made (" + store.data(u.name()) + "), as docker run makes a volume it does not know");
            }
        }
        Path top = c.rootSeenFromHost().resolve(c.dirs().rootfs().toString().substring(1));
        for (int i = 0; i < ordered.size(); i++) {
            MountRequest r = ordered.get(i);
            String volume = r.type() == MountRequest.Type.VOLUME ? Path.of(sources.get(i)).getParent().getFileName().toString() : null;
            bind(c, top, r, sources.get(i), volume, notes);
        }
    }

    /** Docker's {@code -v} makes a host path that is not there, as a directory (and says nothing; the workbench does). */
    private static void makeSource(MountRequest r, Consumer<String> notes) {
        try {
            Files.createDirectories(Path.of(r.source()));
        } catch (IOException e) {
            throw CwbException.io("-v " + r.source() + ": make the missing host directory", e, "make it yourself, or give a path that exists");
        }
        notes.accept("-v made the missing host directory " + r.source() + ", as Docker does (--mount type=bind refuses a missing source)");
    }

    private static void bind(Container c, Path top, MountRequest r, String source, String volume, Consumer<String> notes)
            throws SyscallException {
        Syscalls calls = c.calls();
        String wanted = Path.of(r.target()).normalize().toString();
        RootPath.Resolved at;
        try {
            at = RootPath.resolve(top, wanted);
        } catch (SyscallException e) {
            throw new CwbException(CwbException.BAD_INPUT, "cannot mount at " + r.target() + " inside the container: " + e.getMessage(),
                    "give another path inside the container");
        }
        if (at.path().equals("/")) {
            throw CwbException.badInput("refusing to mount at " + r.target() + ": in the image it is a link to the container's / ",
                    "give another path inside the container");
        }
        if (!at.path().equals(wanted)) {
            notes.accept(r.target() + " is a link in the image: the mount goes where it leads inside the container, " + at.path());
        }
        boolean sourceIsDir = Files.isDirectory(Path.of(source));
        if (at.kind() == RootPath.Kind.FILE && sourceIsDir) {
            throw CwbException.badInput("cannot mount the directory " + source + " on " + at.path() + ", a file in the image", "mount it at a directory");
        }
        if (at.kind() == RootPath.Kind.DIRECTORY && !sourceIsDir) {
            throw CwbException.badInput("cannot mount the file " + source + " on " + at.path() + ", a directory in the image", "mount it at a file's path");
        }
        if (at.kind() == RootPath.Kind.OTHER) {
            throw CwbException.badInput("cannot mount on " + at.path() + ": in the image it is neither file nor directory", "give another path");
        }
        List<String> parts = at.components();
        for (int k = at.existing(); k < parts.size(); k++) {
            String made = c.pathInside("/" + String.join("/", parts.subList(0, k + 1)));
            if (k == parts.size() - 1 && !sourceIsDir) {
                int fd = calls.openat(StraceText.AT_FDCWD, made, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL
                        | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0644);
                calls.close(fd);
            } else {
                calls.mkdir(made, 0755);
            }
        }
        if (volume != null && !r.noCopy() && at.kind() == RootPath.Kind.DIRECTORY) {
            copyUp(top, at.path(), Path.of(source), volume, notes);
        }
        String target = c.pathInside(at.path());
        int before = at(c, target).size();
        MountStep.bindFromHost(c, source, target, true);
        MountInfo.Mount landed = landed(c, target, before);
        calls.mount(null, target, null, r.propagationFlags(), null); // Docker's rprivate, or the bind-propagation asked for
        if (r.readOnly()) {
            calls.mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | lockedFlags(landed.options()), null);
        }
    }

    /** How many mounts PID 1's own mount table has at {@code target} (proc(5), /proc/PID/mountinfo). */
    private static List<MountInfo.Mount> at(Container c, String target) {
        return MountInfo.of(Integer.toString(c.current().pid())).stream().filter(m -> m.mountPoint().equals(target)).toList();
    }

    /**
     * The bind just made, from PID 1's own mount table: one more mount at {@code target} than before the call. A
     * path swapped for a link between the lookup and the call would put it elsewhere; the run then stops (and the
     * mount goes with the container's mount namespace).
     */
    private static MountInfo.Mount landed(Container c, String target, int before) {
        List<MountInfo.Mount> now = at(c, target);
        if (now.size() != before + 1) {
            throw new CwbException(CwbException.IO, "the bind mount for " + target + " is not where it was made: "
                    + "something changed the path meanwhile", "run cleanup, then try again");
        }
        return now.get(now.size() - 1);
    }

    /** The flags of a mount's options ({@code rw,nosuid,nodev,relatime}) a remount must keep (runc: statfsToMountFlags). */
    public static long lockedFlags(String options) {
        long flags = 0;
        boolean atime = false;
        for (String o : options.split(",")) {
            switch (o) {
                case "nosuid" -> flags |= MS_NOSUID;
                case "nodev" -> flags |= MS_NODEV;
                case "noexec" -> flags |= MS_NOEXEC;
                case "noatime" -> {
                    flags |= MS_NOATIME;
                    atime = true;
                }
                case "nodiratime" -> flags |= MS_NODIRATIME;
                case "relatime" -> {
                    flags |= MS_RELATIME;
                    atime = true;
                }
                default -> { }
            }
        }
        return atime ? flags : flags | MS_STRICTATIME;
    }

    /** Docker's first use of an empty volume: the image's files at the mount point go into it. */
    private static void copyUp(Path top, String inImage, Path data, String volume, Consumer<String> notes) throws SyscallException {
        try (DirFd dst = DirFd.open(data)) {
            if (!dst.list().isEmpty()) {
                return; // not new: what it holds is what containers wrote
            }
            try (DirFd root = DirFd.open(top)) {
                DirFd from = root.openDir(".");
                DirFd.Stat st = null;
                for (String part : inImage.substring(1).split("/")) {
                    st = from.stat(part);
                    DirFd next = from.openDir(part);
                    from.close();
                    from = next;
                }
                try (DirFd src = from) {
                    if (src.list().isEmpty()) {
                        return;
                    }
                    CopyUp.Copied n = CopyUp.copy(src, st, dst);
                    notes.accept("volume " + shortName(volume) + " was empty: the image's " + inImage + " copied into it (" + n.files()
                            + " entries, " + n.bytes() + " bytes" + (n.links() > 0 ? ", " + n.links() + " of them hard links kept as links" : "")
                            + "), as Docker does on a volume's first use");
                }
            }
        }
    }

    static String shortName(String volume) {
        return volume.length() == 64 ? volume.substring(0, 12) : volume;
    }
}
