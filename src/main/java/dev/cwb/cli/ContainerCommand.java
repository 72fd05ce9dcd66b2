package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.ContainerState;
import picocli.CommandLine.Option;

/**
 * The base of the step commands: they act on the session's current container (the last one made) or on
 * the one named with {@code -c NAME}.
 */
abstract class ContainerCommand extends SessionCommand {
    @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER", description = "The container (default: the last one made).")
    String containerName;

    protected Container container() {
        if (containerName != null && containers().find(containerName).isEmpty()) {
            for (ContainerState other : containers().others()) {
                if (other.name().equals(containerName)) {
                    int pid = other.pid1() != 0 ? other.pid1() : other.initPid();
                    throw CwbException.notFound("container " + containerName + " belongs to another workbench (pid " + other.ownerPid() + ")",
                            "type the command in that workbench, or enter the container from here with a host command: "
                                    + "!nsenter --target " + pid + " --all --root --wd CMD");
                }
            }
        }
        return containers().get(containerName);
    }
}
