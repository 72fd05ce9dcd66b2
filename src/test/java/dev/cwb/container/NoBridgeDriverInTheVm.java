package dev.cwb.container;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run}'s default network on a kernel without the bridge driver: the test VM's kernel has no
 * modules, so {@code ip link add cwb0 type bridge} is answered {@code EOPNOTSUPP} there. The run goes on
 * with {@code lo} alone and says why; a bridge asked for by name still fails.
 *
 * <p>This class runs only inside the pure cgroup v2 VM ({@link CgroupV2VmTest} selects it). Its name does not
 * end in {@code Test}, so surefire leaves it out on the host, whose kernel has the driver.
 */
class NoBridgeDriverInTheVm {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        Requirements.require(!Files.exists(Path.of("/sys/module/bridge")), "the kernel has the bridge driver loaded");
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void theDefaultNetworkFallsBackToLoopbackAndSaysWhy() {
        ContainerBench.Result r = cwb.ok("run", "--name", cwb.name("nobr"), "busybox", "sh", "-c", "cat /proc/net/dev");
        assertTrue(r.err().contains("note: this kernel has no bridge driver (ip link add cwb0 type bridge: EOPNOTSUPP)"), r.toString());
        assertTrue(r.out().contains("lo:"), r.toString());
        assertFalse(r.out().contains("eth0"), r.toString());
    }

    @Test
    void aBridgeAskedForByNameFails() {
        ContainerBench.Result r = cwb.run("run", "--network", "bridge", "--name", cwb.name("br"), "busybox", "true");
        assertNotEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("EOPNOTSUPP"), r.toString());
        assertFalse(r.err().contains("note: this kernel has no bridge driver"), r.toString());
    }

    @Test
    void aPublishedPortNeedsTheBridgeAndFails() {
        ContainerBench.Result r = cwb.run("run", "-p", "8080:80", "--name", cwb.name("pub"), "busybox", "true");
        assertNotEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("EOPNOTSUPP"), r.toString());
        assertEquals(-1, r.err().indexOf("note: this kernel"), r.toString());
    }
}
