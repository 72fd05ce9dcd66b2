package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.Errno;
import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.layer.LayerCache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code overlay}: stacks the image's unpacked layers, read-only, under one writable directory, and
 * mounts the result on {@code rootfs/} — the container's root file system (Documentation/filesystems/
 * overlayfs.rst in the kernel). Reads fall through to the highest layer that has the file; the first
 * write to a lower file copies it up into {@code upper/}; a delete leaves a whiteout there.
 *
 * <p><b>Many layers.</b> mount(2) copies its option string from one page (4096 bytes, with the NUL), and
 * every layer's path is in it: with {@code $CWB_HOME/layers/<64 hex digits>/fs} that is room for about 40
 * layers. Past that, one of two other ways, chosen by {@link #method}:
 * <ul>
 *   <li>{@link Method#LOWERDIR_APPEND} (Linux 6.8 and later): the new mount API — fsopen(2), then one
 *   {@code fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", path)} per layer, top first, then
 *   {@code FSCONFIG_CMD_CREATE}, fsmount(2) and move_mount(2). No option string at all, so the only limit is
 *   overlayfs's own (its {@code OVL_MAX_STACK}); when the kernel refuses a layer, the message it leaves on the
 *   context's descriptor is read back (read(2)) and shown.</li>
 *   <li>{@link Method#SHORT_LINKS} (older kernels): what Docker's overlay2 driver does with its {@code l/}
 *   directory — a short symbolic link per layer ({@code l/1}, {@code l/2}, ...) in the container's workspace,
 *   then chdir(2) into {@code l/} so that mount(2) can name the layers by those few bytes, resolved relative to
 *   the caller's working directory; then fchdir(2) back.</li>
 * </ul>
 */
public final class OverlayStep {
    /** mount(2)'s data is one page; overlayfs refuses longer option strings. */
    static final int MAX_OPTIONS = 4095;
    /** fsconfig(2) copies at most 256 bytes of a string value, its NUL included (strndup_user in fs/fsopen.c). */
    static final int MAX_FSCONFIG_STRING = 255;
    /** The kernel that added {@code lowerdir+} to overlayfs (fs/overlayfs/params.c, Linux 6.8). */
    static final int[] LOWERDIR_APPEND_SINCE = {6, 8};

    /** How the overlay is mounted; see the class comment. */
    public enum Method {
        /** One mount(2) with every layer's path in {@code lowerdir=}. */
        OPTIONS,
        /** The new mount API, one {@code fsconfig lowerdir+} per layer. */
        LOWERDIR_APPEND,
        /** mount(2) from inside {@code l/}, naming each layer by a short link. */
        SHORT_LINKS
    }

    private OverlayStep() {
    }

    /** The image's layer directories as overlayfs takes them, top first, and whether it needs {@code userxattr}. */
    private record Lowers(List<Path> topFirst, boolean userXattr) {
    }

    /**
     * The layers, checked: layers unpacked without root mark opaque directories with {@code user.overlay.opaque},
     * which overlayfs reads only with {@code userxattr}; layers that kept {@code .wh.} marker files cannot be stacked.
     * Inside a user namespace overlayfs cannot read or write {@code trusted.*} attributes at all: without
     * {@code userxattr} it cannot mark a directory opaque in the upper layer (an {@code rmdir} of a lower
     * directory fails with EIO), and it would not see a lower layer's opaque marks, so lower files would show
     * through. A container with a user namespace always mounts with {@code userxattr} (overlayfs(5),
     * "User xattr"; Documentation/filesystems/overlayfs.rst), which needs every layer's user.overlay.* marks.
     */
    private static Lowers lowers(Container c) {
        List<Path> topFirst = new ArrayList<>();
        boolean userXattr = c.has(Namespace.USER) && !UnshareStep.rootIsForeign(c); // mounted inside: only user.* is there
        List<LayerCache.Unpacked> trustedOnly = new ArrayList<>();
        for (LayerCache.Unpacked layer : c.layers()) {
            Path p = layer.fs();
            topFirst.add(0, p);
            LayerCache.Info info = layer.info();
            if (info != null && LayerCache.FORMAT_OCI.equals(info.whiteoutFormat()) && info.whiteouts() + info.opaques() > 0) {
                throw new CwbException(CwbException.UNSUPPORTED, "layer " + info.diffId().shortId() + " keeps its whiteouts as .wh. "
                        + "marker files (unpacked by an older workbench without root): overlayfs would show the files they delete",
                        "delete " + p.getParent() + " and try again: it is unpacked anew, with overlay whiteouts");
            }
            userXattr |= info != null && LayerCache.FORMAT_OVERLAY_USER.equals(info.whiteoutFormat());
            if (info != null && LayerCache.FORMAT_OVERLAY.equals(info.whiteoutFormat()) && info.opaques() > 0) {
                trustedOnly.add(layer);
            }
        }
        if (userXattr && !trustedOnly.isEmpty()) {
            LayerCache.Unpacked old = trustedOnly.get(0);
            throw new CwbException(CwbException.UNSUPPORTED, "layer " + old.info().diffId().shortId() + " marks its opaque directories "
                    + "with trusted.overlay.opaque only (unpacked by an older workbench), which overlayfs cannot read with userxattr"
                    + (c.has(Namespace.USER) ? " (the only way it mounts in a user namespace)" : "")
                    + ": the files those directories hide would show through",
                    "delete " + old.fs().getParent() + " and try again: it is unpacked anew, marked both ways");
        }
        return new Lowers(topFirst, userXattr);
    }

    /** The mount(2) options: {@code lowerdir} lists the top layer first, as overlayfs wants it. */
    public static String options(Container c) {
        Lowers l = lowers(c);
        return options(l.topFirst().stream().map(OverlayStep::escape).toList(), escape(c.dirs().upper()), escape(c.dirs().work()),
                l.userXattr());
    }

    private static String options(List<String> lowersTopFirst, String upper, String work, boolean userXattr) {
        return "lowerdir=" + String.join(":", lowersTopFirst) + ",upperdir=" + upper + ",workdir=" + work
                + (userXattr ? ",userxattr" : "");
    }

    /** The options when mounting from inside {@code l/}: {@code lowerdir=3:2:1,upperdir=../upper,workdir=../work}. */
    static String shortOptions(Container c) {
        Lowers l = lowers(c);
        List<String> names = new ArrayList<>();
        for (int n = l.topFirst().size(); n >= 1; n--) {
            names.add(Integer.toString(n));
        }
        Path links = c.dirs().links();
        return options(names, escape(links.relativize(c.dirs().upper())), escape(links.relativize(c.dirs().work())), l.userXattr());
    }

    /** overlayfs separates options with commas and layers with colons: a backslash escapes them. */
    private static String escape(Path p) {
        return p.toString().replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,");
    }

    /**
     * How this container's overlay is mounted here: one option string when it fits in a page; else the new
     * mount API where the kernel has {@code lowerdir+} and every path fits in an fsconfig(2) value; else short links.
     */
    public static Method method(Container c) {
        if (options(c).length() <= MAX_OPTIONS) {
            return Method.OPTIONS;
        }
        if (kernelAtLeast(System.getProperty("os.version"), LOWERDIR_APPEND_SINCE) && fitInFsconfig(c)) {
            return Method.LOWERDIR_APPEND;
        }
        return Method.SHORT_LINKS;
    }

    private static boolean fitInFsconfig(Container c) {
        List<Path> all = new ArrayList<>(c.lowers());
        all.add(c.dirs().upper());
        all.add(c.dirs().work());
        return all.stream().allMatch(p -> p.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_FSCONFIG_STRING);
    }

    /** Whether a kernel release such as {@code 6.18.44-fc} is at least {@code major.minor}. */
    static boolean kernelAtLeast(String release, int[] since) {
        if (release == null) {
            return false;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > since[0] || major == since[0] && minor >= since[1];
    }

    /** Mounts the overlay on the container's {@code rootfs/}, the way {@link #method} chooses; returns that way. */
    public static Method mount(Container c) throws SyscallException {
        checkCanMount(c);
        Method m = method(c);
        mount(c, m);
        return m;
    }

    private static void checkCanMount(Container c) {
        if (c.overlayMounted()) {
            throw CwbException.badInput("the overlay of " + c.name() + " is already mounted on " + c.dirs().rootfs(),
                    "look at it with: changes");
        }
        if (c.root() != Container.RootChange.NONE) {
            throw CwbException.badInput("the root of " + c.name() + " has already moved, so " + c.dirs().rootfs()
                    + " is out of reach", "mount the overlay before chroot or pivot_root");
        }
    }

    /** Mounts the overlay in the given way (the tests choose one that this kernel would not need). */
    static void mount(Container c, Method method) throws SyscallException {
        checkCanMount(c);
        String target = c.dirs().rootfs().toString();
        if (UnshareStep.rootIsForeign(c) && c.has(Namespace.MNT)) {
            mountFromOutside(c, target); // the way it is made follows from the lengths of its paths, not from method
            c.markOverlay();
            c.addMount("/", target);
            return;
        }
        switch (method) {
            case OPTIONS -> {
                String options = options(c);
                if (options.length() > MAX_OPTIONS) {
                    throw tooLong(c, options.length());
                }
                c.calls().mount("overlay", target, "overlay", 0, options);
            }
            case LOWERDIR_APPEND -> mountLayerByLayer(c, target);
            case SHORT_LINKS -> mountThroughShortLinks(c, target);
        }
        c.markOverlay();
        c.addMount("/", target);
    }

    private static CwbException tooLong(Container c, int length) {
        return new CwbException(CwbException.UNSUPPORTED, "the image has " + c.lowers().size() + " layers: the overlay's option "
                + "string would take " + length + " bytes, and mount(2) takes one page",
                "use an image with fewer layers (or a kernel of 6.8 or later, which takes them one by one)");
    }

    /**
     * fsopen, an fsconfig per layer and per directory, create, fsmount, move_mount: nothing is mounted until
     * move_mount(2), and a refused context is simply closed.
     */
    private static void mountLayerByLayer(Container c, String target) throws SyscallException {
        Syscalls calls = c.calls();
        Lowers l = lowers(c);
        int fs = calls.fsopen("overlay", Syscalls.FSOPEN_CLOEXEC);
        try {
            int n = l.topFirst().size();
            for (int i = 0; i < n; i++) {
                try {
                    calls.fsconfigString(fs, "lowerdir+", l.topFirst().get(i).toString());
                } catch (SyscallException e) {
                    throw refused(c, calls, fs, e, "the " + ordinal(i + 1) + " of its " + n + " layers (layer " + (n - i)
                            + ", counted from the bottom)");
                }
            }
            try {
                calls.fsconfigString(fs, "upperdir", c.dirs().upper().toString());
                calls.fsconfigString(fs, "workdir", c.dirs().work().toString());
                if (l.userXattr()) {
                    calls.fsconfigFlag(fs, "userxattr");
                }
                calls.fsconfigCreate(fs);
            } catch (SyscallException e) {
                throw refused(c, calls, fs, e, "the overlay of its " + n + " layers");
            }
            int mnt = calls.fsmount(fs, Syscalls.FSMOUNT_CLOEXEC);
            try {
                calls.moveMount(mnt, target);
            } finally {
                calls.close(mnt);
            }
        } finally {
            calls.close(fs);
        }
    }

    /**
     * The overlay of a container whose root is nobody outside ({@link UnshareStep#rootIsForeign}). Its process
     * cannot search the workbench's 0700 directories — the layer cache, the workspace — so it could name
     * neither the layers nor its own mount point. So the workbench, root in the host's namespaces, makes the
     * overlay from the host's paths, where nobody else can swap a directory, as a mount attached nowhere: each
     * layer an open_tree(2) copy made read-only, nosuid, nodev and idmapped by the container's user namespace
     * (mount_setattr(2) MOUNT_ATTR_IDMAP; through it the image's root-owned files are root inside's, and overlayfs
     * takes idmapped layers since Linux 5.19), attached at {@code lower/N} in the workspace only until the overlay
     * exists; the overlay over them by fsopen, fsconfig, fsmount (or, when the layers do not fit in fsconfig's
     * 255-byte values on a kernel before 6.8, mount(2) on {@code rootfs/} in the host's namespace,
     * open_tree(OPEN_TREE_CLONE) of it and umount2 at once). It hands the overlay's descriptor to the container's process (SCM_RIGHTS); and the container's process, in its own
     * mount namespace, covers the first directory on the way to {@code rootfs/} that it cannot search with a
     * tmpfs of its own, makes the rest of the way in it, and move_mount(2)s the overlay there. The overlay keeps
     * the credentials of whoever made it (overlayfs.rst, "Permission model"): root reads the layers and copies up;
     * the container's processes are checked as themselves against each file — the image's are root inside's, what
     * they make is 65534's in {@code upper/}, and a host file root outside owns (a bind) is EACCES to them.
     * {@code upper/} is made the container's root's first, so that {@code /} is its own.
     */
    private static void mountFromOutside(Container c, String target) throws SyscallException {
        Syscalls host = c.hostCalls();
        host.lchown(c.dirs().upper().toString(), UnshareStep.outsideUid(), UnshareStep.outsideGid());
        Lowers l = lowers(c);
        List<Path> idmapped = new ArrayList<>();
        List<Integer> trees = new ArrayList<>();
        int mnt;
        int userns = host.open("/proc/" + c.current().pid() + "/ns/user", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        try {
            try {
                Files.createDirectories(c.dirs().idmappedLowers());
            } catch (IOException e) {
                throw CwbException.io("making " + c.dirs().idmappedLowers(), e, "check that " + c.dirs().dir() + " is writable");
            }
            for (int i = 0; i < l.topFirst().size(); i++) {
                Path at = c.dirs().idmappedLowers().resolve(Integer.toString(l.topFirst().size() - i));
                if (!Files.isDirectory(at, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    host.mkdir(at.toString(), 0700);
                }
                int tree = host.openTree(l.topFirst().get(i).toString(), Syscalls.OPEN_TREE_CLONE | Syscalls.OPEN_TREE_CLOEXEC);
                trees.add(tree);
                host.mountSetattrIdmapped(tree, userns);
                host.moveMount(tree, at.toString());
                idmapped.add(at);
            }
            mnt = createOverlay(c, host, l, idmapped, target);
        } finally {
            for (Path at : idmapped) {
                host.umount2(at.toString(), MountFlags.MNT_DETACH); // the overlay keeps its own private clone of each
            }
            for (int tree : trees) {
                host.close(tree);
            }
            host.close(userns);
        }
        int inside;
        try {
            inside = c.current().passDescriptors(c.calls(), new int[] {mnt})[0];
        } finally {
            host.close(mnt);
        }
        Syscalls calls = c.calls();
        try {
            String top = firstUnsearchable(c.dirs().rootfs());
            if (top != null) {
                calls.mount("tmpfs", top, "tmpfs", MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC, "mode=0700,size=64k");
                Path rest = Path.of(top).relativize(c.dirs().rootfs());
                Path at = Path.of(top);
                for (Path part : rest) {
                    at = at.resolve(part);
                    calls.mkdir(at.toString(), 0700);
                }
            }
            calls.moveMount(inside, target);
        } finally {
            calls.close(inside);
        }
    }

    /**
     * The overlay over {@code lowers} (top first), attached nowhere: fsopen..fsmount when the values fit, else
     * mount(2) on {@code target} in the host's namespace, open_tree's clone of it, and umount2 at once.
     */
    private static int createOverlay(Container c, Syscalls host, Lowers l, List<Path> lowers, String target) throws SyscallException {
        String lowerdir = String.join(":", lowers.stream().map(OverlayStep::escape).toList());
        String upper = c.dirs().upper().toString();
        String work = c.dirs().work().toString();
        boolean oneValue = bytes(lowerdir) <= MAX_FSCONFIG_STRING && bytes(upper) <= MAX_FSCONFIG_STRING && bytes(work) <= MAX_FSCONFIG_STRING;
        boolean append = kernelAtLeast(System.getProperty("os.version"), LOWERDIR_APPEND_SINCE)
                && lowers.stream().allMatch(p -> bytes(p.toString()) <= MAX_FSCONFIG_STRING)
                && bytes(upper) <= MAX_FSCONFIG_STRING && bytes(work) <= MAX_FSCONFIG_STRING;
        if (oneValue || append) {
            int fs = host.fsopen("overlay", Syscalls.FSOPEN_CLOEXEC);
            try {
                try {
                    if (oneValue) {
                        host.fsconfigString(fs, "lowerdir", lowerdir);
                    } else {
                        for (Path p : lowers) {
                            host.fsconfigString(fs, "lowerdir+", p.toString());
                        }
                    }
                    host.fsconfigString(fs, "upperdir", upper);
                    host.fsconfigString(fs, "workdir", work);
                    if (l.userXattr()) {
                        host.fsconfigFlag(fs, "userxattr");
                    }
                    host.fsconfigCreate(fs);
                } catch (SyscallException e) {
                    throw refused(c, host, fs, e, "the overlay of its " + lowers.size() + " layers");
                }
                return host.fsmount(fs, Syscalls.FSMOUNT_CLOEXEC);
            } finally {
                host.close(fs);
            }
        }
        String options = options(lowers.stream().map(OverlayStep::escape).toList(), escape(c.dirs().upper()), escape(c.dirs().work()),
                l.userXattr());
        if (options.length() > MAX_OPTIONS) {
            throw tooLong(c, options.length());
        }
        host.mount("overlay", target, "overlay", 0, options);
        try {
            return host.openTree(target, Syscalls.OPEN_TREE_CLONE | Syscalls.OPEN_TREE_CLOEXEC);
        } finally {
            host.umount2(target, MountFlags.MNT_DETACH);
        }
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * The first directory on the way to {@code path} (itself left out: it is the mount point) that nobody — uid
     * and gid {@link UnshareStep#NOBODY}, no other group — may not search (x for its class in the mode), or null.
     */
    static String firstUnsearchable(Path path) {
        Path at = path.getRoot();
        for (Path part : path.getParent()) {
            at = at.resolve(part);
            try {
                java.util.Map<String, Object> a = Files.readAttributes(at, "unix:mode,uid,gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                int uid = (Integer) a.get("uid");
                int gid = (Integer) a.get("gid");
                int bit = uid == UnshareStep.outsideUid() ? 0100 : gid == UnshareStep.outsideGid() ? 010 : 01;
                if ((mode & bit) == 0) {
                    return at.toString();
                }
            } catch (IOException e) {
                throw CwbException.io("looking at " + at, e, "check that the workbench's home exists");
            }
        }
        return null;
    }

    private static String ordinal(int k) {
        int mod100 = k % 100;
        String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : switch (k % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return k + suffix;
    }

    /**
     * The kernel refused a part of the configuration: what it wrote to the context's log (read(2) on the
     * context's descriptor gives one message, {@code "e overlay: ..."}; ENODATA when there is none) becomes
     * the reason.
     */
    private static CwbException refused(Container c, Syscalls calls, int fs, SyscallException e, String what) {
        String said = null;
        try {
            byte[] message = calls.read(fs, 1024);
            said = new String(message, StandardCharsets.UTF_8).strip();
        } catch (SyscallException none) {
            // ENODATA: the kernel left no message
        }
        String why = said != null && !said.isEmpty() ? "the kernel says \"" + said.replaceFirst("^[ewi] ", "") + "\"" : e.getMessage();
        return new CwbException(CwbException.UNSUPPORTED, "mounting " + c.name() + "'s image, the kernel refused " + what + ": " + why,
                said != null && said.contains("too many") ? "use an image with fewer layers: squash some, or rebuild it with fewer steps"
                        : "see the trace above for the call that failed", e);
    }

    /**
     * Docker's overlay2 way: {@code l/N} points at layer N, and mount(2) is made from inside {@code l/}, so
     * each layer costs a few bytes of the page. The links are made by the workbench in the workspace
     * (ordinary file work, like {@code upper/} and {@code work/}); the directory changes are the container's.
     */
    private static void mountThroughShortLinks(Container c, String target) throws SyscallException {
        String options = shortOptions(c);
        if (options.length() > MAX_OPTIONS) {
            throw tooLong(c, options.length());
        }
        makeLinks(c);
        Syscalls calls = c.calls();
        int back = calls.open(".", OpenFlags.O_DIRECTORY | OpenFlags.O_PATH);
        try {
            calls.chdir(c.dirs().links().toString());
            try {
                calls.mount("overlay", target, "overlay", 0, options);
            } catch (SyscallException e) {
                if (e.errno() == Errno.EINVAL && c.lowers().size() > 1) {
                    throw new CwbException(CwbException.UNSUPPORTED, "the kernel refused the overlay of " + c.lowers().size()
                            + " layers (mount: EINVAL): overlayfs stacks a limited number of layers (500 in Linux's "
                            + "fs/overlayfs, OVL_MAX_STACK; dmesg says why)", "use an image with fewer layers: squash some, "
                            + "or rebuild it with fewer steps", e);
                }
                throw e;
            } finally {
                calls.fchdir(back);
            }
        } finally {
            calls.close(back);
        }
    }

    private static void makeLinks(Container c) {
        Path links = c.dirs().links();
        try {
            if (Files.isDirectory(links, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (var old = Files.list(links)) {
                    for (Path p : old.toList()) {
                        Files.delete(p);
                    }
                }
            } else {
                Files.createDirectory(links);
            }
            List<Path> layers = c.lowers();
            for (int n = 1; n <= layers.size(); n++) {
                Files.createSymbolicLink(links.resolve(Integer.toString(n)), layers.get(n - 1));
            }
        } catch (IOException e) {
            throw CwbException.io("making the layer links in " + links, e, "check that " + c.dirs().dir() + " is writable");
        }
    }

    /** The overlay as the current process's mount table lists it (for showing; it reads /proc/PID/mountinfo). */
    public static Optional<MountInfo.Mount> mountOf(Container c) {
        String target = c.dirs().rootfs().toString();
        List<MountInfo.Mount> all = MountInfo.of(Integer.toString(c.current().pid()));
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).mountPoint().equals(target)) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }
}
