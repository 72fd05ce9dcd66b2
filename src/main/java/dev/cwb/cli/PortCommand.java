package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.network.Bridge;
import dev.cwb.network.Lease;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Optional;

/** {@code port NAME}: the container's published ports, as {@code docker port} lists them. */
@Command(name = "port", description = "List a container's published ports (docker port): CONTAINER_PORT/PROTO -> HOST_IP:HOST_PORT.",
        footer = {"", "Each is a DNAT rule in table ip cwb (nft list table ip cwb) and a proxy in the process that keeps the container."})
public final class PortCommand extends SessionCommand {
    @Parameters(index = "0", paramLabel = "CONTAINER", description = "The container.")
    String name;

    @Override
    protected int run() {
        Optional<Lease> lease = dev.cwb.WorkbenchHome.isRoot() ? new Bridge(new dev.cwb.kernel.Syscalls(dev.cwb.kernel.SyscallListener.NONE), l -> { })
                .lease(workbench.home().root(), name) : Optional.empty();
        if (lease.isEmpty()) {
            if (containers().find(name).isEmpty()) {
                throw CwbException.notFound("no container " + name + " on the bridge", "ps lists the containers");
            }
            out().println(name + " publishes no ports (it is not on the bridge).");
            return 0;
        }
        if (lease.get().ports().isEmpty()) {
            out().println(name + " (" + lease.get().addressText() + ") publishes no ports.");
        }
        lease.get().ports().forEach(p -> out().println(p.shown()));
        return 0;
    }
}
