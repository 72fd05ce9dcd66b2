package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compare}: one command on the host and in a container, side by side, the differences marked. */
class CompareTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void open() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void theHostsNameAndTheContainersStandSideBySideMarkedDifferent() throws IOException {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        ContainerBench.Result r = cwb.ok("compare", "hostname");
        assertTrue(r.lines().stream().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(host) + "\\s+≠\\s+busybox-\\d+")), r.toString());
        assertTrue(r.out().contains("1 of 1 lines differ"), r.toString());

        // The same bytes from the same program: nothing is marked.
        r = cwb.ok("compare", "echo", "same", "on", "both");
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("same on both\\s+=\\s+same on both")), r.toString());
        assertTrue(r.out().contains("No difference"), r.toString());

        // The container's / is the image's: busybox's linuxrc is there and nowhere on this host.
        r = cwb.ok("compare", "ls", "/");
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("\\s+>\\s+linuxrc|.*≠\\s+linuxrc")), r.toString());
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("bin\\s+=\\s+bin")), r.toString());
    }
}
