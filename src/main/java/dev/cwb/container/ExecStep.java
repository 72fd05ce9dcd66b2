package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.cgroup.OomKills;
import dev.cwb.kernel.InitProcess;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.kernel.WaitStatus;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code exec}: the container's current process clones itself, and the clone becomes the command —
 * standard streams in place, credentials dropped to the image's user, working directory set, every other
 * descriptor closed at exec, then execve(2). Whatever was set up so far (namespaces, mounts, root,
 * cgroup) is what the command lives in: the clone inherits all of it. The current process stays, so
 * {@code exec} can be repeated.
 */
public final class ExecStep {
    /**
     * How the command ended, and whether the cgroup's OOM killer was the cause ({@code oomUnknown}: why
     * that cannot be told, or null).
     */
    public record Ending(int hostPid, int containerPid, WaitStatus status, boolean oomKilled, String oomUnknown,
                         boolean cancelled) {
    }

    private ExecStep() {
    }

    /** Runs {@code spec} in {@code c} and waits for it; Ctrl-C (an interrupt of this thread) kills it. */
    public static Ending run(Container c, ProcessSpec spec, Stdio stdio) throws SyscallException, InterruptedException {
        String program = spec.resolveProgram(c.rootSeenFromHost());
        int[] credentials = spec.credentials(c.rootSeenFromHost());
        OomKills oomBefore = c.cgroup() == null ? null : c.cgroup().oomKills();
        InitProcess child = c.cloneCurrent();
        Syscalls calls = c.calls().through(child);
        int nsPid = HostPids.innermost(child.pid());
        int inParent = pidInParent(c, child.pid());
        String command = String.join(" ", spec.argv());
        boolean started = false;
        TerminalCtrlC ctrlC = null;
        try {
            boolean ownTerminal = stdio.takeContainerTerminal(c, child, calls);
            prepare(calls, child, stdio.childFds(), credentials, spec.workingDir(), ownTerminal);
            c.recordProcess(new Container.ProcessRun(child.pid(), nsPid, command, null));
            if (stdio.isTerminal()) {
                ctrlC = TerminalCtrlC.watch(stdio, child.pid()); // its group exists (setpgid or setsid in prepare)
                stdio.foreground(child.pid());
            }
            calls.execve(program, spec.argv(), spec.environment(c.rootSeenFromHost(), credentials, stdio.term()));
            started = true;
            stdio.startRelay(c.tracer());
        } catch (SyscallException e) {
            closeQuietly(ctrlC);
            abandon(c, child, inParent, stdio);
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(ctrlC);
            abandon(c, child, inParent, stdio);
            throw e;
        } finally {
            stdio.handedOver();
            if (!started) {
                c.recordProcess(new Container.ProcessRun(child.pid(), nsPid, command, new WaitStatus(127 << 8)));
            }
        }
        boolean cancelled = false;
        WaitStatus status;
        CompletableFuture<WaitStatus> done = CompletableFuture.supplyAsync(() -> waitFor(c, inParent), task -> {
            Thread t = new Thread(task, "cwb-exec-wait " + c.name());
            t.setDaemon(true); // wait4 in cwb-init cannot be interrupted: Ctrl-C kills the command instead
            t.start();
        });
        try {
            if (ctrlC != null) {
                TerminalCtrlC.Ending e = ctrlC.await(done, child.pid(), false);
                status = e.status();
                cancelled = e.killed();
            } else {
                status = done.get();
            }
        } catch (InterruptedException e) {
            cancelled = true;
            Kernel.killQuietly(child.pid());
            status = done.join();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SyscallException se) {
                throw se;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            closeQuietly(ctrlC);
            if (stdio.isTerminal()) {
                Kernel.giveTerminalTo(0, Kernel.processGroup());
            }
        }
        stdio.drain(cancelled ? 200 : 2000);
        OomKills oomAfter = c.cgroup() == null ? null : c.cgroup().oomKills();
        c.recordProcess(new Container.ProcessRun(child.pid(), nsPid, command, status));
        reapOrphans(c);
        return new Ending(child.pid(), nsPid, status, oomAfter != null && oomAfter.roseSince(oomBefore),
                unknownOf(oomBefore, oomAfter), cancelled);
    }

