package dev.cwb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the workbench checks about {@code $CWB_HOME} when it starts, because a shared lab machine is
 * hostile ground.
 *
 * <p><b>The state directories are private.</b> While a container's overlay is mounted on the host (step
 * mode, before {@code unshare mnt}), {@code run/containers/NAME/rootfs} is the image's whole tree, with its
 * set-uid-root programs and device nodes. Path resolution checks search permission on every directory on
 * the way (path_resolution(7)), so {@code run/}, {@code run/containers/} and each workspace are mode 0700:
 * only their owner gets through. The container's own processes never walk that path — they see the
 * overlay as their root after chroot or pivot_root — and overlayfs reaches its upper, work and lower
 * directories with the credentials of whoever mounted it (Documentation/filesystems/overlayfs.rst,
 * "Permission model"). Without root the mounter is the user namespace's root, which is the user, who owns
 * the directories: 0700 is enough there too, no 0711 is needed. {@code upper/} itself stays 0755: the
 * overlay's root directory shows the upper directory's mode, and a container's {@code /} must be
 * searchable by its non-root users. A workspace left from before (or made by an older workbench) with a
 * wider mode is narrowed at start, with a line saying so.
 *
 * <p><b>Nobody else may be able to swap {@code $CWB_HOME}.</b> Root unpacks layers and mounts overlays
 * under it; if another user could rename a directory on the way and put their own in its place, root
 * would act on a tree they control. Someone other than the owner can do that to a directory's entries
 * when the directory is writable by group or others, unless it has the sticky bit (as {@code /tmp} does):
 * then only the owner of an entry may rename or delete it (unlink(2), rename(2): EPERM), so an entry that
 * belongs to the workbench's user or root is safe, and one that belongs to anyone else is theirs to swap.
 * A directory owned by another user is theirs to change whatever its mode. Each of these is reported as a
 * warning with what to do; the workbench still starts.
 */
public final class HomeSafety {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private HomeSafety() {
    }

    /** Mode 0700, for {@link Files#createDirectory(Path, java.nio.file.attribute.FileAttribute[])}. */
    public static java.nio.file.attribute.FileAttribute<Set<PosixFilePermission>> privateMode() {
        return PosixFilePermissions.asFileAttribute(PRIVATE);
    }

