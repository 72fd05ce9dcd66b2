package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits set with {@code run --memory} and {@code --pids} are enforced by the kernel, and the workbench says so. */
class CgroupLimitsKernelTest {
    /**
     * busybox has no allocator to call, but a shell holds what a command substitution captures: 32 MB of
     * 'a' kept in a variable. (tr turns the zeros into letters: a shell variable cannot hold NUL bytes.)
     */
    private static final String HOG = "x=$(head -c 32000000 /dev/zero | tr '\\0' a); echo ${#x}";

    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void aMemoryLimitOomKillsAHogAndTheWorkbenchReportsIt() throws IOException {
        // with room enough, the same command runs to its end: it is the limit that kills it below
        ContainerBench.Result roomy = cwb.ok("run", "--name", cwb.name("roomy"), "--memory", "256M", "busybox", "sh", "-c", HOG);
        assertEquals("32000000", roomy.lines().get(0), roomy.toString());
        assertFalse(roomy.out().contains("OOM"), roomy.toString());
        assertTrue(roomy.err().contains("exited 0"), roomy.toString()); // the workbench's own line: on stderr

        ContainerBench.Result hog = cwb.run("run", "--name", cwb.name("hog"), "--memory", "16M", "busybox", "sh", "-c", HOG);
        assertEquals(137, hog.code(), hog.toString()); // 128 + SIGKILL, as a shell reports it
        assertFalse(hog.lines().contains("32000000"), hog.toString());
        String last = hog.err().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.contains("was killed by the OOM killer (killed by SIGKILL)"), hog.toString());
        assertTrue(last.contains("went over the cgroup's memory limit"), hog.toString());
        assertEquals(List.of(), ContainerBench.cgroupsNamed(cwb.name("hog")), "the cgroup was left behind");
    }

    @Test
    void aPidsLimitMakesForkFail() throws IOException {
        String loop = "for i in 1 2 3 4 5 6 7 8; do sleep 0.3 & done; wait; echo all started";
        ContainerBench.Result free = cwb.ok("run", "--name", cwb.name("forks"), "--pids", "20", "busybox", "sh", "-c", loop);
        assertTrue(free.lines().contains("all started"), free.toString());

        // PID 1 (sh) and four sleeps fill five: the fifth fork gets EAGAIN
        ContainerBench.Result limited = cwb.run("run", "--name", cwb.name("nofork"), "--pids", "5", "busybox", "sh", "-c", loop);
        assertNotEquals(0, limited.code(), limited.toString());
        assertTrue(limited.err().contains("can't fork: Resource temporarily unavailable"), limited.toString());
        assertFalse(limited.lines().contains("all started"), limited.toString());
        assertEquals(List.of(), ContainerBench.cgroupsNamed(cwb.name("nofork")), "the cgroup was left behind");
    }
}
