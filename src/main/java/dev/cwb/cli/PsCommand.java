package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.ContainerProgress;
import dev.cwb.container.ContainerState;
import dev.cwb.container.DetachedContainers;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code ps}: the containers of this session, detached ones, and those other workbenches on this machine have. */
@Command(name = "ps", description = "List containers: this session's, detached ones (run -d; -a for exited ones too), and other live workbenches'.")
public final class PsCommand extends SessionCommand {
    @Option(names = {"-a", "--all"}, description = "Detached containers that have exited too.")
    boolean all;

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
        List<DetachedContainers.Entry> detached = new DetachedContainers(containers()).all();
        Set<String> detachedNames = detached.stream().map(DetachedContainers.Entry::name).collect(Collectors.toSet());
        for (ContainerState s : containers().others()) {
            if (!detachedNames.contains(s.name())) {
                t.row(s.name(), s.image(), "-", "-", "-", "workbench pid " + s.ownerPid());
            }
        }
        Table d = new Table("name", "image", "command", "created", "status", "pid 1", "shim");
        long now = System.currentTimeMillis();
        int exited = 0;
        for (DetachedContainers.Entry e : detached) {
            if (e.status() == DetachedContainers.Status.EXITED && !all) {
                exited++;
                continue;
            }
            String command = e.detached().command();
            d.row(e.name(), e.state() == null ? "?" : e.state().image(),
                    dev.cwb.view.Printable.of(command.length() > 30 ? command.substring(0, 29) + "…" : command),
                    human(now - (e.state() == null ? e.detached().started() : e.state().created())) + " ago", e.statusText(now),
                    e.livePid1() == 0 ? "-" : e.livePid1(), e.status() == DetachedContainers.Status.RUNNING ? e.detached().shimPid() : "-");
        }
        if (t.isEmpty() && d.isEmpty()) {
            out().println(exited > 0 ? "No running containers (" + exited + " exited: ps -a)."
                    : "No containers. Make one: new box from busybox — or run busybox, or run -d busybox sleep 60.");
            return 0;
        }
        if (!t.isEmpty()) {
            out().println(t.render(workbench.unicode(), 0, workbench.terminalWidth()));
            if (containers().all().stream().anyMatch(c -> c.name().equals(me))) {
                out().println("* = the one the step commands act on (choose another with -c NAME).");
            }
        }
        if (!d.isEmpty()) {
            out().println("Detached (each kept by its shim, a workbench process of its own; they outlive this one):");
            out().println(d.render(workbench.unicode(), 0, workbench.terminalWidth()));
        }
        if (exited > 0) {
            out().println(exited + " exited detached container" + (exited == 1 ? "" : "s") + " not shown: ps -a.");
        }
        return 0;
    }

    private static String human(long millis) {
        long s = Math.max(0, millis) / 1000;
        return s < 60 ? s + " s" : s < 3600 ? s / 60 + " min" : s / 3600 + " h";
    }
}
