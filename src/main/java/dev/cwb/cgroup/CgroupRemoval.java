package dev.cwb.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Emptying and removing a cgroup, the same for both versions. A cgroup directory can only be removed once
 * no process is inside (rmdir(2) gives EBUSY otherwise), and a process the OOM killer or a SIGKILL has hit
 * leaves the group only when it has finished exiting, so removal kills, then waits, then removes.
 */
final class CgroupRemoval {
    static final long WAIT_MILLIS = 5_000;

    private CgroupRemoval() {
    }

    /**
     * Kills what {@code procsFiles} list until they stay empty (a process may fork while we kill: the loop
     * catches its children on the next round), then removes {@code dirs} in order.
     *
     * @param killAll writes {@code cgroup.kill} when the kernel has it (v2, Linux 5.14): one atomic kill of the
     *                whole group; returns false when it does not
     */
    static void killWaitRemove(CgroupFiles files, List<Path> procsFiles, Supplier<Boolean> killAll, List<Path> dirs)
            throws CgroupFiles.Failure {
        boolean atomic = dirs.stream().anyMatch(Files::isDirectory) && killAll.get();
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            boolean empty = true;
            for (Path procs : procsFiles) {
                for (long pid : CgroupFiles.pids(procs)) {
                    empty = false;
                    if (!atomic) {
                        files.kill(procs, pid);
                    }
                }
            }
            if (empty || System.currentTimeMillis() > deadline) {
                break;
            }
            sleep();
        }
        for (Path dir : dirs) {
            removeDirectory(files, dir, deadline);
        }
    }

    /** rmdir, retried briefly on EBUSY: a killed task can still be listed while the kernel tears it down. */
    private static void removeDirectory(CgroupFiles files, Path dir, long deadline) throws CgroupFiles.Failure {
        while (Files.isDirectory(dir)) {
            try {
                files.rmdir(dir);
                return;
            } catch (CgroupFiles.Failure f) {
                if (f.errno() != CgroupErrors.EBUSY || System.currentTimeMillis() > deadline) {
                    throw f;
                }
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "interrupted while removing a cgroup",
                    "remove it later with cleanup");
        }
    }
}
