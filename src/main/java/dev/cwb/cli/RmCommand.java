package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code rm NAME...}: kill a container's processes and remove everything it made. */
@Command(name = "rm", description = "Remove containers: kill their processes, remove the cgroup, unmount, delete the workspace.")
public final class RmCommand extends ContainerCommand {
    @Parameters(arity = "0..*", paramLabel = "CONTAINER", description = "The containers (default: the current one).")
    List<String> names = new ArrayList<>();

    @Option(names = {"-a", "--all"}, description = "Every container of this session.")
    boolean all;

    @Option(names = {"-f", "--force"}, description = "A running detached container too: SIGKILL to its PID 1 first.")
    boolean force;

    @Override
    protected int run() {
        List<String> targets = new ArrayList<>(names);
        if (all) {
            containers().all().forEach(c -> targets.add(c.name()));
        } else if (targets.isEmpty()) {
            targets.add(container().name());
        }
        if (targets.isEmpty()) {
            out().println("No containers to remove.");
            return 0;
        }
        int failed = 0;
        dev.cwb.container.DetachedContainers detached = new dev.cwb.container.DetachedContainers(containers());
        for (String n : targets) {
            dev.cwb.container.DetachedContainers.Entry d = containers().find(n).isPresent() ? null : detached.find(n);
            if (d != null) {
                String was = d.statusText(System.currentTimeMillis());
                List<String> problems;
                try {
                    problems = detached.remove(d, force);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CwbException(CwbException.IO, "rm " + n + " was interrupted", "run rm -f " + n + " again, or cleanup");
                }
                if (problems.isEmpty()) {
                    notes().println("Removed " + n + " (" + was + "): " + (d.status() == dev.cwb.container.DetachedContainers.Status.RUNNING
                            ? "PID 1 killed, its shim ended, " : "") + "cgroup, network and workspace (upper directory, log) gone.");
                    out().println(n);
                } else {
                    failed++;
                    problems.forEach(p -> dev.cwb.cli.Commands.printError(workbench, "rm " + n + ": " + p));
                }
                continue;
            }
            Container c = containers().get(n);
            List<String> problems = containers().remove(c.name());
            if (problems.isEmpty()) {
                out().println("Removed " + c.name() + ": processes killed, " + (c.cgroup() != null ? "cgroup removed, " : "")
                        + (c.hostMounts().isEmpty() ? "" : c.hostMounts().size() + " host mounts unmounted, ") + "workspace deleted.");
            } else {
                failed++;
                problems.forEach(p -> dev.cwb.cli.Commands.printError(workbench, "rm " + c.name() + ": " + p));
            }
        }
        if (failed > 0) {
            throw new CwbException(CwbException.IO, failed + " container(s) not fully removed", "see above; then run cleanup");
        }
        return 0;
    }
}
