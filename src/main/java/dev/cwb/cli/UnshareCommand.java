package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.Namespace;
import dev.cwb.container.NamespaceView;
import dev.cwb.container.UnshareStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code unshare KIND...}: new namespaces for the container's process, one kind at a time, in the order given. */
@Command(name = "unshare", description = "Give the container new namespaces: user, mnt, uts, ipc, net, pid, cgroup, time.",
        footer = {"", "Each is one unshare(2) call. See namespaces(7); 'ns' compares the container's with the host's.",
                "Example: unshare uts ipc mnt pid net"})
public final class UnshareCommand extends ContainerCommand {
    @Parameters(arity = "1..*", paramLabel = "KIND", completionCandidates = UnshareCommand.Kinds.class, description = "user, mnt, uts, ipc, net, pid, cgroup or time.")
    List<String> kinds;

    @Option(names = "--boottime", paramLabel = "SECONDS", description = "With time: add this to the boot-time clock inside (uptime shows it).")
    long bootOffset;

    /** The namespace kinds, for Tab. */
    static final class Kinds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Namespace.values()).map(Namespace::word).iterator();
        }
    }

    @Override
    protected int run() throws Exception {
        Container c = container();
        List<Namespace> wanted = new ArrayList<>();
        for (String k : kinds) {
            wanted.add(Namespace.parse(k));
        }
        for (Namespace ns : wanted) {
            int before = c.current().pid();
            List<UnshareStep.FileWrite> writes = traced(c, () -> UnshareStep.unshare(c, ns, bootOffset));
            writes.forEach(w -> out().println("  " + w));
            said(NamespaceView.afterUnshare(c, ns, before));
        }
        return 0;
    }
}
