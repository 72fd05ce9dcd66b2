package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names the workbench picks itself are free on the whole machine, not only in its own home. */
class ContainerNamesTest {
    @TempDir
    static Path home;
    @TempDir
    static Path otherHome;
    static ContainerBench cwb;
    static ContainerBench other;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
        other = ContainerBench.open(otherHome);
    }

    @AfterAll
    static void removeContainers() {
        if (other != null) {
            other.close();
        }
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void aDefaultNameSkipsACgroupAnotherWorkbenchHolds() {
        // another workbench, with a home of its own, holds a cgroup named like its container
        ContainerBench.Result made = other.ok("new", "busybox");
        Matcher m = Pattern.compile("Container (busybox-\\d+): ").matcher(made.out());
        assertTrue(m.find(), made.toString());
        String taken = m.group(1);
        other.ok("cgroup", "create");

        // this one has no container yet, yet must not pick that name: its cgroup would collide
        ContainerBench.Result run = cwb.ok("run", "busybox", "true");
        Matcher r = Pattern.compile(" in (busybox-\\d+) \\(pid ").matcher(run.err());
        assertTrue(r.find(), run.toString());
        assertNotEquals(taken, r.group(1));
        other.ok("rm");
    }
}
