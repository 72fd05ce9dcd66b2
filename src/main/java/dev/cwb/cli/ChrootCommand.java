package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.RootStep;
import picocli.CommandLine.Command;

/** {@code chroot}: change where the container's path lookups start — and only that. */
@Command(name = "chroot", description = "Make the root file system the container's root with chroot(2) (escapable: try 'escape').",
        footer = {"", "chroot moves where '/' points for the process; the old root stays mounted. runc uses pivot_root instead."})
public final class ChrootCommand extends ContainerCommand {
    @Override
    protected int run() throws Exception {
        Container c = container();
        traced(c, () -> {
            RootStep.chroot(c);
            return null;
        });
        said("The container's root is now " + c.dirs().rootfs() + " — for lookups only: the host's root is still mounted above it.");
        return 0;
    }
}
