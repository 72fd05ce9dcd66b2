package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.NamespaceView;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;

/** {@code ns}: the container's namespace ids beside the host's. */
@Command(name = "ns", description = "Show the container's namespaces beside the host's (the ids in /proc/PID/ns/).",
        footer = {"", "Same number: shared with the host. pid and time show what the container's next process gets (…_for_children)."})
public final class NsCommand extends ContainerCommand {
    @Override
    protected int run() {
        Container c = container();
        Table t = new Table("namespace", "container", "host", "", "isolates");
        for (NamespaceView.Row r : NamespaceView.rows(c)) {
            t.row(r.kind().word(), r.container().isEmpty() ? "?" : r.container(), r.host(), r.isolated() ? "own" : "shared",
                    r.kind().isolates());
        }
        out().println(t.render(workbench.unicode(), 0, workbench.terminalWidth())); // render() ends without a line break
        out().println("Container process: pid " + c.current().pid() + " (/proc/" + c.current().pid() + "/ns); host: this workbench (/proc/self/ns).");
        return 0;
    }
}
