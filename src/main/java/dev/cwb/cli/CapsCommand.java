package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.CapabilityOptions;
import dev.cwb.container.Container;
import dev.cwb.container.ProcessSecurity;
import dev.cwb.container.SecurityStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code caps show | drop CAP... | keep CAP...}: the capabilities of the container's process. */
@Command(name = "caps", description = "The container process's capabilities: caps show, caps drop CAP..., caps keep CAP... (Docker's names, or ALL).",
        footer = {"", "drop takes each from the bounding set (prctl(PR_CAPBSET_DROP)) and from the process's own sets (capset(2)): no",
                "program it starts can ever get it back. keep drops all the others. 'caps keep default' keeps Docker's default set.",
                "show decodes the five sets of /proc/PID/status (capabilities(7))."})
public final class CapsCommand extends ContainerCommand {
    @Parameters(index = "0", paramLabel = "ACTION", completionCandidates = CapsCommand.Actions.class, description = "show, drop or keep.")
    String action;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "CAP", description = "Capabilities: SYS_ADMIN, CAP_NET_RAW, ALL; keep also takes default.")
    List<String> caps = List.of();

    /** The actions, for Tab. */
    static final class Actions implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("show", "drop", "keep").iterator();
        }
    }

    @Override
    protected int run() throws Exception {
        Container c = container();
        switch (action) {
            case "show" -> {
                if (!caps.isEmpty()) {
                    throw CwbException.badInput("caps show takes no capabilities", "caps show");
                }
                show(c, ProcessSecurity.of(c.current().pid()));
            }
            case "drop", "keep" -> {
                if (caps.isEmpty()) {
                    throw CwbException.badInput("caps " + action + " needs capabilities", "caps " + action + " SYS_ADMIN NET_RAW");
                }
                long set = caps.size() == 1 && caps.get(0).equals("default") && action.equals("keep")
                        ? dev.cwb.container.RuncDefaults.capabilitySet()
                        : caps.stream().anyMatch(n -> n.equalsIgnoreCase("ALL")) ? CapabilityOptions.all()
                        : CapabilityOptions.bits(caps, "caps " + action);
                ProcessSecurity after = traced(c, () -> action.equals("drop") ? SecurityStep.dropCapabilities(c, set)
                        : SecurityStep.keepCapabilities(c, set));
                said("Capabilities of pid " + c.current().pid() + " now:");
                show(c, after);
            }
            default -> throw CwbException.badInput("no caps action '" + action + "'", "use show, drop or keep");
        }
        return 0;
    }

    private void show(Container c, ProcessSecurity s) {
        out().println("Container " + c.name() + ", pid " + c.current().pid() + " (/proc/" + c.current().pid() + "/status):");
        out().println("  bounding     " + ProcessSecurity.names(s.bounding()) + "   (the most any program it starts can have)");
        out().println("  effective    " + ProcessSecurity.names(s.effective()) + "   (what the kernel checks now)");
        out().println("  permitted    " + ProcessSecurity.names(s.permitted()) + "   (what it may make effective)");
        out().println("  inheritable  " + ProcessSecurity.names(s.inheritable()) + "   (kept across execve for files that ask)");
        out().println("  ambient      " + ProcessSecurity.names(s.ambient()) + "   (kept across execve of any program)");
        out().println("  NoNewPrivs " + (s.noNewPrivs() ? 1 : 0) + ", Seccomp " + s.seccompText() + ", Uid " + s.uids() + ", Gid "
                + s.gids() + ", Groups " + (s.groups().isEmpty() ? "(none)" : s.groups()));
    }
}
