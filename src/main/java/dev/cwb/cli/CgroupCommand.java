package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.cgroup.Cgroup;
import dev.cwb.cgroup.CgroupUsage;
import dev.cwb.container.CgroupStep;
import dev.cwb.container.Container;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code cgroup create | set RESOURCE VALUE | show}: limits for the container, by writing cgroup files. */
@Command(name = "cgroup", description = "Limit what the container may use: cgroup create, cgroup set memory 64M | pids 20 | cpu 0.5 | devices default, cgroup show.",
        footer = {"", "Each change is a file written under /sys/fs/cgroup (cgroups(7)): the lines show its system calls, then the same as a shell command.",
                "Works on cgroup v2 and on v1/hybrid hosts. Processes started later (exec) are inside too."})
public final class CgroupCommand extends ContainerCommand {
    @Parameters(index = "0", paramLabel = "ACTION", completionCandidates = CgroupCommand.Actions.class, description = "create, set or show.")
    String action;

    @Parameters(index = "1..*", arity = "0..2", paramLabel = "ARG", description = "set: memory|pids|cpu|devices and the value (devices: default, runc's rules).")
    List<String> args = List.of();

    /** The actions, for Tab. */
    static final class Actions implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("create", "set", "show").iterator();
        }
    }

    @Override
    protected int run() throws Exception {
        Container c = container();
        switch (action) {
            case "create" -> {
                requireArgs(0, "cgroup create");
                printingWrites(() -> traced(c, () -> CgroupStep.create(c, containers().cgroups())));
                said("Cgroup " + c.cgroup().name() + " (" + c.cgroup().version().name().toLowerCase(java.util.Locale.ROOT)
                        + "): the container's process, pid " + c.current().pid() + ", is in it; so is everything it starts.");
                c.cgroup().notes().forEach(n -> out().println("Note: " + n));
            }
            case "set" -> {
                requireArgs(2, "cgroup set memory 64M");
                printingWrites(() -> traced(c, () -> CgroupStep.set(c, args.get(0), args.get(1))));
                said("Limit set: " + args.get(0) + " " + args.get(1) + ".");
            }
            case "show" -> {
                requireArgs(0, "cgroup show");
                show(c, c.cgroup() == null ? List.of() : traced(c, () -> CgroupStep.deviceRules(c)));
            }
            default -> throw CwbException.badInput("no cgroup action '" + action + "'", "use create, set or show");
        }
        return 0;
    }

    private void show(Container c, List<String> devices) {
        Cgroup g = c.cgroup();
        if (g == null) {
            out().println("Container " + c.name() + " has no cgroup: it uses what the workbench's own cgroup allows. Make one: cgroup create");
            return;
        }
        out().println("Cgroup " + g.name() + " (" + g.version().name().toLowerCase(java.util.Locale.ROOT) + "):");
        g.directories().forEach(d -> out().println("  " + d));
        out().println("Written (as shell commands; trace shows the system calls):");
        g.writes().forEach(w -> out().println("  " + w));
        CgroupUsage u = g.usage();
        out().println("Now: memory " + (u.memoryBytes().isPresent() ? Sizes.human(u.memoryBytes().getAsLong()) : "?")
                + (u.memoryPeak().isPresent() ? " (peak " + Sizes.human(u.memoryPeak().getAsLong()) + ")" : "")
                + ", processes " + (u.pids().isPresent() ? u.pids().getAsLong() : "?")
                + ", cpu " + u.cpu().map(d -> String.format(java.util.Locale.ROOT, "%.2fs", d.toNanos() / 1e9)).orElse("?")
                + ", OOM kills " + u.oomKills());
        out().println("Inside: " + g.processes());
        if (!devices.isEmpty()) {
            out().println("Devices:");
            devices.forEach(d -> out().println("  " + d));
        }
    }

    /** Runs {@code step} with each cgroup file change printed as it is made, among the system calls. */
    private void printingWrites(Step<?> step) throws Exception {
        containers().cgroups().trace().onWrite(cgroupPrinter(out()));
        try {
            step.run();
        } finally {
            containers().cgroups().trace().onWrite(null);
        }
    }

    private void requireArgs(int n, String example) {
        if (args.size() != n) {
            throw new CwbException(CwbException.USAGE, "cgroup " + action + " takes " + (n == 0 ? "no arguments" : n + " arguments"),
                    "for example: " + example);
        }
    }
}