    private static void closeQuietly(TerminalCtrlC ctrlC) {
        if (ctrlC != null) {
            ctrlC.close();
        }
    }

    /** After a failed set-up or execve: the clone reads end of file and exits; its parent reaps it. */
    private static void abandon(Container c, InitProcess child, int inParent, Stdio stdio) {
        child.close();
        try {
            waitFor(c, inParent);
        } catch (RuntimeException e) {
            // already reaped
        }
        if (stdio.isTerminal()) {
            Kernel.giveTerminalTo(0, Kernel.processGroup());
        }
    }

    /** The clone's set-up, each a traced call it makes itself, in runc's order (standard_init_linux.go). */
    static void prepare(Syscalls calls, InitProcess child, int[] passFds, int[] credentials,
                        String workdir) throws SyscallException {
        prepare(calls, child, passFds, credentials, workdir, false);
    }

    /**
     * The same; with {@code ownTerminal} (its descriptor 0 is a container's own pty, {@link Stdio#takeContainerTerminal}),
     * a session of its own instead of a process group: setsid(2), then ioctl(0, TIOCSCTTY) makes that pty its
     * controlling terminal, whose foreground group it now leads — as runc's init does with a console
     * (setsid, then TIOCSCTTY on the console's slave).
     */
    static void prepare(Syscalls calls, InitProcess child, int[] passFds, int[] credentials,
                        String workdir, boolean ownTerminal) throws SyscallException {
        if (passFds != null) {
            int[] received = child.passDescriptors(calls, passFds);
            for (int i = 0; i < received.length; i++) {
                calls.dup3(received[i], i);
                calls.close(received[i]);
            }
        }
        // its own process group: on a terminal, the foreground group Ctrl-C goes to; always, the group its
        // kill(0, ...) reaches, which holds nothing of the workbench (a group spans PID namespaces)
        if (ownTerminal) {
            calls.setsid();
            calls.setControllingTerminal(0);
        } else {
            calls.setpgid(0, 0);
        }
        calls.setParentDeathSignal(9);
        if (credentials != null) {
            calls.setgroups(credentials.length > 2 ? java.util.Arrays.copyOfRange(credentials, 2, credentials.length)
                    : new int[] {credentials[1]});
            calls.setresgid(credentials[1]);
            calls.setresuid(credentials[0]);
        }
        calls.chdir(workdir);
        calls.closeOnExecFrom(3);
    }

    private static WaitStatus waitFor(Container c, int pidInParent) {
        try {
            int[] status = new int[1];
            c.calls().wait4(pidInParent, status, 0);
            return new WaitStatus(status[0]);
        } catch (SyscallException e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    /** Why the counts cannot tell whether the OOM killer struck in between, or null when they can. */
    static String unknownOf(OomKills before, OomKills after) {
        if (before == null || after == null) {
            return null;
        }
        return !after.known() ? after.unknown() : before.unknown();
    }

    /** An init must reap what its children left: wait for any ended orphan, without blocking. */
    private static void reapOrphans(Container c) throws SyscallException {
        if (!HostPids.children(c.current().pid()).isEmpty()) {
            reapEnded(c.calls());
        }
    }

    /**
     * wait4(-1, WNOHANG) until no ended child is left. ECHILD (no children at all) is the one normal end;
     * any other failure — cwb-init gone, a refused call — is the caller's to see, not to be swallowed.
     */
    static void reapEnded(Syscalls calls) throws SyscallException {
        int[] status = new int[1];
        try {
            while (calls.wait4(-1, status, Syscalls.WNOHANG) > 0) {
                // reaped one
            }
        } catch (SyscallException e) {
            if (e.errno() != dev.cwb.kernel.Errno.ECHILD) {
                throw e;
            }
        }
    }

    /** The clone's pid as its parent (the current process) numbers it. */
    static int pidInParent(Container c, int childHostPid) {
        return HostPids.numberIn(childHostPid, c.current().pid()).orElseThrow(() -> new CwbException(CwbException.IO,
                "process " + childHostPid + " of container " + c.name() + " ended before it could be started", "run exec again"));
    }
}
