package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.Namespace;
import dev.cwb.kernel.Kernel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hostname NAME}: sethostname(2) in the container's UTS namespace. */
@Command(name = "hostname", description = "Set the container's host name (sethostname(2), in its UTS namespace).",
        footer = {"", "Without 'unshare uts' first this would rename the host itself, so the workbench refuses."})
public final class HostnameCommand extends ContainerCommand {
    @Parameters(paramLabel = "NAME", description = "The new host name (up to 64 bytes).")
    String name;

    @Override
    protected int run() throws Exception {
        Container c = container();
        if (!c.has(Namespace.UTS)) {
            throw dev.cwb.CwbException.badInput("container " + c.name() + " shares the host's UTS namespace: this would rename the host",
                    "unshare uts first");
        }
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64) {
            throw dev.cwb.CwbException.badInput("a host name has 1 to 64 bytes", "pick a shorter name");
        }
        traced(c, () -> {
            c.calls().sethostname(name);
            return null;
        });
        c.setHostnameShown(name);
        said("Host name inside: " + name + "; on the host it is still " + Kernel.gethostname() + ".");
        return 0;
    }
}
