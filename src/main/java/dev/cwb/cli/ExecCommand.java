package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.ExecStep;
import dev.cwb.container.ProcessSpec;
import dev.cwb.container.Stdio;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code exec [CMD...]}: run a command inside what is set up so far. */
@Command(name = "exec", description = "Run a command in the container as set up so far (default: the image's Entrypoint + Cmd), or in a running detached one: exec NAME CMD...",
        footer = {"", "The container's process clones itself and the clone becomes the command (execve(2)), with the image's",
                "Env, WorkingDir and User. At a terminal it gets one of the container (a pty: tty, job control, TERM); Ctrl-C goes to it. Options go before the command.",
                "Example: exec hostname    exec sh    exec -u 1000 id",
                "",
                "exec NAME CMD... (NAME a detached container, run -d): a fresh cwb-init joins its cgroup, then setns(2)s",
                "into PID 1's user, mnt, uts, ipc, net, pid and cgroup namespaces and its root, and clones; the clone, born",
                "in the container's PID namespace, takes PID 1's seccomp filter and capabilities and execs CMD. (This JVM",
                "cannot: a multi-threaded process may not setns into a user or mount namespace.) --trace shows each call.",
                "At a terminal it gets a pty of the container's own devpts, as docker exec -it: tty, job control, the",
                "window's size, Ctrl-C to its foreground job, not to PID 1. In a script or a pipe: pipes, bytes unchanged.",
                "Example: exec web hostname    exec -e A=1 -w /tmp web sh -c 'pwd; echo $A'    exec --trace web ps"})
public final class ExecCommand extends ContainerCommand implements TakesACommand {
    @Parameters(arity = "0..*", paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command = new ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (name or uid) instead of the image's.")
    String user;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory instead of the image's.")
    String workdir;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Add or replace an environment variable.")
    List<String> env = new ArrayList<>();

    @Option(names = {"-i", "--interactive", "-t", "--tty"}, description = "Accepted as docker's -it: at a terminal the command always gets one of "
            + "its own (a pty of the container, TERM as the host's); in a script or a pipe it has none.")
    boolean[] interactiveTty = {}; // an array: -it is -i and -t, both of them this one option

    @Option(names = "--on-host", description = "Run it even though the container's root is still the host's / "
            + "(before chroot or pivot_root, or after an escape): the host's program, on the host's files.")
    boolean onHost;

    @Option(names = "--trace", description = "With a detached container: print every system call of the setns dance.")
    boolean trace;

    /**
     * The detached container this exec goes into, or null for the step-by-step form: {@code -c NAME} naming
     * one, or (Docker's form) a first word that is the name of a detached container and of no container of
     * this session.
     */
    private dev.cwb.container.DetachedContainers.Entry detachedTarget() {
        dev.cwb.container.DetachedContainers all = new dev.cwb.container.DetachedContainers(containers());
        if (containerName != null) {
            return containers().find(containerName).isPresent() ? null : safeFind(all, containerName);
        }
        if (command.isEmpty() || containers().find(command.get(0)).isPresent()) {
            return null;
        }
        dev.cwb.container.DetachedContainers.Entry e = safeFind(all, command.get(0));
        if (e != null) {
            command = new ArrayList<>(command.subList(1, command.size()));
        }
        return e;
    }

    private static dev.cwb.container.DetachedContainers.Entry safeFind(dev.cwb.container.DetachedContainers all, String name) {
        try {
            return all.find(name);
        } catch (dev.cwb.CwbException e) {
            return null; // not a container name at all: a program
        }
    }

    /** {@code exec NAME CMD...}: a fresh process joins the running container's namespaces, cgroup and root. */
    private int execInto(dev.cwb.container.DetachedContainers.Entry e) throws Exception {
        if (command.isEmpty()) {
            throw dev.cwb.CwbException.badInput("exec " + e.name() + ": which command?", "exec " + e.name() + " sh, or exec " + e.name() + " hostname");
        }
        String image = e.state() == null ? null : e.state().image();
        dev.cwb.image.Image img = workbench.images().image(image);
        ProcessSpec process = ProcessSpecs.withOverrides(ProcessSpec.of(img.config().runConfig(), command),
                user != null ? user : e.detached().user(), workdir, env);
        Container.Tracer tracer = containers().newTracer();
        if (trace) {
            tracer.printTo(printer(notes()));
        }
        Stdio stdio = stdio();
        ExecStep.Ending r;
        try {
            r = dev.cwb.container.ExecInto.run(containers(), e, process, stdio, tracer);
        } catch (dev.cwb.kernel.SyscallException ex) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "exec in " + e.name() + ": " + ex.getMessage(),
                    ex.errno() == dev.cwb.kernel.Errno.ENOENT ? "is " + command.get(0) + " in the image? exec " + e.name() + " ls /bin"
                    : "exec --trace " + e.name() + " ... shows every call", ex);
        } finally {
            tracer.stopPrinting();
            stdio.close();
        }
        if (trace || r.status().shellStatus() != 0) {
            notes().println(ProcessSpecs.ending(String.join(" ", process.argv()) + " in " + e.name(), r.hostPid(), r.containerPid(),
                    r.status(), false, null, r.cancelled(), null));
            notes().flush();
        }
        return r.status().shellStatus();
    }

    /** Its calls go to standard error with its other lines: standard output is the command's. */
    @Override
    protected java.io.PrintWriter tracePrinter() {
        return notes();
    }

    @Override
    protected int run() throws Exception {
        dev.cwb.container.DetachedContainers.Entry detached = detachedTarget();
        if (detached != null) {
            return execInto(detached);
        }
        Container c = container();
        if (c.root() == Container.RootChange.NONE || c.root() == Container.RootChange.ESCAPED) {
            String why = c.root() == Container.RootChange.NONE ? "no chroot or pivot_root yet" : "it escaped";
            if (!onHost) {
                // a learner's "exec rm -rf /" before pivot_root would wipe the lab machine: make them say they mean it
                throw dev.cwb.CwbException.badInput("the root of " + c.name() + " is still the host's / (" + why + "): exec would run "
                        + "the host's programs on the host's own files" + (dev.cwb.WorkbenchHome.isRoot() ? ", as root" : ""),
                        "move the root first (overlay, then pivot_root or chroot) — or, if that is what you mean: exec --on-host "
                        + String.join(" ", command));
            }
        }
        ProcessSpec process = ProcessSpecs.withOverrides(ProcessSpec.of(c.image().config().runConfig(), command), user, workdir, env);
        Stdio stdio = stdio();
        ExecStep.Ending e;
        try {
            e = traced(c, () -> ExecStep.run(c, process, stdio));
        } catch (dev.cwb.CwbException ex) {
            if (ex.getCause() instanceof dev.cwb.kernel.SyscallException se && se.errno() == dev.cwb.kernel.Errno.ENOEXEC) {
                throw new dev.cwb.CwbException(ex.exitCode(), ex.getMessage(), ProcessSpecs.notRunnableHere(c.image()), se);
            }
            throw ex;
        } finally {
            stdio.close();
        }
        notes().println(ProcessSpecs.ending(String.join(" ", process.argv()), e.hostPid(), e.containerPid(), e.status(), e.oomKilled(),
                e.oomUnknown(), e.cancelled(), c.cgroup()));
        notes().flush();
        return e.status().shellStatus();
    }
}
