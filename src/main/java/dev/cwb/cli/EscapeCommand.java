package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.RootStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code escape}: the classic chroot escape, tried for real by the container's process. */
@Command(name = "escape", description = "Try the classic chroot escape from inside the container (works after chroot, not after pivot_root).",
        footer = {"", "mkdir, chroot into it (the working directory stays outside), chdir(\"..\") up, chroot(\".\").",
                "The container keeps whatever root it ends up with: rm it afterwards."})
public final class EscapeCommand extends ContainerCommand {
    @Option(names = "--trace", description = "Print every call, the 64 chdir(\"..\") one by one (without it, a run of the same call is one line and a count).")
    boolean everyCall;

    @Override
    protected int run() throws Exception {
        Container c = container();
        RootStep.EscapeResult r = traced(c, () -> RootStep.escape(c), !everyCall);
        said(r.escaped() ? "Escaped: the container's root is now the host's / — chroot(2) alone is not a wall."
                : "Stayed inside: the climb stopped at the container's own root — after pivot_root nothing is above it.");
        return 0;
    }
}
