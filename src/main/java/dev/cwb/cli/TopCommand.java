package dev.cwb.cli;

import dev.cwb.container.ContainerTop;
import dev.cwb.container.DetachedContainers;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code top CONTAINER [ps OPTIONS]}: a running detached container's processes, as the host sees them (docker top). */
@Command(name = "top", description = {"Show the processes of a running detached container as the host sees them, in ps -ef's columns"
        + " (docker top): host pids, the host's user names, read from /proc.",
        "ps options after the name are accepted and ignored: the columns are always ps -ef's."},
        footer = {"", "The processes are those in the container's cgroup (cgroup.procs), as docker top finds them. Its PID 1 has a host",
                "pid of its own here, its parent the shim's cwb-init; exec NAME ps shows the container's own view.",
                "Example: top web"})
public final class TopCommand extends SessionCommand implements TakesACommand {
    @Parameters(index = "0", paramLabel = "CONTAINER", description = "A running detached container.")
    String name;

    @Parameters(index = "1..*", paramLabel = "PS_OPTIONS", description = "Ignored (docker passes them to ps).")
    List<String> psOptions = new ArrayList<>();

    @Override
    protected int run() {
        DetachedContainers.Entry e = new DetachedContainers(containers()).get(name);
        List<ContainerTop.Row> rows = ContainerTop.of(e, containers());
        if (!psOptions.isEmpty()) {
            notes().println("ps options ignored (" + String.join(" ", psOptions) + "): top always shows ps -ef's columns.");
        }
        Table t = new Table("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD").alignRight(1, 2, 3);
        for (ContainerTop.Row r : rows) {
            t.row(r.user(), r.pid(), r.ppid(), r.cpuPercent(), r.started(), r.tty(), r.time(), dev.cwb.view.Printable.of(r.command()));
        }
        out().println(t.render(workbench.unicode(), 0, workbench.terminalWidth()));
        return 0;
    }
}
