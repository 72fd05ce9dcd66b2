package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.cgroup.Cgroup;
import dev.cwb.kernel.CloneFlags;
import dev.cwb.kernel.InitProcess;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.NamespaceIds;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.kernel.WaitStatus;
import dev.cwb.seccomp.SeccompFilter;
import dev.cwb.seccomp.SeccompProfile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code exec NAME CMD...} into a running detached container, from any workbench: the {@code nsenter}
 * dance. A process joins an existing container with setns(2), one namespace at a time, then forks, because
 * joining a PID namespace only decides where the caller's <em>children</em> are born.
 *
 * <p>This JVM cannot make those calls itself: it has many threads, and the kernel refuses setns(2) into a
 * user namespace to a multi-threaded process ({@code EINVAL}), and into a mount namespace to a thread that
 * shares its file-system information ({@code fs->users != 1}, kernel {@code mntns_install}) — every JVM
 * thread does (see {@code ../shared/docs/kernel-notes.md}). runc's answer is {@code nsexec.c}, C that runs
 * before Go starts its threads; nsenter(1) is a small single-threaded program. The workbench's is a fresh
 * cwb-init: single-threaded machine code that makes the calls it is asked for, each traced.
 *
 * <p>Order, as nsenter and runc's {@code nsexec.c}: the cgroup first (cwb-init writes {@code 0} to the group's
 * files while it still sees the host's {@code /sys/fs/cgroup}); every namespace file of PID 1 opened
 * while {@code /proc} is still the host's; then setns user (which gives the capabilities the others need
 * inside a rootless container), mnt, uts, ipc, net, pid, cgroup; then the root ({@code fchdir} to PID 1's
 * root, {@code chroot(".")}); then a clone, the first process in the container's PID namespace, which
 * takes PID 1's defences (no_new_privs, its seccomp profile, its capabilities), the user, the directory,
 * and calls execve(2).
 */
public final class ExecInto {
    /** setns(2)'s order: the user namespace first (it owns the others), the PID namespace before the fork. */
    static final List<String> ORDER = List.of("user", "mnt", "uts", "ipc", "net", "pid", "cgroup");

    private ExecInto() {
    }

    /** Runs {@code spec} in the running container {@code e} and waits for it; Ctrl-C (an interrupt) kills it. */
    public static ExecStep.Ending run(Containers containers, DetachedContainers.Entry e, ProcessSpec spec, Stdio stdio,
                                      Container.Tracer tracer) throws SyscallException, InterruptedException {
        int pid1 = DetachedContainers.runningPid1(e, "exec");
        Path root = Path.of("/proc", Integer.toString(pid1), "root");
        String program = spec.resolveProgram(root);
        int[] credentials = spec.credentials(root);
        InitProcess init;
        try {
            init = containers.startInit("cwb-exec", stdio.childFds());
        } catch (IOException ex) {
            throw CwbException.io("starting cwb-init for exec", ex, "check " + containers.home().root());
        } finally {
            stdio.handedOver();
        }
        Syscalls calls = new Syscalls(tracer, init);
        InitProcess child = null;
        TerminalCtrlC ctrlC = null;
        try {
            calls.setParentDeathSignal(9);
            calls.setName("cwb-exec");
            joinCgroup(containers, e, calls, init);
            Map<String, Integer> fds = new LinkedHashMap<>();
            Map<String, String> mine = NamespaceIds.ofProcess(init.pid());
            Map<String, String> theirs = NamespaceIds.ofProcess(pid1);
            for (String ns : ORDER) {
                if (theirs.containsKey(ns) && !theirs.get(ns).equals(mine.get(ns))) { // --network host shares the host's
                    fds.put(ns, calls.open("/proc/" + pid1 + "/ns/" + ns, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC));
                }
            }
            int rootFd = calls.open(root.toString(), OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
            for (Map.Entry<String, Integer> ns : fds.entrySet()) {
                calls.setns(ns.getValue(), flag(ns.getKey()));
                calls.close(ns.getValue());
            }
            calls.fchdir(rootFd); // nsenter --root: PID 1's root, whatever the namespace's root mount is
            calls.chroot(".");
            calls.close(rootFd);
            child = init.cloneChild(calls, pid -> pid); // cwb-exec itself stays in the host's PID namespace: its numbers are the host's
            Syscalls inside = calls.through(child);
            // docker exec -t: a pty of the container's own devpts as its 0, 1, 2, made by the workbench, relayed
            boolean ownTerminal = stdio.takeTerminalOfRunning(root, child, inside);
            Detached d = e.detached();
            if (d.noNewPrivileges()) {
                inside.setNoNewPrivs();
            }
            SeccompFilter filter = filter(d);
            if (filter != null && !d.noNewPrivileges()) {
                inside.seccompSetModeFilter(filter.program()); // while it still has CAP_SYS_ADMIN, as run does
            }
            RuncDefaults.dropCapabilities(inside, d.capabilities());
            ExecStep.prepare(inside, child, null, credentials, spec.workingDir(), ownTerminal);
            if (filter != null && d.noNewPrivileges()) {
                inside.seccompSetModeFilter(filter.program());
            }
            if (stdio.isTerminal()) {
                ctrlC = TerminalCtrlC.watch(stdio, child.pid()); // its group exists (setpgid or setsid in prepare)
                stdio.foreground(child.pid());
            }
            inside.execve(program, spec.argv(), spec.environment(root, credentials, stdio.term()));
            stdio.startRelay(tracer);
        } catch (SyscallException | RuntimeException ex) {
            if (ctrlC != null) {
                ctrlC.close();
            }
            if (child != null) {
                child.close();
            }
            end(init, stdio);
            throw ex;
        } catch (IOException ex) {
            end(init, stdio);
            throw CwbException.io("reading the namespaces of " + e.name() + "'s PID 1", ex, "is it still running? ps");
        }
        int childPid = child.pid();
        int nsPid = HostPids.innermost(childPid);
        CompletableFuture<WaitStatus> done = CompletableFuture.supplyAsync(() -> {
            try {
                int[] status = new int[1];
                calls.wait4(childPid, status, 0);
                return new WaitStatus(status[0]);
            } catch (SyscallException ex) {
                throw new java.util.concurrent.CompletionException(ex);
            }
        }, task -> {
            Thread t = new Thread(task, "cwb-exec-wait " + e.name());
            t.setDaemon(true);
            t.start();
        });
        boolean cancelled = false;
        WaitStatus status;
        try {
            if (ctrlC != null) {
                TerminalCtrlC.Ending end = ctrlC.await(done, childPid, false);
                status = end.status();
                cancelled = end.killed();
            } else {
                status = done.get();
            }
        } catch (InterruptedException ex) {
            cancelled = true;
            Kernel.killQuietly(childPid);
            status = done.join();
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof SyscallException se) {
                throw se;
            }
            throw new IllegalStateException(ex.getCause());
        } finally {
            if (ctrlC != null) {
                ctrlC.close();
            }
            if (stdio.isTerminal()) {
                Kernel.giveTerminalTo(0, Kernel.processGroup());
            }
            end(init, null);
        }
        stdio.drain(cancelled ? 200 : 2000);
        return new ExecStep.Ending(childPid, nsPid, status, false, null, cancelled);
    }

