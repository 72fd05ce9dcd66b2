package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code rm NAME...}: kill a container's processes and remove everything it made — but, as {@code docker rm},
 * not its anonymous volumes (an image's {@code VOLUME}, {@code -v /path}) unless {@code -v} is given: they stay
 * in the store, used by no container, until {@code volume rm} or {@code volume prune}. {@code run --rm} and
 * leaving the shell remove them with the container (Docker's {@code --rm} does too).
 */
@Command(name = "rm", description = {"Remove containers: kill their processes, remove the cgroup, unmount, delete the workspace.",
        "As docker rm, a container's anonymous volumes (an image's VOLUME, -v /path) are kept, used by no container "
                + "(volume ls, volume prune), unless -v is given; named volumes always stay. run --rm and leaving the shell remove anonymous ones."})
public final class RmCommand extends ContainerCommand {
    @Parameters(arity = "0..*", paramLabel = "CONTAINER", description = "The containers (default: the current one).")
    List<String> names = new ArrayList<>();

    @Option(names = {"-a", "--all"}, description = "Every container of this session.")
    boolean all;

    @Option(names = {"-f", "--force"}, description = "A running detached container too: SIGKILL to its PID 1 first.")
    boolean force;

    @Option(names = {"-v", "--volumes"}, description = "Remove the container's anonymous volumes too (named volumes stay).")
    boolean volumes;

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
                long anonymous = anonymousVolumes(d.dir());
                List<String> problems;
                try {
                    problems = detached.remove(d, force, volumes);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CwbException(CwbException.IO, "rm " + n + " was interrupted", "run rm -f " + n + " again, or cleanup");
                }
                if (problems.isEmpty()) {
                    notes().println("Removed " + n + " (" + was + "): " + (d.status() == dev.cwb.container.DetachedContainers.Status.RUNNING
                            ? "PID 1 killed, its shim ended, " : "") + "cgroup, network and workspace (upper directory, log) gone" + volumesNote(anonymous) + ".");
                    out().println(n);
                } else {
                    failed++;
                    problems.forEach(p -> dev.cwb.cli.Commands.printError(workbench, "rm " + n + ": " + p));
                }
                continue;
            }
            Container c = containers().get(n);
            long anonymous = anonymousVolumes(c.dirs().dir());
            List<String> problems = containers().remove(c.name(), volumes);
            if (problems.isEmpty()) {
                out().println("Removed " + c.name() + ": processes killed, " + (c.cgroup() != null ? "cgroup removed, " : "")
                        + (c.hostMounts().isEmpty() ? "" : c.hostMounts().size() + " host mounts unmounted, ") + "workspace deleted"
                        + volumesNote(anonymous) + ".");
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

    private static long anonymousVolumes(java.nio.file.Path workspace) {
        return dev.cwb.volume.ContainerVolumes.read(workspace).stream().filter(dev.cwb.volume.ContainerVolumes.Use::anonymous).count();
    }

    /** What became of the container's anonymous volumes, when it had any. */
    private String volumesNote(long anonymous) {
        if (anonymous == 0) {
            return "";
        }
        String them = anonymous == 1 ? "its anonymous volume" : "its " + anonymous + " anonymous volumes";
        return volumes ? "; " + them + " removed (-v)"
                : "; " + them + " kept, used by no container now (volume ls; volume prune removes them, rm -v would have)";
    }
}
