package dev.cwb.lesson;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cgroup checks on a real container (as root), on whichever cgroup version this host runs: each
 * limit is read back from the kernel's file, and each counter moves only when the limit was really hit.
 */
class CgroupChecksTest {
    @TempDir
    static Path home;
    static CheckBench bench;

    @BeforeAll
    static void samples() {
        Requirements.requireCommand("busybox", "busybox-static");
        bench = new CheckBench(home);
    }

    @AfterAll
    static void removeContainers() {
        if (bench != null) {
            bench.removeAll();
        }
    }

    @Test
    void limitsAreReadFromTheKernelsFilesAndTheirCountersMoveOnlyWhenHit() {
        Requirements.requireRoot();
        bench.run("new cg1 from busybox", "unshare -c cg1 mnt pid", "overlay -c cg1", "mount -c cg1 proc", "mount -c cg1 dev",
                "pivot_root -c cg1");
        assertTrue(bench.fails("in-cgroup cg1").saw().contains("has no cgroup")); // cgroup create left out
        bench.fails("cgroup-limit cg1 memory 64M");
        bench.run("cgroup -c cg1 create");
        bench.passes("in-cgroup cg1");

        bench.fails("cgroup-limit cg1 memory 64M"); // no limit yet: the file says max (or a huge number)
        bench.run("cgroup -c cg1 set memory 64M");
        assertTrue(bench.passes("cgroup-limit cg1 memory 64M").saw().contains("67108864"));
        bench.fails("cgroup-limit cg1 memory 32M");
        bench.fails("oom-killed cg1");
        String out = bench.runAnyway("exec -c cg1 sh -c 'a=x; while true; do a=$a$a; done'");
        assertTrue(out.contains("OOM killer"), out);
        bench.passes("oom-killed cg1");

        bench.fails("pids-limit-hit cg1");
        bench.run("cgroup -c cg1 set pids 20");
        bench.passes("cgroup-limit cg1 pids 20");
        // a limit alone refuses nothing, and the check says so
        assertTrue(bench.fails("pids-limit-hit cg1").saw().contains("max 0 — no fork in the group was refused yet"));
        bench.runAnyway("exec -c cg1 sh -c 'for i in $(seq 30); do sleep 1 & done; wait'");
        bench.passes("pids-limit-hit cg1");

        bench.fails("cgroup-limit cg1 cpu 0.5");
        bench.run("cgroup -c cg1 set cpu 0.5");
        bench.passes("cgroup-limit cg1 cpu 0.5");
        bench.fails("cgroup-limit cg1 cpu 0.25");
        bench.fails("cpu-throttled cg1");
        bench.runAnyway("exec -c cg1 timeout 1 sh -c 'while :; do :; done'");
        bench.passes("cpu-throttled cg1");

        assertTrue(bench.fails("cgroup-limit cg1 disk 1G").saw().contains("no limit called 'disk'"));
        bench.run("rm cg1");
        bench.passes("container-absent cg1");
    }
}
