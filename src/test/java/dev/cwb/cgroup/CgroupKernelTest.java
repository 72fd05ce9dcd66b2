package dev.cwb.cgroup;

import dev.cwb.CwbException;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drivers on the real kernel, as root: limits are enforced and reported. Each test's child waits on
 * stdin until the test has moved it into the group, so everything it allocates or forks is charged there.
 */
class CgroupKernelTest {
    private static final String BUSYBOX = "/bin/busybox";
    @TempDir
    Path home;
    private Cgroups cgroups;
    private CgroupHost host;

    @BeforeEach
    void rootAndBusybox() {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of(BUSYBOX)), "needs /bin/busybox (apt-get install busybox-static)");
        host = CgroupHost.detect();
        Requirements.require(host.mode() != CgroupMode.NONE, "needs a cgroup file system: " + host.explanation());
        cgroups = new Cgroups(host, new CgroupTrace(), new CgroupOwners(home.resolve("owners")));
    }

    private static String unique(String what) {
        return "test-" + what + "-" + ProcessHandle.current().pid();
    }

    /** Starts {@code script} under busybox sh, held at a {@code read} until {@link #release}. */
    private static Process held(String script) throws Exception {
        return new ProcessBuilder(BUSYBOX, "sh", "-c", "read go; " + script).redirectErrorStream(true).start();
    }

    private static void release(Process p) throws Exception {
        OutputStream in = p.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.US_ASCII));
        in.close();
    }

    private static String finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not finish");
        return out;
    }

    private static void assertGone(Cgroup g) {
        for (Path d : g.directories()) {
            assertFalse(Files.exists(d), d + " is still there");
        }
    }

    @Test
    void twoMakingTheSameGroupAtOnceGetItOnceAndTheOtherIsRefused() throws Exception {
        // two workbenches (here two threads) that both looked and saw no group: the kernel's mkdir decides
        for (int round = 0; round < 20; round++) {
            String name = unique("race" + round);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
            List<java.util.concurrent.Future<Cgroup>> made = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                made.add(two.submit(() -> {
                    start.await();
                    return cgroups.create(name);
                }));
            }
            two.shutdown();
            List<Cgroup> got = new java.util.ArrayList<>();
            List<String> refused = new java.util.ArrayList<>();
            for (var f : made) {
                try {
                    got.add(f.get(30, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof CwbException, e.getCause().toString());
                    refused.add(e.getCause().getMessage());
                }
            }
            try {
                assertEquals(1, got.size(), "round " + round + ": exactly one of the two has the group; refused: " + refused);
                assertEquals(1, refused.size());
                assertTrue(refused.get(0).startsWith("cgroup " + name + " already exists ("), refused.get(0));
                for (Path d : got.get(0).directories()) {
                    assertTrue(Files.isDirectory(d), "the refused one took back nothing of the other's: " + d);
                }
            } finally {
                got.forEach(Cgroup::remove);
            }
            got.forEach(CgroupKernelTest::assertGone);
        }
    }

    @Test
    void aMemoryHogIsOomKilledAndTheKillIsCounted() throws Exception {
        Cgroup g = cgroups.create(unique("mem"));
        try {
            g.setMemoryLimit(CgroupLimits.parseMemory("20M"));
            // dd's 60 MiB buffer is anonymous memory, touched page by page as /dev/zero fills it.
            Process p = held("exec " + BUSYBOX + " dd if=/dev/zero of=/dev/null bs=60M count=1");
            g.addProcess(p.pid());
            assertEquals(List.of(p.pid()), g.processes());
            release(p);
            finish(p);
            assertEquals(137, p.exitValue(), "the hog died of SIGKILL (Java, like a shell, reports 128 + 9)");
            assertEquals(OomKills.counted(1), g.oomKills());
            CgroupUsage u = g.usage();
            assertTrue(u.memoryPeak().orElseThrow() <= 20L << 20, "peak within the limit: " + u);
            assertTrue(u.memoryPeak().orElseThrow() > 10L << 20, "the hog got close to the limit: " + u);
        } finally {
            g.remove();
        }
        assertGone(g);
    }

    @Test
    void aPidsLimitMakesForkFail() throws Exception {
        Cgroup g = cgroups.create(unique("pids"));
        try {
            g.setPidsLimit(5);
            // The sleeps do not hold the output pipe, so the shell's fork failure ends the read below.
            Process p = held("for i in 1 2 3 4 5 6 7 8 9 10; do " + BUSYBOX + " sleep 30 >/dev/null 2>&1 & done; wait");
            g.addProcess(p.pid());
            release(p);
            String out = finish(p);
            assertTrue(out.contains("can't fork: Resource temporarily unavailable"), out);
            long inside = g.usage().pids().orElseThrow();
            assertTrue(inside <= 5 && inside >= 1, "pids.current " + inside + " (the sleeps that did start)");
            assertEquals(inside, g.processes().size(), "each process counted once");
        } finally {
            g.remove(); // the sleeps that did start are still inside: remove must kill them
        }
        assertGone(g);
        assertTrue(g.writes().stream().anyMatch(w -> w.action() == CgroupWrite.Action.KILL
                || w.path().getFileName().toString().equals("cgroup.kill")), "removal killed the sleeps: " + g.writes());
    }

    @Test
    void aCpuLimitSlowsABusyLoop() throws Exception {
        Cgroup g = cgroups.create(unique("cpu"));
        try {
            g.setCpuLimit(CgroupLimits.parseCpus("0.2"));
            Process p = held("while :; do :; done");
            g.addProcess(p.pid());
            release(p);
            Thread.sleep(1000);
            Duration used = g.usage().cpu().orElseThrow();
            p.destroyForcibly();
            p.waitFor();
            assertTrue(used.toMillis() < 500, "a 0.2 CPU group used " + used.toMillis() + " ms in 1 s");
            assertTrue(used.toMillis() > 50, "the loop did run inside the group: " + used.toMillis() + " ms");
        } finally {
            g.remove();
        }
        assertGone(g);
    }

    @Test
    void removalKillsWhatIsInsideAndRemovesEveryDirectory() throws Exception {
        Cgroup g = cgroups.create(unique("rm"));
        Process p = held("exec " + BUSYBOX + " sleep 60");
        try {
            g.addProcess(p.pid());
            assertEquals(List.of(p.pid()), g.processes());
            g.remove();
            assertTrue(p.waitFor(5, TimeUnit.SECONDS), "the sleep was killed");
            assertEquals(137, p.exitValue());
            assertGone(g);
            g.remove(); // already gone: not an error
        } finally {
            p.destroyForcibly();
            if (g.directories().stream().anyMatch(Files::exists)) {
                g.remove();
            }
        }
    }

    @Test
    void rmdirOfAGroupWithAProcessInsideIsExplained() throws Exception {
        Cgroup g = cgroups.create(unique("busy"));
        Process p = held("exec " + BUSYBOX + " sleep 60");
        try {
            g.addProcess(p.pid());
            Path dir = g.directories().get(0);
            CgroupFiles files = new CgroupFiles(new CgroupTrace());
            CgroupFiles.Failure f = assertThrows(CgroupFiles.Failure.class, () -> files.rmdir(dir));
            CwbException e = CgroupErrors.of(f, g.version());
            assertEquals("cannot remove cgroup " + dir + ": EBUSY (Device or resource busy) (processes are still inside,"
                    + " or it has child groups)", e.getMessage());
        } finally {
            g.remove();
        }
    }

    @Test
    void aSecondGroupByTheSameNameIsRefused() {
        Cgroup g = cgroups.create(unique("twice"));
        try {
            CwbException e = assertThrows(CwbException.class, () -> cgroups.create(g.name()));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            assertTrue(cgroups.names().contains(g.name()));
        } finally {
            g.remove();
        }
    }
}
