package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.WorkbenchHome;
import dev.cwb.container.Container;
import dev.cwb.container.Containers;
import dev.cwb.container.Namespace;
import dev.cwb.kernel.Errno;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallListener;

/**
 * The base of the commands about the session's containers: they print each system call as the container's
 * process makes it, in strace's format, prefixed with the id of the process that made it. Those that act on
 * one existing container extend {@link ContainerCommand}, which adds {@code -c NAME}; those that make one
 * ({@code new}, {@code run}) or look at all ({@code ps}, {@code trace}) do not offer it.
 */
abstract class SessionCommand extends WorkbenchCommand {
    protected Containers containers() {
        return workbench.containers();
    }

    /** Does {@code step} on {@code c} with its calls printed as they happen; failed calls become one-line errors. */
    protected <T> T traced(Container c, Step<T> step) throws Exception {
        return traced(c, step, false);
    }

    /**
     * {@link #traced(Container, Step)}; with {@code foldRepeats} a run of the same call (the escape's 64
     * {@code chdir("..")}) is printed once, followed by one line with how many more times it was made.
     */
    protected <T> T traced(Container c, Step<T> step, boolean foldRepeats) throws Exception {
        Repeats repeats = foldRepeats ? new Repeats(printer(tracePrinter())) : null;
        c.tracer().printTo(repeats != null ? repeats : printer(tracePrinter()));
        try {
            T result = step.run();
            containers().saveState(c);
            return result;
        } catch (SyscallException e) {
            CwbException failed = explain(c, e);
            try {
                containers().saveState(c); // what the step did before the failed call
            } catch (CwbException stateLost) {
                failed.addSuppressed(stateLost); // the call's failure is the line to show; --debug shows both
                spec.commandLine().getErr().println("warning: " + stateLost.oneLine());
            }
            throw failed;
        } finally {
            if (repeats != null) {
                repeats.end();
            }
            c.tracer().stopPrinting();
            tracePrinter().flush();
        }
    }

    /** Passes calls on, holding back the repeats of one call: one line says how many there were. */
    private final class Repeats implements SyscallListener {
        private final SyscallListener printer;
        private String last;
        private int more;

        Repeats(SyscallListener printer) {
            this.printer = printer;
        }

        @Override
        public synchronized void called(dev.cwb.kernel.SyscallRecord record) {
            String line = record.tid() + " " + record.straceLine();
            if (line.equals(last)) {
                more++;
                return;
            }
            end();
            last = line;
            printer.called(record);
        }

        synchronized void end() {
            if (more > 0) {
                String line = "  ... the same call " + more + " more time" + (more == 1 ? "" : "s") + " (" + (more + 1) + " in all; --trace shows each)";
                tracePrinter().println(workbench.color() ? "\u001b[2m" + line + "\u001b[0m" : line);
                tracePrinter().flush();
            }
            more = 0;
            last = null;
        }
    }

    /** A step: some calls of the container's process. */
    @FunctionalInterface
    protected interface Step<T> {
        T run() throws Exception;
    }

    /** Where {@link #traced} prints the calls: standard output, where a step's calls are what it shows. */
    protected java.io.PrintWriter tracePrinter() {
        return out();
    }

    /** Prints each call as {@code   [pid 4242] unshare(CLONE_NEWUTS) = 0} to {@code to}, dimmed on a colour terminal. */
    protected SyscallListener printer(java.io.PrintWriter to) {
        boolean color = workbench.color();
        return r -> {
            String line = "  [pid " + r.tid() + "] " + r.straceLine();
            to.println(color ? (r.failed() ? "\u001b[31m" : "\u001b[2m") + line + "\u001b[0m" : line);
            to.flush();
        };
    }

    /**
     * After the system calls of each cgroup change, the shell command that does the same, as a comment:
     * {@code   # shell: echo 20 > /sys/fs/cgroup/pids/cwb/box/pids.max}. It is the workbench's note, not a
     * call: the calls themselves are printed by {@link #printer(java.io.PrintWriter)}, with the kernel's results.
     */
    protected java.util.function.Consumer<dev.cwb.cgroup.CgroupWrite> cgroupPrinter(java.io.PrintWriter to) {
        boolean color = workbench.color();
        return w -> {
            String line = "  # shell: " + w.asShell();
            to.println(color ? "\u001b[2m" + line + "\u001b[0m" : line);
            to.flush();
        };
    }

    /**
     * Where a container's command reads and writes: a terminal when the workbench's own standard streams are
     * one (for {@code run} a pty of the container's own, relayed to the screen stream; the host's {@code TERM}
     * goes with it), else pipes whose bytes go unchanged to the workbench's standard output and
     * error. Everything printed so far is flushed first, so it comes before the command's output.
     */
    protected dev.cwb.container.Stdio stdio() throws dev.cwb.kernel.SyscallException {
        out().flush();
        notes().flush();
        return workbench.terminalStdio() ? dev.cwb.container.Stdio.terminal(notes(), containers(), workbench.outBytes(), System.getenv("TERM"))
                : dev.cwb.container.Stdio.pipes(workbench.outBytes(), workbench.errBytes());
    }

    /**
     * Where a command that runs a container's program prints the workbench's own lines (its system calls,
     * warnings, how the program ended): standard error, so that standard output carries the program's
     * output and nothing else. On a terminal both are the screen.
     */
    protected java.io.PrintWriter notes() {
        return spec.commandLine().getErr();
    }

    /** A failed call as one line: what failed, why, and what to do about it. */
    static CwbException explain(Container c, SyscallException e) {
        String hint;
        if (e.errno() == Errno.EPERM && !WorkbenchHome.isRoot() && !c.has(Namespace.USER)) {
            hint = "this step needs root: run sudo ./cwb — or unshare user first (or start ./cwb --rootless), which gives "
                    + "the container a root of its own";
        } else if (e.errno() == Errno.EPERM && c.has(Namespace.USER)) {
            hint = "inside a user namespace, root may only change what that namespace owns: unshare user before mnt, "
                    + "pid and net, so the new namespaces belong to it";
        } else if (e.errno() == Errno.EINVAL && c.has(Namespace.USER) && e.call().matches("setgroups|setresuid|setresgid")) {
            hint = "in a user namespace only the ids in its uid_map and gid_map exist, and the workbench maps one: 0 "
                    + "(cat /proc/PID/uid_map); run as root inside, or without unshare user";
        } else if (e.errno() == Errno.EPERM && !c.seccompFilters().isEmpty()) {
            hint = "the container's seccomp filter answers EPERM for the calls it denies, before the kernel looks at them: "
                    + "seccomp show lists its rules";
        } else if (e.errno() == Errno.ENOMEM && c.pid1() != 0) {
            hint = "the container's PID 1 has exited, so its PID namespace takes no new process: rm the container and start again";
        } else if (e.errno() == 0) {
            hint = "rm the container and start again";
        } else {
            hint = "see the man page of " + (e.call().isEmpty() ? "the call" : e.call() + "(2)");
        }
        return new CwbException(CwbException.IO, e.getMessage(), hint, e);
    }

    /** One green-free line saying what a step did, after its calls. */
    protected void said(String line) {
        out().println(line);
    }
}
