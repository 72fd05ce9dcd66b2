package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.DetachedContainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code start CONTAINER...}: an exited detached container again, over the upper directory it left. */
@Command(name = "start", description = "Start exited detached containers again: a new shim, the same run options, the upper directory (what it wrote) kept.",
        footer = {"", "The command runs from the start again as PID 1 (a new process); files it wrote last time are still there.",
                "Its log goes on in the same container.log. Example: start web"})
public final class StartCommand extends SessionCommand {
    @Parameters(arity = "1..*", paramLabel = "CONTAINER", description = "Exited detached containers.")
    List<String> names = new ArrayList<>();

    @Override
    protected int run() throws Exception {
        DetachedContainers detached = new DetachedContainers(containers());
        for (String n : names) {
            int code = start(workbench, detached, detached.get(n), notes());
            if (code != 0) {
                return code;
            }
            out().println(n);
            out().flush();
        }
        return 0;
    }

    /** Starts {@code e}'s shim again with {@code run}'s arguments; returns 0 once PID 1 runs, else the shim's exit code. */
    static int start(dev.cwb.Workbench workbench, DetachedContainers detached, DetachedContainers.Entry e, java.io.PrintWriter notes)
            throws Exception {
        if (e.status() == DetachedContainers.Status.RUNNING) {
            throw CwbException.badInput("container " + e.name() + " is already running (" + e.statusText(System.currentTimeMillis()) + ")",
                    "stop it first, or restart " + e.name());
        }
        if (e.status() == DetachedContainers.Status.LOST) {
            throw CwbException.badInput("container " + e.name() + " was lost (its shim was killed): its processes and cgroup are gone",
                    "run cleanup, then run it again");
        }
        if (e.detached().args() == null || e.detached().args().isEmpty()) {
            throw CwbException.badInput("container " + e.name() + " does not record how it was run", "rm " + e.name() + " and run it again");
        }
        detached.waitForShimGone(e); // an exited container's shim may still be writing its last lines
        List<String> args = new ArrayList<>(List.of("--restart"));
        args.addAll(e.detached().args());
        notes.flush();
        return dev.cwb.container.Shim.start(workbench.home(), RunCommand.globalOptions(workbench), args, notes);
    }
}
