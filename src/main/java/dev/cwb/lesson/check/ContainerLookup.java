package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.HostPids;
import dev.cwb.kernel.CloneFlags;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.NamespaceThread;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.SyscallListener;
import dev.cwb.kernel.Syscalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * How the container checks find a container of the session and look at it from the host: through
 * {@code /proc/PID/...} of its process, or, where /proc shows only the reader's own view (the host name, the
 * root of a mount namespace), from a thread that has joined one of the container's namespaces.
 */
final class ContainerLookup {
    private ContainerLookup() {
    }

    /** The session's container {@code name}; a failure naming the containers there are. */
    static Container container(CheckContext context, String name) {
        Optional<Container> found = context.workbench().containers().find(name);
        if (found.isEmpty()) {
            List<String> names = context.workbench().containers().all().stream().map(Container::name).toList();
            throw CwbException.notFound("no container " + name + " in this session"
                    + (names.isEmpty() ? " (it has none)" : " (it has " + String.join(", ", names) + ")"), null);
        }
        return found.get();
    }

    /**
     * The host pid of the process the container's steps act on (cwb-init, or PID 1 after {@code unshare pid}),
     * which must still be running.
     */
    static int livePid(Container c) {
        int pid = c.current().pid();
        if (!Files.isDirectory(Path.of("/proc", Integer.toString(pid)))) {
            throw CwbException.notFound("the process of container " + c.name() + " (pid " + pid + ") has ended", null);
        }
        return pid;
    }

    /** The mounts as the container's process sees them ({@code /proc/PID/mountinfo}). */
    static List<MountInfo.Mount> mounts(Container c) {
        return MountInfo.of(Integer.toString(livePid(c)));
    }

    /** The container's overlay mount: the one whose {@code upperdir} is its upper directory. */
    static Optional<MountInfo.Mount> overlay(Container c) {
        String upper = "upperdir=" + c.dirs().upper();
        return mounts(c).stream().filter(m -> m.fsType().equals("overlay") && m.superOptions().contains(upper)).findFirst();
    }

    /** The value of {@code key=} among a mount's super-block options, or "". */
    static String option(MountInfo.Mount m, String key) {
        return m.superOptions().stream().filter(o -> o.startsWith(key + "=")).map(o -> o.substring(key.length() + 1))
                .findFirst().orElse("");
    }

    /** Its pid in each PID namespace it is in, outermost (the host's) first. */
    static List<Integer> nsPids(int hostPid) {
        return HostPids.nsPids(hostPid);
    }

    /**
     * The identity (device and inode) of a directory, for telling two paths to the same directory apart
     * from two equal-looking trees. {@code /proc/PID/root} leads to the process's root directory itself.
     */
    static Object identity(Path dir) {
        try {
            return Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            throw CwbException.notFound("cannot look at " + dir + ": " + CwbException.reason(e), null);
        }
    }

    /**
     * Runs {@code task} on a new platform thread that first joins namespace {@code kind} of process
     * {@code pid} with setns(2), then ends (the namespace stays with the container). Namespaces belong to a
     * thread; this one is made for the look and thrown away, so nothing else of the workbench moves. Its
     * calls are not part of the session's trace: the container did not make them.
     *
     * <p>setns(2) needs {@code CAP_SYS_ADMIN} (and for a mount namespace {@code CAP_SYS_CHROOT}) in the
     * caller's own user namespace, so without root this fails with EPERM and the check says so.
     */
    static <T> T inNamespaceOf(int pid, String kind, Callable<T> task) {
        Syscalls calls = new Syscalls(SyscallListener.NONE);
        try (NamespaceThread thread = NamespaceThread.start("cwb-check " + kind, calls)) {
            return thread.call(() -> {
                int fd = calls.open("/proc/" + pid + "/ns/" + kind, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
                try {
                    calls.setns(fd, flag(kind));
                } finally {
                    calls.close(fd);
                }
                return task.call();
            });
        } catch (CwbException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CwbException.notFound("interrupted while looking into the " + kind + " namespace of pid " + pid, null);
        } catch (Exception e) {
            throw CwbException.notFound("cannot look into the " + kind + " namespace of pid " + pid + ": " + e.getMessage()
                    + (dev.cwb.WorkbenchHome.isRoot() ? "" : " (looking inside needs root)"), null);
        }
    }

    private static int flag(String kind) {
        return switch (kind) {
            case "uts" -> CloneFlags.CLONE_NEWUTS;
            case "mnt" -> CloneFlags.CLONE_NEWNS;
            case "ipc" -> CloneFlags.CLONE_NEWIPC;
            case "net" -> CloneFlags.CLONE_NEWNET;
            case "cgroup" -> CloneFlags.CLONE_NEWCGROUP;
            default -> throw new IllegalArgumentException("not joined by a check: " + kind);
        };
    }
}
