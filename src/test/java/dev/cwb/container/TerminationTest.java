package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A workbench process that gets SIGTERM in the middle of {@code run} (a real signal to a real JVM, as
 * {@code kill PID}, a service manager or a closing terminal send it): the container is taken down once, by
 * the shutdown hook, the workbench prints nothing more, the exit status is 143 (128 + 15, as shells report a
 * process SIGTERM ended), and nothing is left: no process, cgroup, mount, workspace or name reservation.
 */
class TerminationTest {
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
    void sigtermWhileTheCommandRunsRemovesTheContainerOnceAndSaysNothing() throws Exception {
        String name = cwb.name("during-run");
        Process p = ContainerBench.inBackground(home, "term.log", "run", "--name", name, "busybox", "sleep", "60");
        int sleep = awaitSleep(p, Duration.ofSeconds(60));
        assertTrue(ProcessHandle.of(sleep).isPresent());
        assertFalse(ContainerBench.cgroupsNamed(name).isEmpty(), "the container has its cgroup");

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the workbench ended");
        String log = Files.readString(home.resolve("term.log"));
        assertEquals(143, p.exitValue(), log);
        assertEquals("", log, "nothing is printed after SIGTERM (no error about a container already removed)");
        assertNothingLeft(name, p.pid(), sleep);
    }

    @Test
    void sigtermAtAnyMomentOfSetUpLeavesNothingAndPrintsNoError() throws Exception {
        signalAtMomentsOfSetUp("TERM", 143);
    }

    private static void signalAtMomentsOfSetUp(String signal, int status) throws Exception {
        for (int delay : new int[] {400, 800, 1200, 1600, 2000}) {
            String name = cwb.name("set-up-" + delay);
            Process p = ContainerBench.inBackground(home, "early.log", "run", "--name", name, "busybox", "sleep", "60");
            Thread.sleep(delay); // JVM start-up, image lookup, the set-up's steps, or the command already running
            List<Integer> seen = ProcessHandle.of(p.pid()).map(h -> HostPids.descendants((int) h.pid())).orElse(List.of());
            assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the workbench ended");
            String log = Files.readString(home.resolve("early.log"));
            assertEquals(status, p.exitValue(), "SIG" + signal + " after " + delay + " ms: " + log);
            if (signal.equals("TERM")) {
                assertFalse(log.contains("error"), "after " + delay + " ms: " + log);
            }
            assertFalse(log.contains("warning"), "SIG" + signal + " after " + delay + " ms: " + log);
            for (int pid : seen) {
                awaitGone(pid);
            }
            assertNothingLeft(name, p.pid(), -1);
        }
    }

    @Test
    void sigtermToAShimEndsItsContainerAndKeepsItForPsAndLogs() throws Exception {
        String name = cwb.name("shim");
        cwb.ok("run", "-d", "--name", name, "busybox", "sh", "-c", "echo hello from $(hostname); exec sleep 60");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cwb.ok("logs", name).out().contains("hello") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Detached d = Detached.load(cwb.workspace(name));
        assertTrue(d != null && !d.exited(), "the shim recorded its container");
        ProcessHandle shim = ProcessHandle.of(d.shimPid()).orElseThrow();
        List<Integer> processes = HostPids.descendants((int) d.shimPid());
        assertFalse(processes.isEmpty());

        shim.destroy(); // SIGTERM, as kill SHIM_PID
        shim.onExit().get(30, TimeUnit.SECONDS);
        for (int pid : processes) {
            awaitGone(pid);
        }
        assertEquals(List.of(), ContainerBench.cgroupsNamed(name), "no cgroup is left");
        // as if PID 1 had ended by itself: the shim took it down its own way, the workspace kept, the ending recorded
        ContainerBench.Result ps = cwb.ok("ps", "-a");
        assertTrue(ps.out().lines().anyMatch(l -> l.contains(name) && l.contains("Exited (137)")), ps.toString());
        ContainerBench.Result logs = cwb.ok("logs", name);
        assertEquals("hello from " + name + "\n", logs.out(), logs.toString());
        cwb.ok("rm", name);
        assertFalse(Files.exists(cwb.workspace(name)));
        assertEquals(List.of(), ContainerBench.hostMountsUnder(home), "no mount is left");
        assertEquals(List.of(), leasesOf(name));
    }

    /** The pid of the container's {@code sleep}, once it runs: a descendant of the workbench (through cwb-init). */
    private static int awaitSleep(Process workbench, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && workbench.isAlive()) {
            Optional<Integer> sleep = HostPids.descendants((int) workbench.pid()).stream()
                    .filter(pid -> comm(pid).equals("sleep")).findFirst();
            if (sleep.isPresent()) {
                return sleep.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the container's sleep never ran:\n" + Files.readString(home.resolve("term.log")));
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).trim();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void awaitGone(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (HostPids.exists(pid) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(HostPids.exists(pid), "process " + pid + " (" + HostPids.commandLine(pid) + ") outlived the workbench");
    }

    private static void assertNothingLeft(String name, long workbenchPid, int sleep) throws Exception {
        if (sleep > 0) {
            awaitGone(sleep);
        }
        assertEquals(List.of(), ContainerBench.cgroupsNamed(name), "no cgroup is left");
        assertFalse(Files.exists(cwb.workspace(name)), "no workspace is left");
        assertEquals(List.of(), ContainerBench.hostMountsUnder(home), "no mount is left");
        Path reservation = NameReservations.of(cwb.harness().workbench().home()).dir().resolve(name);
        assertFalse(Files.exists(reservation), "the name is given back");
        assertFalse(HostPids.exists((int) workbenchPid), "the workbench is gone");
        assertEquals(List.of(), leasesOf(name), "no lease on the bridge is left (nor its rules)");
    }

    /** The leases on the host's bridge ({@code /run/cwb/net/leases}) of container {@code name}. */
    private static List<String> leasesOf(String name) throws java.io.IOException {
        Path leases = Path.of(System.getProperty("cwb.net.state", "/run/cwb/net"), "leases");
        if (!Files.isDirectory(leases)) {
            return List.of();
        }
        try (var s = Files.list(leases)) {
            return s.filter(f -> {
                try {
                    return Files.readString(f).contains("container=" + name + "\n");
                } catch (java.io.IOException e) {
                    return false;
                }
            }).map(Path::toString).toList();
        }
    }
}