    /** Makes {@code dir} (mode 0700) unless it exists; its parent must exist. */
    public static Path createPrivateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, privateMode());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
        }
        return dir;
    }

    /**
     * Narrows the state directories of {@code home} to 0700 where they are wider, and looks at who could
     * swap the home; returns one warning line per finding (none when all is well). {@code uid} is this
     * process's effective user.
     */
    public static List<String> check(WorkbenchHome home, int uid) {
        List<String> warnings = new ArrayList<>();
        swappable(home.root(), uid, warnings);
        repair(home.root().resolve("volumes"), uid, warnings); // the volumes' data: a container's files, as the upper directories
        Path run = home.root().resolve("run");
        if (repair(run, uid, warnings)) {
            Path containers = run.resolve("containers");
            if (repair(containers, uid, warnings)) {
                for (Path workspace : list(containers)) {
                    if (repair(workspace, uid, warnings)) {
                        repair(workspace.resolve("work"), uid, warnings);
                        repair(workspace.resolve("rootfs"), uid, warnings);
                    }
                }
            }
        }
        return warnings;
    }

    /**
     * Narrows {@code dir} to 0700 when it is a directory of {@code uid}'s that others can reach; true when
     * it is now private and its entries can be looked at. A symbolic link or someone else's directory is
     * left as it is and reported: changing it would act on what another user controls.
     */
    static boolean repair(Path dir, int uid, List<String> warnings) {
        Stat s = Stat.of(dir);
        if (s == null) {
            return false; // not there (yet): it is made 0700
        }
        if (!s.directory()) {
            warnings.add("warning: " + dir + " is not a directory (" + (s.symlink() ? "a symbolic link" : "a file")
                    + ") — the workbench keeps private state there: remove it, then start the workbench again");
            return false;
        }
        if (s.uid() != uid) {
            warnings.add("warning: " + dir + " belongs to uid " + s.uid() + ", not to you (uid " + uid + "), so that user "
                    + "can reach and change containers' files there — remove it (rm -r), the workbench makes it again");
            return false;
        }
        if ((s.mode() & 0077) != 0) {
            try {
                Files.setPosixFilePermissions(dir, PRIVATE);
            } catch (IOException e) {
                warnings.add("warning: " + dir + " is mode " + octal(s.mode()) + " and could not be made 0700: "
                        + CwbException.reason(e) + " — run: chmod 700 " + dir);
                return false;
            }
            warnings.add("warning: " + dir + " was mode " + octal(s.mode()) + ", so other users could reach the files of "
                    + "the containers in it; made it 0700");
        }
        return true;
    }

    /**
     * Reports every directory on the way to {@code home} through which a user other than {@code uid}
     * (or root) could replace it, and a home that such a user owns or can write.
     */
    static void swappable(Path home, int uid, List<String> warnings) {
        Path absolute = home.toAbsolutePath().normalize();
        List<Path> chain = new ArrayList<>();
        for (Path p = absolute; p != null; p = p.getParent()) {
            chain.add(0, p);
        }
        for (int i = 1; i < chain.size(); i++) {
            Path entry = chain.get(i);
            Path dir = chain.get(i - 1);
            Stat d = Stat.of(dir);
            Stat e = Stat.of(entry);
            if (d == null) {
                break; // the rest is made by the workbench, as this user
            }
            if (!trusted(d.uid(), uid)) {
                warnings.add("warning: " + dir + " belongs to uid " + d.uid() + ", who could replace " + entry
                        + " and so $CWB_HOME (" + absolute + ") with a directory of their own — set CWB_HOME to a "
                        + "directory on a path that only you and root own");
            } else if ((d.mode() & GROUP_OR_OTHER_WRITE) != 0 && (d.mode() & STICKY) == 0) {
                warnings.add("warning: " + dir + " is mode " + octal(d.mode()) + ": other users can write it and so replace "
                        + entry + " and with it $CWB_HOME (" + absolute + ") — run chmod go-w " + dir
                        + ", or set CWB_HOME to a directory on a path only you can write");
            } else if (e == null && (d.mode() & GROUP_OR_OTHER_WRITE) != 0) {
                warnings.add("warning: " + entry + " does not exist yet, and other users can make it in " + dir
                        + " before the workbench does, and so own $CWB_HOME (" + absolute + ") — make it yourself first: mkdir -m 700 " + entry);
            }
            if (e == null) {
                break;
            }
            if (e.symlink()) {
                if (!trusted(e.uid(), uid)) {
                    warnings.add("warning: " + entry + " is a symbolic link that belongs to uid " + e.uid()
                            + ", who can point it, and so $CWB_HOME (" + absolute + "), elsewhere — set CWB_HOME to a path without it");
                }
                // where it leads is another path to check
                try {
                    swappable(entry.toRealPath().resolve(entry.relativize(absolute)), uid, warnings);
                } catch (IOException ignored) {
                    // a dangling link: the workbench's own writes will say so
                }
                return;
            }
        }
        Stat h = Stat.of(absolute);
        if (h != null && !trusted(h.uid(), uid)) {
            // in a sticky directory such as /tmp only an entry's owner may rename or delete it: theirs, not yours
            warnings.add("warning: $CWB_HOME (" + absolute + ") belongs to uid " + h.uid() + ", not to you (uid " + uid
                    + "): that user controls everything in it — set CWB_HOME to a directory of your own, e.g. mkdir -m 700 "
                    + absolute.resolveSibling("cwb-" + uid) + " and CWB_HOME=" + absolute.resolveSibling("cwb-" + uid));
        } else if (h != null && h.directory() && (h.mode() & GROUP_OR_OTHER_WRITE) != 0) {
            warnings.add("warning: $CWB_HOME (" + absolute + ") is mode " + octal(h.mode()) + ": other users can write it and "
                    + "replace its run/ and layers/ with their own — run: chmod go-w " + absolute);
        }
    }

    /** The workbench's own user, and root (who can do anything anyway). */
    private static boolean trusted(int owner, int uid) {
        return owner == uid || owner == 0;
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String octal(int mode) {
        return String.format("%04o", mode & 07777);
    }

    /** lstat(2) of a path: owner, permission bits and kind; null when there is nothing there. */
    record Stat(int uid, int mode, boolean directory, boolean symlink) {
        static Stat of(Path p) {
            try {
                java.util.Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                int kind = mode & 0170000;
                return new Stat((Integer) a.get("uid"), mode & 07777, kind == 0040000, kind == 0120000);
            } catch (IOException | UnsupportedOperationException e) {
                return null;
            }
        }
    }
}
