package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.ContainerProgress;
import dev.cwb.container.ContainerState;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;

/** {@code ps}: the containers of this session, and those other workbenches on this machine have. */
@Command(name = "ps", description = "List containers: this session's, and other live workbenches' (from their state files).")
public final class PsCommand extends SessionCommand {
    @Override
    protected int run() {
        Table t = new Table("name", "image", "processes", "namespaces", "root", "owner");
        String me = containers().currentName().orElse("");
        for (Container c : containers().all()) {
            long live = ContainerProgress.processes(c).size();
            t.row((c.name().equals(me) ? "*" : "") + c.name(), c.image().reference().familiar(), live,
                    c.unshared().isEmpty() ? "host's" : c.unshared().stream().map(n -> n.word()).reduce((a, b) -> a + " " + b).get(),
                    c.root().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), "this session");
        }
        for (ContainerState s : containers().others()) {
            t.row(s.name(), s.image(), "-", "-", "-", "workbench pid " + s.ownerPid());
        }
        if (t.isEmpty()) {
            out().println("No containers. Make one: new box from busybox — or run busybox.");
            return 0;
        }
        out().println(t.render(workbench.unicode(), 0, workbench.terminalWidth()));
        if (containers().all().stream().anyMatch(c -> c.name().equals(me))) {
            out().println("* = the one the step commands act on (choose another with -c NAME).");
        }
        return 0;
    }
}
