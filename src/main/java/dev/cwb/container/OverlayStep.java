package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.MountInfo;
import dev.cwb.layer.LayerCache;
import dev.cwb.kernel.SyscallException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * {@code overlay}: stacks the image's unpacked layers, read-only, under one writable directory, and
 * mounts the result on {@code rootfs/} — the container's root file system (Documentation/filesystems/
 * overlayfs.rst in the kernel). Reads fall through to the highest layer that has the file; the first
 * write to a lower file copies it up into {@code upper/}; a delete leaves a whiteout there.
 */
public final class OverlayStep {
    /** mount(2)'s data is one page; overlayfs refuses longer option strings. */
    static final int MAX_OPTIONS = 4095;

    private OverlayStep() {
    }

    /**
     * The mount options: {@code lowerdir} lists the top layer first, as overlayfs wants it; layers unpacked
     * without root mark opaque directories with {@code user.overlay.opaque}, which overlayfs reads only
     * with {@code userxattr}.
     */
    public static String options(Container c) {
        List<String> lowers = new ArrayList<>();
        boolean userXattr = false;
        for (LayerCache.Unpacked layer : c.layers()) {
            Path p = layer.fs();
            lowers.add(escape(p));
            LayerCache.Info info = layer.info();
            if (info != null && LayerCache.FORMAT_OCI.equals(info.whiteoutFormat()) && info.whiteouts() + info.opaques() > 0) {
                throw new CwbException(CwbException.UNSUPPORTED, "layer " + info.diffId().shortId() + " keeps its whiteouts as .wh. "
                        + "marker files (unpacked by an older workbench without root): overlayfs would show the files they delete",
                        "delete " + p.getParent() + " and try again: it is unpacked anew, with overlay whiteouts");
            }
            userXattr |= info != null && LayerCache.FORMAT_OVERLAY_USER.equals(info.whiteoutFormat());
        }
        Collections.reverse(lowers);
        return "lowerdir=" + String.join(":", lowers) + ",upperdir=" + escape(c.dirs().upper())
                + ",workdir=" + escape(c.dirs().work()) + (userXattr ? ",userxattr" : "");
    }

    /** overlayfs separates options with commas and layers with colons: a backslash escapes them. */
    private static String escape(Path p) {
        return p.toString().replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,");
    }

    /** Mounts the overlay on the container's {@code rootfs/}. */
    public static void mount(Container c) throws SyscallException {
        if (c.overlayMounted()) {
            throw CwbException.badInput("the overlay of " + c.name() + " is already mounted on " + c.dirs().rootfs(),
                    "look at it with: changes");
        }
        if (c.root() != Container.RootChange.NONE) {
            throw CwbException.badInput("the root of " + c.name() + " has already moved, so " + c.dirs().rootfs()
                    + " is out of reach", "mount the overlay before chroot or pivot_root");
        }
        String options = options(c);
        if (options.length() > MAX_OPTIONS) {
            throw new CwbException(CwbException.UNSUPPORTED, "the image has " + c.lowers().size() + " layers: the "
                    + "overlay's option string would take " + options.length() + " bytes, and mount(2) takes one page",
                    "use an image with fewer layers");
        }
        String target = c.dirs().rootfs().toString();
        c.calls().mount("overlay", target, "overlay", 0, options);
        c.markOverlay();
        c.addMount("/", target);
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
