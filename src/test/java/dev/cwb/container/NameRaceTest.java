package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workbenches of separate JVMs — two homes, so their containers meet only in the machine's cgroups — choosing
 * container names at the same moment get distinct names, and a {@code --name} another workbench holds is
 * refused in one line. The image has a name of this test's own, so its containers' names ({@code tNNNNNN-box-1})
 * compete with no other test on the machine.
 */
class NameRaceTest {
    @TempDir
    static Path home;
    @TempDir
    static Path otherHome;
    @TempDir
    static Path context;
    static ContainerBench cwb;
    static ContainerBench other;
    static String image;

    @BeforeAll
    static void buildImages() throws IOException {
        cwb = ContainerBench.open(home);
        other = ContainerBench.open(otherHome);
        image = cwb.prefix() + "box";
        Files.writeString(context.resolve("Dockerfile"), "FROM busybox\nLABEL test=names\n");
        cwb.ok("build", "-t", image, context.toString());
        other.ok("build", "-t", image, context.toString());
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
    void workbenchesStartingContainersAtOnceGetDistinctNames() throws Exception {
        List<Process> procs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Path h = i % 2 == 0 ? home : otherHome;
                Path log = h.resolve("race-" + i + ".log");
                ProcessBuilder pb = new ProcessBuilder(ContainerBench.workbenchJvm()).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("CWB_HOME", h.toString());
                pb.environment().put("CWB_NO_SAMPLES", "1");
                procs.add(pb.start()); // commands piped on stdin: one at a time, as written
                logs.add(log);
            }
            // each JVM up and warm (its image store read) before any chooses a name, so all choose at once
            for (Process p : procs) {
                p.getOutputStream().write(("inspect " + image + "\n").getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            for (Path log : logs) {
                while (!Files.readString(log).contains(image) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(Files.readString(log).contains(image), Files.readString(log));
            }
            for (Process p : procs) {
                OutputStream in = p.getOutputStream();
                in.write(("run " + image + " sleep 3\n").getBytes(StandardCharsets.UTF_8));
                in.close();
            }
            Set<String> names = new HashSet<>();
            Pattern ran = Pattern.compile("sleep 3 in (\\S+) \\(pid \\d+ on the host, 1 inside\\) exited 0");
            for (int i = 0; i < procs.size(); i++) {
                assertTrue(procs.get(i).waitFor(120, TimeUnit.SECONDS), "workbench " + i + " did not end");
                String out = Files.readString(logs.get(i));
                assertEquals(0, procs.get(i).exitValue(), out);
                assertFalse(out.contains("error:"), out);
                Matcher m = ran.matcher(out);
                assertTrue(m.find(), out);
                names.add(m.group(1));
            }
            assertEquals(6, names.size(), "the six containers ran at once, each with a name of its own: " + names);
            assertTrue(names.stream().allMatch(n -> n.matches(Pattern.quote(image) + "-[1-6]")), names.toString());
        } finally {
            procs.forEach(Process::destroyForcibly);
        }
        assertEquals(List.of(), ContainerBench.cgroupsNamed(image), "no cgroup is left");
        assertEquals(List.of(), reservations(), "every name is given back");
    }

    @Test
    void aNameAnotherWorkbenchHoldsIsRefusedInOneLine() throws Exception {
        String name = cwb.name("held");
        Process holder = ContainerBench.inBackground(otherHome, "holder.log", "run", "--name", name, image, "sleep", "30");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ContainerBench.cgroupsNamed(name).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(ContainerBench.cgroupsNamed(name).isEmpty(), Files.readString(otherHome.resolve("holder.log")));

            ContainerBench.Result r = cwb.run("run", "--name", name, image, "true");
            assertNotEquals(0, r.code(), r.toString());
            assertEquals(1, r.err().lines().count(), r.toString());
            assertTrue(r.err().startsWith("error: the name " + name + " is taken on this machine: a container of another workbench (pid "
                    + holder.pid() + ", CWB_HOME " + otherHome), r.toString());
            assertFalse(Files.exists(cwb.workspace(name)), "nothing was made");
        } finally {
            holder.destroy();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), ContainerBench.cgroupsNamed(name));
    }

    @Test
    void aKilledWorkbenchsReservationBlocksNothingAndCleanupRemovesIt() throws Exception {
        // a workbench killed between choosing a name and removing its container: its reservation stays
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path dir = NameReservations.of(cwb.harness().workbench().home()).dir();
        Files.createDirectories(dir);
        String staleName = image + "-1";
        Files.writeString(dir.resolve(staleName), "pid=" + dead.pid() + "\nstart=1\nhome=" + otherHome + "\n");

        ContainerBench.Result r = cwb.ok("run", image, "true");
        assertTrue(r.err().contains("true in " + staleName + " (pid "), "the stale reservation blocks nothing: " + r);

        Files.writeString(dir.resolve(image + "-7"), "pid=" + dead.pid() + "\nstart=1\nhome=" + otherHome + "\n");
        ContainerBench.Result c = cwb.ok("cleanup");
        assertTrue(c.out().contains("Removed the reservation of the container name " + image + "-7 in " + dir
                + " (its process " + dead.pid() + " is gone)"), c.toString());
        assertEquals(List.of(), reservations());
    }

    /** The reservations of this test's names. */
    private static List<String> reservations() throws IOException {
        Path dir = NameReservations.of(cwb.harness().workbench().home()).dir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(cwb.prefix())).sorted().toList();
        }
    }
}