    /** The cgroup of the container: cwb-exec moves itself in while it sees the host's cgroup mount, so the command is born there. */
    private static void joinCgroup(Containers containers, DetachedContainers.Entry e, Syscalls calls, InitProcess init) throws SyscallException {
        if (e.state() == null || e.state().cgroup() == null || !dev.cwb.WorkbenchHome.isRoot()) {
            return;
        }
        Cgroup g = containers.cgroups().open(e.state().cgroup());
        g.writeThrough(calls);
        List<Path> files = g.selfJoinFiles();
        if (files.isEmpty()) {
            g.addProcess(init.pid());
            return;
        }
        for (Path f : files) {
            calls.writeFile(f.toString(), new byte[] {'0'});
        }
        g.unifiedProcs().ifPresent(p -> g.joinUnified(0, calls));
    }

    /** The seccomp filter PID 1 runs under, compiled again for its capabilities; null for {@code unconfined}. */
    private static SeccompFilter filter(Detached d) {
        if (d.seccomp() == null || d.seccomp().equals("unconfined")) {
            return null;
        }
        SeccompProfile p = d.seccomp().equals("default") ? SeccompProfile.dockerDefault() : SeccompProfile.read(Path.of(d.seccomp()));
        return SeccompFilter.compile(p, d.capabilities());
    }

    private static int flag(String ns) {
        return switch (ns) {
            case "user" -> CloneFlags.CLONE_NEWUSER;
            case "mnt" -> CloneFlags.CLONE_NEWNS;
            case "uts" -> CloneFlags.CLONE_NEWUTS;
            case "ipc" -> CloneFlags.CLONE_NEWIPC;
            case "net" -> CloneFlags.CLONE_NEWNET;
            case "pid" -> CloneFlags.CLONE_NEWPID;
            case "cgroup" -> CloneFlags.CLONE_NEWCGROUP;
            default -> throw new IllegalArgumentException(ns);
        };
    }

    /** cwb-exec's end: its socket closed, so it exits; this JVM reaps it. */
    private static void end(InitProcess init, Stdio stdio) {
        init.close();
        init.kill();
        init.reap();
        if (stdio != null && stdio.isTerminal()) {
            Kernel.giveTerminalTo(0, Kernel.processGroup());
        }
    }

    /** The namespaces of {@code pid} (for a check: an exec'd process's equal its PID 1's). */
    public static List<String> namespacesOf(int pid) throws IOException {
        List<String> out = new ArrayList<>();
        NamespaceIds.ofProcess(pid).forEach((k, v) -> out.add(k + ":" + v));
        return out;
    }
}
