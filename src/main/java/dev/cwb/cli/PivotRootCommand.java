package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.RootStep;
import picocli.CommandLine.Command;

/** {@code pivot_root}: runc's way of changing the root, which leaves nothing of the host above it. */
@Command(name = "pivot_root", aliases = "pivot-root", description = "Swap the container's root mount for its root file system, as runc does (pivot_root(2)).",
        footer = {"", "Needs 'unshare mnt' and 'overlay' first. The old root is detached: nothing of the host stays reachable."})
public final class PivotRootCommand extends ContainerCommand {
    @Override
    protected int run() throws Exception {
        Container c = container();
        traced(c, () -> {
            RootStep.pivotRoot(c);
            return null;
        });
        said("The root mount of " + c.name() + "'s mount namespace is now its root file system; the host's root was detached.");
        return 0;
    }
}
