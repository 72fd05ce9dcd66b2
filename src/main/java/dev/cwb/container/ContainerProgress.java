package dev.cwb.container;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The steps of a container as a checklist, and its live processes: what {@code status} shows. */
public final class ContainerProgress {
    /** One step: done, partly done (some namespaces), or not. */
    public record Line(String step, boolean done, boolean partly, String detail) {
    }

    /** A live process of the container. */
    public record Proc(int hostPid, int insidePid, String role, String command) {
    }

    private ContainerProgress() {
    }

    public static List<Line> of(Container c) {
        List<Line> lines = new ArrayList<>();
        lines.add(new Line("new", true, false, "workspace " + c.dirs().dir()));
        lines.add(new Line("overlay", c.overlayMounted(), false, c.overlayMounted()
                ? c.lowers().size() + " layers + upper on " + c.dirs().rootfs() : "root file system not mounted"));
        EnumSet<Namespace> missing = EnumSet.allOf(Namespace.class);
        missing.removeAll(c.unshared());
        String have = c.unshared().stream().map(Namespace::word).collect(Collectors.joining(" "));
        String lack = missing.stream().map(Namespace::word).collect(Collectors.joining(" "));
        lines.add(new Line("unshare", missing.isEmpty(), !c.unshared().isEmpty(),
                (have.isEmpty() ? "none yet" : have) + (lack.isEmpty() ? "" : " · not yet: " + lack)));
        lines.add(new Line("hostname", c.hostname() != null, false, c.hostname() != null ? c.hostname() : "the host's"));
        lines.add(new Line("mount", c.mounts().stream().anyMatch(m -> !m.equals("/")), false,
                c.mounts().stream().filter(m -> !m.equals("/")).sorted().collect(Collectors.joining(" "))
                        .transform(s -> s.isEmpty() ? "proc, sys, dev: none yet" : s)));
        lines.add(new Line("cgroup", c.cgroup() != null, false, c.cgroup() != null
                ? c.cgroup().name() + " (" + c.cgroup().version().name().toLowerCase(java.util.Locale.ROOT) + ")" : "none"));
        lines.add(new Line("root", c.root() != Container.RootChange.NONE, false, switch (c.root()) {
            case NONE -> "the host's / (chroot or pivot_root)";
            case CHROOT -> "chroot into " + c.dirs().rootfs() + " (escapable)";
            case PIVOT_ROOT -> "pivot_root: the root file system is the namespace's root";
            case ESCAPED -> "escaped to the host's / (after chroot)";
        }));
        long ran = c.processes().size();
        lines.add(new Line("exec", ran > 0, false, ran == 0 ? "nothing run yet" : ran + " command" + (ran == 1 ? "" : "s") + " run"));
        return lines;
    }

    /** The step a learner would usually do next, in runc's order. */
    public static Optional<String> next(Container c) {
        if (!c.has(Namespace.MNT)) {
            return Optional.of("unshare mnt (so mounts stay private), then overlay");
        }
        if (!c.overlayMounted()) {
            return Optional.of("overlay");
        }
        if (!c.has(Namespace.UTS) || !c.has(Namespace.PID)) {
            return Optional.of("unshare uts ipc pid net");
        }
        if (!c.mounts().contains("/proc")) {
            return Optional.of("mount proc");
        }
        if (c.root() == Container.RootChange.NONE) {
            return Optional.of("pivot_root");
        }
        if (c.processes().isEmpty()) {
            return Optional.of("exec");
        }
        return Optional.empty();
    }

    /** cwb-init, PID 1 and what they run, as the host sees them. */
    public static List<Proc> processes(Container c) {
        List<Proc> result = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        all.add(c.first().pid());
        all.addAll(HostPids.descendants(c.first().pid()));
        for (int pid : all) {
            if (!HostPids.exists(pid)) {
                continue;
            }
            int inside = HostPids.innermost(pid);
            String role = pid == c.first().pid() ? "cwb-init" : pid == c.pid1() ? "PID 1"
                    : pid == c.current().pid() ? "current" : "command";
            result.add(new Proc(pid, inside, role, HostPids.commandLine(pid)));
        }
        return result;
    }
}
