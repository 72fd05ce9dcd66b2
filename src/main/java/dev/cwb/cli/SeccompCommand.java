package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.ProcessSecurity;
import dev.cwb.container.SecurityStep;
import dev.cwb.kernel.Errno;
import dev.cwb.kernel.SyscallException;
import dev.cwb.seccomp.SeccompFilter;
import dev.cwb.seccomp.SeccompProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/** {@code seccomp load default|FILE.json|deny SYSCALL... | show [--bpf]}: a system call filter, by hand. */
@Command(name = "seccomp", description = "Filter the container's system calls: seccomp load default | FILE.json | deny SYSCALL..., seccomp show [--bpf].",
        footer = {"", "load compiles the profile (Docker's JSON format; 'default' is Docker's own) to classic BPF for the capabilities the",
                "container's process has now, and that process installs it with seccomp(2). Everything it starts inherits it; no",
                "process can remove it. show lists the rules, --bpf the instructions; /proc/PID/status says what the kernel holds."})
public final class SeccompCommand extends ContainerCommand {
    @Parameters(index = "0", paramLabel = "ACTION", completionCandidates = SeccompCommand.Actions.class, description = "load or show.")
    String action;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARG", description = "load: default, a FILE.json, or deny and system call names.")
    List<String> args = List.of();

    @Option(names = "--bpf", description = "show: the BPF instructions too, as seccomp-tools dump prints them.")
    boolean bpf;

    /** The actions, for Tab. */
    static final class Actions implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("load", "show").iterator();
        }
    }

    @Override
    protected int run() throws Exception {
        Container c = container();
        switch (action) {
            case "load" -> load(c);
            case "show" -> show(c);
            default -> throw CwbException.badInput("no seccomp action '" + action + "'", "use load or show");
        }
        return 0;
    }

    private void load(Container c) throws Exception {
        if (args.isEmpty()) {
            throw CwbException.badInput("seccomp load needs a profile", "seccomp load default, seccomp load FILE.json or seccomp load deny mkdir");
        }
        SeccompProfile profile;
        if (args.get(0).equals("deny")) {
            if (args.size() < 2) {
                throw CwbException.badInput("seccomp load deny needs system call names", "seccomp load deny mkdir unshare");
            }
            profile = SeccompProfile.denying(args.subList(1, args.size()));
        } else if (args.size() > 1) {
            throw CwbException.badInput("seccomp load takes one profile", "seccomp load default, or seccomp load deny NAME...");
        } else {
            profile = args.get(0).equals("default") ? SeccompProfile.dockerDefault() : SeccompProfile.read(Path.of(args.get(0)));
        }
        SeccompFilter f;
        try {
            f = traced(c, () -> SecurityStep.loadSeccomp(c, profile));
        } catch (CwbException e) {
            if (e.getCause() instanceof SyscallException se) {
                throw refused(c, se);
            }
            throw e;
        }
        said("Seccomp filter loaded into pid " + c.current().pid() + " (" + f.program().size() + " instructions, "
                + f.calls().size() + " calls with rules, every other call " + f.defaultAction() + "): it and everything it starts are filtered.");
    }

    private CwbException refused(Container c, SyscallException se) {
        String why = switch (se.errno()) {
            case Errno.EINVAL -> "the kernel refused the filter: " + se.getMessage();
            case 13 -> "without no_new_privs, loading a filter needs CAP_SYS_ADMIN: " + se.getMessage();
            default -> se.getMessage();
        };
        String hint = se.errno() == 13 ? "set no_new_privs first (nnp), as runc does for --security-opt no-new-privileges"
                : se.errno() == Errno.EINVAL ? "a filter has at most 4096 instructions; seccomp show --bpf lists them"
                : "see seccomp(2)";
        return new CwbException(CwbException.IO, why, hint, se);
    }

    private void show(Container c) {
        if (!args.isEmpty()) {
            throw CwbException.badInput("seccomp show takes no arguments", "seccomp show, or seccomp show --bpf");
        }
        ProcessSecurity s = ProcessSecurity.of(c.current().pid());
        out().println("Container " + c.name() + ", pid " + c.current().pid() + ": Seccomp " + s.seccompText()
                + ", NoNewPrivs " + (s.noNewPrivs() ? 1 : 0) + " (/proc/" + c.current().pid() + "/status)");
        List<SeccompFilter> filters = c.seccompFilters();
        if (filters.isEmpty()) {
            out().println("No filter loaded: every system call reaches the kernel. Load one: seccomp load default");
            return;
        }
        for (SeccompFilter f : filters) {
            f.describe().forEach(out()::println);
            if (bpf) {
                f.listing().forEach(out()::println);
            }
        }
        if (filters.size() > 1) {
            out().println("The kernel runs every filter on each call and takes the strictest answer (KILL over ERRNO over ALLOW).");
        }
    }
}
