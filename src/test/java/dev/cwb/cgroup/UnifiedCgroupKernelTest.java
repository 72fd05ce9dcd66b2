package dev.cwb.cgroup;

import dev.cwb.CwbException;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The v2 driver in this host's cgroup2 mount, whatever the mode: on a hybrid host that mount has no
 * memory/pids/cpu controller, and the driver must still make, fill, account CPU for, and remove a group,
 * and say clearly why it cannot set a limit.
 */
class UnifiedCgroupKernelTest {
    @Test
    void makesJoinsAccountsAndRemovesAGroupInTheCgroup2Mount() throws Exception {
        Requirements.requireRoot();
        CgroupHost host = CgroupHost.detect();
        Requirements.require(host.unified().isPresent(), "needs a cgroup2 mount: " + host.explanation());
        Path root = host.unified().orElseThrow();
        CgroupTrace trace = new CgroupTrace();
        UnifiedCgroup g = UnifiedCgroup.create(root, "test-v2-" + ProcessHandle.current().pid(), trace, null);
        Process p = new ProcessBuilder("/bin/busybox", "sh", "-c", "while :; do :; done").start();
        try {
            g.addProcess(p.pid());
            assertEquals(List.of(p.pid()), g.processes());
            Thread.sleep(200);
            assertTrue(g.usage().cpu().orElseThrow().toMillis() > 0, "cpu.stat counts the loop's time: " + g.usage());
            if (!host.unifiedControllers().contains("memory")) {
                CwbException e = assertThrows(CwbException.class, () -> g.setMemoryLimit(20L << 20));
                assertEquals(CwbException.UNSUPPORTED, e.exitCode());
                assertTrue(e.getMessage().contains("the cgroup2 root " + root + " offers"), e.getMessage());
                assertTrue(e.oneLine().contains("v1"), e.oneLine());
            } else {
                g.setMemoryLimit(20L << 20);
                assertEquals("20971520", Files.readString(g.directories().get(0).resolve("memory.max")).trim());
            }
            g.remove();
            assertTrue(p.waitFor(5, TimeUnit.SECONDS), "removal killed the loop");
            assertFalse(Files.exists(g.directories().get(0)));
            boolean killFile = Files.exists(root.resolve("cgroup.kill")) || Files.exists(root.resolve("cwb/cgroup.kill"));
            assertTrue(trace.writes().stream().anyMatch(w -> w.path().endsWith("cgroup.kill")) || !killFile,
                    "cgroup.kill used when the kernel has it: " + trace.writes());
        } finally {
            p.destroyForcibly();
            p.waitFor();
            if (Files.exists(g.directories().get(0))) {
                g.remove();
            }
        }
    }
}
