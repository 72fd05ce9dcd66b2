package dev.cwb.container;

import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Taking a container down, in the order that leaves nothing behind: processes first (a mount or cgroup
 * in use cannot go), then cwb-init, the cgroup, mounts made in the host's namespace, and the workspace.
 * Mounts made inside the container's own mount namespace need no unmounting: the kernel drops that
 * namespace, and every mount in it, when its last process is gone.
 */
final class ContainerRemoval {
    private ContainerRemoval() {
    }

    /** Removes {@code c}; returns notes on anything that could not be removed. */
    static List<String> remove(Container c) {
        return remove(c, false, true);
    }

    /**
     * Removes {@code c}; with {@code keepWorkspace} everything but its workspace (a detached container that
     * exited: its upper directory, log and state stay for {@code ps -a}, {@code logs}, {@code start} and
     * {@code rm}). Its overlay and other mounts were made in its own mount namespace and are gone with it.
     * With {@code anonymousVolumes} false its anonymous volumes stay in the store, as {@code docker rm}
     * without {@code -v} leaves them: no container uses them any more, {@code volume prune} removes them.
     */
    static List<String> remove(Container c, boolean keepWorkspace, boolean anonymousVolumes) {
        List<String> problems = new ArrayList<>();
        killProcesses(c);
        c.current().close();
        c.first().close();
        c.first().kill();
        c.first().reap();
        if (c.cgroup() != null) {
            try {
                c.cgroup().writeThrough(c.hostCalls()); // the container's processes are gone: the workbench's thread removes it
                c.cgroup().remove();
            } catch (RuntimeException e) {
                problems.add("cgroup " + c.cgroup().name() + ": " + e.getMessage());
            }
        }
        unmountHostMounts(c.hostMounts(), c.hostCalls(), problems);
        if (!keepWorkspace) { // a kept (exited, detached) container keeps its anonymous volumes too, until rm
            if (anonymousVolumes) {
                dev.cwb.volume.ContainerVolumes.release(c.dirs().dir(), problems); // its anonymous volumes, as --rm and rm -v
            }
            deleteWorkspace(c.dirs().dir(), problems);
        }
        return problems;
    }

    /**
     * Detaches, last first, what a container mounted in the host's own namespace and is still mounted
     * (the calls are this JVM's, traced through {@code hostCalls}); failures go to {@code problems}.
     */
    static void unmountHostMounts(List<String> mountPoints, dev.cwb.kernel.Syscalls hostCalls, List<String> problems) {
        List<String> lastFirst = new ArrayList<>(mountPoints);
        java.util.Collections.reverse(lastFirst);
        for (String target : lastFirst) {
            try {
                if (MountInfo.isMountPoint(Path.of(target))) {
                    hostCalls.umount2(target, MountFlags.MNT_DETACH);
                }
            } catch (SyscallException e) {
                problems.add("unmount " + target + ": " + e.getMessage());
            }
        }
    }

    /** SIGKILL to PID 1 (which ends its whole PID namespace) and to every descendant of cwb-init. */
    static void killProcesses(Container c) {
        List<Integer> victims = new ArrayList<>(HostPids.descendants(c.first().pid()));
        if (c.cgroup() != null) {
            try {
                c.cgroup().processes().forEach(p -> victims.add(p.intValue()));
            } catch (RuntimeException e) {
                // the group is already gone
            }
        }
        for (int pid : victims) {
            if (pid != c.first().pid()) {
                dev.cwb.kernel.Kernel.killQuietly(pid);
            }
        }
    }

    /**
     * Deletes the workspace, unless something is still mounted under it: deleting through a bind mount
     * would delete the host's own files. The walk keeps its own stack (a container may leave a directory
     * tree thousands deep in its upper layer) and never follows a symbolic link. A directory it cannot
     * open — overlayfs leaves {@code work/work} with mode 000, which only root could list as it is — is
     * made accessible to its owner first, then walked.
     */
    static void deleteWorkspace(Path dir, List<String> problems) {
        List<Path> stillMounted = MountInfo.under(dir);
        if (!stillMounted.isEmpty()) {
            problems.add("left " + dir + " in place: still mounted there: " + stillMounted
                    + " (unmount with umount -l, then run cleanup)");
            return;
        }
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                    // overlayfs leaves work/work with mode 000: unreadable even to its owner until chmod
                    if (e instanceof java.nio.file.AccessDeniedException && Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && f.toFile().setReadable(true, true) && f.toFile().setWritable(true, true)
                            && f.toFile().setExecutable(true, true)) {
                        Files.walkFileTree(f, this);
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            problems.add("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
