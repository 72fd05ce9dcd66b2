package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Detached containers on the real kernel: {@code run -d} from a workbench process that then exits, the
 * container kept by its shim; {@code ps}, {@code logs}, {@code exec}, {@code stop}, {@code rm -f} and a killed
 * shim from other workbenches; the host as it was after each.
 */
class DetachedContainerTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() throws Exception {
        if (cwb != null) {
            for (DetachedContainers.Entry e : new DetachedContainers(cwb.harness().workbench().containers()).all()) {
                cwb.run("rm", "-f", e.name());
            }
            cwb.close();
        }
    }

    /** What a separate workbench process ({@code java dev.cwb.Main ARGS}) wrote and returned. */
    record Fresh(int code, byte[] out, String err, long pid) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    /** Runs a workbench in a process of its own, which exits when its command is done. */
    static Fresh fresh(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "dev.cwb.Main", "--no-color"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("CWB_HOME", home.toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path err = Files.createTempFile("cwb-fresh", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        String e = Files.readString(err);
        Files.delete(err);
        return new Fresh(code, out, e, p.pid());
    }

    private static DetachedContainers.Entry entry(String name) {
        return new DetachedContainers(cwb.harness().workbench().containers()).find(name);
    }

    private static int ppid(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("PPid:")) {
                return Integer.parseInt(line.substring(5).strip());
            }
        }
        throw new AssertionError("no PPid for " + pid);
    }

    private static int sessionOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[3]); // state ppid pgrp session
    }

    /** Nothing of {@code name} on the host: no mount under the home, no cgroup, no workspace, no PID 1. */
    private static void assertGone(String name, int pid1) throws IOException {
        assertEquals(List.of(), ContainerBench.hostMountsUnder(home), "mounts left");
        assertEquals(List.of(), ContainerBench.cgroupsNamed(name), "cgroups left");
        assertFalse(Files.exists(cwb.workspace(name)), "workspace left");
        if (pid1 > 0) {
            assertFalse(HostPids.exists(pid1) && HostPids.commandLine(pid1).contains("sleep"), "PID 1 still runs");
        }
    }

    @Test
    void runDetachedOutlivesTheWorkbenchThatStartedIt() throws Exception {
        String name = cwb.name("outlive");
        Fresh run = fresh("run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c",
                "echo hello; echo oops >&2; sleep 0.2; printf 'bin\\377\\000ary'; exec sleep 1000");
        assertEquals(0, run.code(), run.err());
        assertEquals(name + "\n", run.text(), "run -d prints the name, as docker prints the id");
        assertFalse(ProcessHandle.of(run.pid()).isPresent(), "the workbench that ran run -d has exited");

        DetachedContainers.Entry e = entry(name);
        assertEquals(DetachedContainers.Status.RUNNING, e.status());
        int pid1 = e.livePid1();
        assertTrue(pid1 > 0, "PID 1 runs");
        // the shim holds PID 1: PID 1's parent is the shim's cwb-init, whose parent is the shim, in a session of its own
        int init = ppid(pid1);
        assertEquals(e.state().initPid(), init);
        assertEquals(e.detached().shimPid(), ppid(init), "the shim is the parent of PID 1's cwb-init");
        assertEquals(e.detached().shimPid(), sessionOf(e.detached().shimPid()), "the shim leads a session of its own (setsid)");
        assertNotEquals(run.pid(), ppid(e.detached().shimPid()));

        ContainerBench.Result ps = cwb.ok("ps");
        assertTrue(ps.out().lines().anyMatch(l -> l.contains(name) && l.contains("Up ")), ps.toString());

        // logs, from yet another workbench: the bytes exact, stdout and stderr apart
        Thread.sleep(300);
        Fresh logs = fresh("logs", name);
        assertEquals(0, logs.code(), logs.err());
        byte[] expected = "hello\nbin\377\000ary".getBytes(StandardCharsets.ISO_8859_1);
        assertArrayEquals(expected, logs.out());
        assertEquals("oops\n", logs.err());
        Fresh tail = fresh("logs", "--tail", "1", name);
        assertArrayEquals("bin\377\000ary".getBytes(StandardCharsets.ISO_8859_1), tail.out(), "--tail 1: the last line only");
        assertEquals("", tail.err(), "oops came before the last line");
        ContainerBench.Result stamped = cwb.ok("logs", "-t", name);
        assertTrue(stamped.out().matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z hello\n\\d{4}-.*Z bin.*"), stamped.out());

        // exec: its host name, its PID 1, its namespaces
        Fresh host = fresh("exec", name, "hostname");
        assertEquals(0, host.code(), host.err());
        assertEquals(name + "\n", host.text());
        assertEquals("sleep\u00001000\u0000", cwb.ok("exec", name, "cat", "/proc/1/cmdline").out());
        for (String ns : List.of("pid", "mnt", "net", "uts", "ipc", "cgroup")) {
            String inside = cwb.ok("exec", name, "readlink", "/proc/self/ns/" + ns).out().strip();
            assertEquals(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid1), "ns", ns)).toString(), inside, ns);
        }
        ContainerBench.Result status = cwb.run("exec", name, "sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals(7, status.code(), status.toString());
        assertEquals("out\n", status.out());
        assertTrue(status.err().startsWith("err\n"), status.err());

        // stop -t 2 of a PID 1 with no handler for SIGTERM: SIGKILL after 2 s, said
        long t0 = System.nanoTime();
        ContainerBench.Result stop = cwb.ok("stop", "-t", "2", name);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 1.9 && seconds < 8, "stop -t 2 took " + seconds + " s");
        assertTrue(stop.err().contains("has no handler for it") && stop.err().contains("kill(" + pid1 + ", SIGKILL) = 0"), stop.err());
        assertEquals(name + "\n", stop.out());
        DetachedContainers.Entry after = entry(name);
        assertEquals(DetachedContainers.Status.EXITED, after.status());
        assertEquals(137, after.detached().exitCode());
        assertTrue(cwb.ok("ps", "-a").out().contains("Exited (137)"));
        assertFalse(cwb.ok("ps").out().contains(name), "ps without -a leaves exited ones out");

        ContainerBench.Result execStopped = cwb.run("exec", name, "true");
        assertNotEquals(0, execStopped.code());
        assertTrue(execStopped.err().startsWith("error: container " + name + " is not running (Exited (137)"), execStopped.err());
        assertEquals(1, execStopped.err().lines().count(), execStopped.err());

        cwb.ok("rm", name);
        assertGone(name, pid1);
    }

    @Test
    void stopWithAHandlerNeedsNoKill() throws Exception {
        String name = cwb.name("trap");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c",
                "trap 'echo bye; exit 3' TERM; echo up; while true; do sleep 0.1; done");
        ContainerBench.Result stop = cwb.ok("stop", "-t", "20", name);
        assertTrue(stop.err().contains("SIGTERM ended it") && !stop.err().contains("SIGKILL"), stop.err());
        assertEquals(3, entry(name).detached().exitCode());
        assertEquals("up\nbye\n", cwb.ok("logs", name).out());
        cwb.ok("rm", name);
        assertGone(name, 0);
    }

    @Test
    void rmForceOfARunningContainerLeavesNothing() throws Exception {
        String name = cwb.name("rmf");
        cwb.ok("run", "-d", "--name", name, "--memory", "32M", "busybox", "sleep", "1000");
        int pid1 = entry(name).livePid1();
        assertTrue(pid1 > 0);
        assertFalse(ContainerBench.cgroupsNamed(name).isEmpty(), "it has a cgroup while it runs");
        ContainerBench.Result refused = cwb.run("rm", name);
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("is running") && refused.err().contains("rm -f " + name), refused.err());
        assertEquals(DetachedContainers.Status.RUNNING, entry(name).status(), "a refused rm leaves it running");
        cwb.ok("rm", "-f", name);
        assertGone(name, pid1);
        assertFalse(HostPids.exists(pid1), "PID 1 is gone");
    }

    @Test
    void aKilledShimIsReportedLostAndCleanupRemovesIt() throws Exception {
        String name = cwb.name("lost");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "1000");
        DetachedContainers.Entry e = entry(name);
        int pid1 = e.livePid1();
        ProcessHandle shim = ProcessHandle.of(e.detached().shimPid()).orElseThrow();
        shim.destroyForcibly();
        shim.onExit().get();
        for (int i = 0; i < 100 && HostPids.exists(pid1); i++) {
            Thread.sleep(20);
        }
        assertEquals(DetachedContainers.Status.LOST, entry(name).status());
        assertTrue(cwb.ok("ps").out().contains("Lost: its shim"), "ps says it is lost");
        ContainerBench.Result clean = cwb.ok("cleanup");
        assertTrue(clean.out().contains("Removed container " + name) && clean.out().contains("its shim"), clean.out());
        assertGone(name, pid1);
    }

    @Test
    void autoRemoveTakesItAllWhenTheCommandEnds() throws Exception {
        String name = cwb.name("autorm");
        cwb.ok("run", "-d", "--rm", "--network", "none", "--name", name, "busybox", "sh", "-c", "sleep 0.3");
        for (int i = 0; i < 300 && Files.exists(cwb.workspace(name)); i++) {
            Thread.sleep(20);
        }
        assertGone(name, 0);
    }

    @Test
    void startRunsItAgainOverItsUpperDirectoryAndExecTakesDockersOptions() throws Exception {
        String name = cwb.name("again");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c",
                "date >> /runs; echo run $(wc -l < /runs); exec sleep 1000");
        ContainerBench.Result opts = cwb.ok("exec", "-e", "GREETING=hi", "-w", "/tmp", "-u", "65534", name, "sh", "-c", "echo $GREETING $(pwd) $(id -u)");
        assertEquals("hi /tmp 65534\n", opts.out());
        ContainerBench.Result running = cwb.run("start", name);
        assertNotEquals(0, running.code());
        assertTrue(running.err().contains("is already running"), running.err());
        cwb.ok("stop", "-t", "1", name);
        int first = entry(name).state().pid1();
        assertEquals(name + "\n", cwb.ok("start", name).out());
        DetachedContainers.Entry e = entry(name);
        assertEquals(DetachedContainers.Status.RUNNING, e.status());
        assertNotEquals(first, e.livePid1(), "a new PID 1");
        assertEquals("2\n", cwb.ok("exec", name, "sh", "-c", "wc -l < /runs").out(), "the upper directory of the first run is kept");
        for (int i = 0; i < 100 && !cwb.ok("logs", name).out().contains("run 2"); i++) {
            Thread.sleep(20);
        }
        assertEquals("run 1\nrun 2\n", cwb.ok("logs", name).out(), "the log goes on");
        cwb.ok("restart", "-t", "1", name);
        assertEquals("3\n", cwb.ok("exec", name, "sh", "-c", "wc -l < /runs").out());
        cwb.ok("rm", "-f", name);
        assertGone(name, 0);
    }

    @Test
    void badInputIsOneLine() {
        ContainerBench.Result logs = cwb.run("logs", cwb.name("nobody"));
        assertNotEquals(0, logs.code());
        assertTrue(logs.err().startsWith("error: no detached container called " + cwb.name("nobody")), logs.err());
        assertEquals(1, logs.err().lines().count());
        ContainerBench.Result missing = cwb.run("run", "-d", "--name", cwb.name("noimage"), "no-such-image");
        assertNotEquals(0, missing.code());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertFalse(Files.exists(cwb.workspace(cwb.name("noimage"))));
        ContainerBench.Result noProgram = cwb.run("run", "-d", "--network", "none", "--name", cwb.name("noprog"), "busybox", "/no/such");
        assertNotEquals(0, noProgram.code());
        assertTrue(noProgram.err().contains("error:"), noProgram.toString());
        assertFalse(Files.exists(cwb.workspace(cwb.name("noprog"))), "a failed detached run leaves no workspace");
    }
}
