package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.Namespace;
import dev.cwb.container.OverlayStep;
import dev.cwb.kernel.MountInfo;
import picocli.CommandLine.Command;

import java.util.Optional;

/** {@code overlay}: mount the image's layers, read-only, under a writable upper directory, as the container's root file system. */
@Command(name = "overlay", description = "Mount the container's root file system: the image's layers (read-only) under a writable upper layer.",
        footer = {"", "See overlayfs.rst in the kernel's Documentation/filesystems. After it: changes shows what the container wrote."})
public final class OverlayCommand extends ContainerCommand {
    @Override
    protected int run() throws Exception {
        Container c = container();
        if (!c.has(Namespace.MNT)) {
            out().println("Note: " + c.name() + " has no mount namespace of its own yet, so this mount is made in the host's: "
                    + "every process on this machine sees it (unshare mnt first to keep it private).");
        }
        OverlayStep.Method method = traced(c, () -> OverlayStep.mount(c));
        switch (method) {
            case LOWERDIR_APPEND -> out().println("Note: " + c.lowers().size() + " layers do not fit in mount(2)'s one page of "
                    + "options, so they went to the kernel one by one: fsconfig lowerdir+ of the new mount API (Linux 6.8+).");
            case SHORT_LINKS -> out().println("Note: " + c.lowers().size() + " layers do not fit in mount(2)'s one page of options: "
                    + "the workbench made a short link per layer in " + c.dirs().links() + " (l/1 is layer 1), and the mount "
                    + "was made from inside it, naming each layer by its link.");
            default -> { }
        }
        Optional<MountInfo.Mount> m = OverlayStep.mountOf(c);
        said("Mounted " + c.lowers().size() + " layer" + (c.lowers().size() == 1 ? "" : "s") + " + upper on " + c.dirs().rootfs()
                + ": writes go to " + c.dirs().upper() + ".");
        m.ifPresent(mount -> out().println("  mountinfo: " + mount.mountPoint() + " " + mount.options() + " - " + mount.fsType() + " "
                + mount.source()));
        return 0;
    }
}
