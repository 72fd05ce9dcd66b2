package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.Namespace;
import dev.cwb.container.ContainerProgress;
import picocli.CommandLine.Command;

/** {@code status}: which steps are done, what is left, and the container's processes. */
@Command(name = "status", description = "Show which steps the container has done, what is left, and its processes.")
public final class StatusCommand extends ContainerCommand {
    @Override
    protected int run() {
        Container c = container();
        boolean u = workbench.unicode();
        out().println("Container " + c.name() + " from " + c.image().reference().familiar() + " — cwb-init pid " + c.first().pid()
                + (c.pid1() != 0 ? ", PID 1 = pid " + c.pid1() + " on the host" : ""));
        for (ContainerProgress.Line l : ContainerProgress.of(c)) {
            String mark = l.done() ? (u ? "\u2714" : "x") : l.partly() ? (u ? "\u25d0" : "~") : " ";
            out().println("  [" + mark + "] " + String.format("%-11s", l.step()) + l.detail());
        }
        ContainerProgress.next(c).ifPresent(n -> out().println("Next: " + n));
        out().println("Processes:");
        for (ContainerProgress.Proc p : ContainerProgress.processes(c)) {
            out().println("  pid " + p.hostPid() + " on the host" + (p.insidePid() != p.hostPid() ? ", " + p.insidePid() + " inside" : "")
                    + "  " + p.role() + "  " + dev.cwb.view.Printable.of(p.command()));
        }
        if (!c.has(Namespace.PID) && !c.unshared().isEmpty()) {
            out().println("(no PID namespace: the container's processes have host pids only)");
        }
        return 0;
    }
}
