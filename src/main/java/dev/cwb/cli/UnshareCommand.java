package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.Namespace;
import dev.cwb.container.NamespaceView;
import dev.cwb.container.UnshareStep;
import dev.cwb.kernel.Errno;
import dev.cwb.kernel.NamespaceThread;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
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

    @Option(names = "--in-workbench", description = "Make the call on a thread of the workbench's own JVM instead of cwb-init, "
            + "to see what a multi-threaded process gets (try: unshare --in-workbench user).")
    boolean inWorkbench;

    @Override
    protected int run() throws Exception {
        if (inWorkbench) {
            for (String k : kinds) {
                tryOnJvmThread(Namespace.parse(k));
            }
            return 0;
        }
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

    /**
     * The same unshare(2) made by a fresh platform thread of this JVM (which first unshares CLONE_FS, as
     * a namespace thread must), then thrown away: a multi-threaded process gets EINVAL for a user
     * namespace, and any other kind changes that one thread only.
     */
    private void tryOnJvmThread(Namespace ns) throws Exception {
        long threads = osThreads();
        Syscalls calls = new Syscalls(printer(out()));
        try (NamespaceThread t = NamespaceThread.start("cwb-unshare-demo", calls)) {
            try {
                t.call(() -> {
                    calls.unshare(ns.flag());
                    return null;
                });
                said("The JVM thread " + t.tid() + " got a new " + ns.word() + " namespace — that thread alone: the JVM's other "
                        + threads + " threads stay in the host's. The thread has ended, and the namespace with it.");
            } catch (SyscallException e) {
                said(e.errno() == Errno.EINVAL && ns == Namespace.USER
                        ? "EINVAL: the kernel gives a new user namespace only to a single-threaded process (unshare(2)), and this JVM "
                        + "runs " + threads + " threads (garbage collector, compiler, this command...). runc meets the same wall with Go and answers it with nsexec.c, C code that "
                        + "runs before the Go runtime starts threads; this workbench answers it with cwb-init, a one-thread process."
                        : "The kernel refused: " + e.getMessage());
            }
        }
    }

    /** The kernel's count of this process's threads (the Threads: line of /proc/self/status). */
    private static long osThreads() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Threads:")).mapToLong(l -> Long.parseLong(l.substring(8).trim())).findFirst().orElse(0);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }
}
