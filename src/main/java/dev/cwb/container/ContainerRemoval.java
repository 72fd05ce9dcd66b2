package dev.cwb.container;

import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.io.File;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
        List<String> problems = new ArrayList<>();
        killProcesses(c);
        c.current().close();
        c.first().close();
        c.first().kill();
        c.first().reap();
        if (c.cgroup() != null) {
            try {
                c.cgroup().remove();
            } catch (RuntimeException e) {
                problems.add("cgroup " + c.cgroup().name() + ": " + e.getMessage());
            }
        }
        List<String> hostMounts = new ArrayList<>(c.hostMounts());
        java.util.Collections.reverse(hostMounts);
        for (String target : hostMounts) {
            try {
                if (MountInfo.isMountPoint(Path.of(target))) {
                    c.hostCalls().umount2(target, MountFlags.MNT_DETACH);
                }
            } catch (SyscallException e) {
                problems.add("unmount " + target + ": " + e.getMessage());
            }
        }
        deleteWorkspace(c.dirs().dir(), problems);
        return problems;
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
     * would delete the host's own files.
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
            deleteTree(dir);
        } catch (IOException e) {
            problems.add("could not delete " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Deletes a tree without following symbolic links. Each directory is made accessible to its owner
     * <em>before</em> it is opened: overlayfs leaves {@code work/work} with mode 000, which only root could
     * list as it is — and in a user namespace (rootless) the workbench is not root. (Files.walkFileTree
     * opens a directory before its preVisitDirectory, too late for that.)
     */
    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            File d = p.toFile();
            d.setReadable(true, true);
            d.setWritable(true, true);
            d.setExecutable(true, true);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (Path e : entries) {
                    deleteTree(e);
                }
            }
        }
        Files.delete(p);
    }
}
