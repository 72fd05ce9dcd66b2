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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fifty containers, many of them failing on purpose — a missing program, a non-zero exit, a set-up call
 * the kernel refuses, a container removed half-built, Ctrl-C — and the host is as it was: no mount, no
 * cgroup, no process and no workspace left behind.
 */
class TeardownTest {
    private static final int RUNS = 50;

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

    /** What a container could leave on the host, as far as this bench's containers go. */
    record HostState(List<String> mounts, List<Path> cgroups, Set<String> processes, List<String> workspaces) {
        static HostState now() throws IOException {
            return new HostState(ContainerBench.hostMountsUnder(home), ContainerBench.cgroupsNamed(cwb.prefix()),
                    descendants(), workspaceNames());
        }
    }

    /** This JVM's descendants, with their command lines: a leftover cwb-init or command shows here. */
    private static Set<String> descendants() {
        return ProcessHandle.current().descendants().map(p -> p.pid() + " " + commandLine(p.pid()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** /proc/PID/cmdline with spaces for NULs; "" for a zombie (not reaped yet) or a process gone meanwhile. */
    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> workspaceNames() throws IOException {
        Path dir = home.resolve("run").resolve("containers");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fiftyRunsWithFailuresLeaveTheHostAsItWas() throws Exception {
        cwb.ok("unpack", "busybox"); // the layer cache is meant to stay: fill it before looking
        HostState before = HostState.now();
        assertEquals(List.of(), before.mounts());
        assertEquals(List.of(), before.cgroups());
        long start = System.nanoTime();
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            String name = cwb.name("r" + i);
            switch (i % 10) {
                case 0 -> {
                    ContainerBench.Result r = cwb.ok("run", "--name", name, "--memory", "32M", "--pids", "10", "busybox", "true");
                    assertTrue(r.err().contains("exited 0"), r.toString());
                    kinds.add("ok");
                }
                case 1 -> {
                    ContainerBench.Result r = cwb.run("run", "--name", name, "busybox", "sh", "-c", "exit 3");
                    assertEquals(3, r.code(), r.toString());
                    kinds.add("exit 3");
                }
                case 2 -> {
                    ContainerBench.Result r = cwb.run("run", "--name", name, "busybox", "no-such-program");
                    assertNotEquals(0, r.code(), r.toString());
                    assertTrue(r.err().contains("executable file not found"), r.toString());
                    kinds.add("missing program");
                }
                case 3 -> {
                    // sethostname(2) takes 64 bytes at most: EINVAL in the middle of the set-up
                    ContainerBench.Result r = cwb.run("run", "--name", name, "--hostname", "h".repeat(70), "busybox", "true");
                    assertNotEquals(0, r.code(), r.toString());
                    assertTrue(r.err().contains("EINVAL"), r.toString());
                    kinds.add("set-up call fails");
                }
                case 4 -> {
                    // PID 1 leaves a child running: the end of its PID namespace ends the child too
                    ContainerBench.Result r = cwb.ok("run", "--name", name, "busybox", "sh", "-c", "sleep 30 & echo started");
                    assertTrue(r.lines().contains("started"), r.toString());
                    kinds.add("orphan left running");
                }
                case 5 -> {
                    // every step, then removed half-way to a command
                    cwb.ok("new", name, "from", "busybox");
                    cwb.ok("unshare", "mnt", "uts", "ipc", "pid", "net");
                    cwb.ok("cgroup", "create");
                    cwb.ok("cgroup", "set", "pids", "10");
                    cwb.ok("overlay");
                    cwb.ok("mount", "proc");
                    cwb.ok("mount", "dev");
                    // leaves a process behind in the container (its output elsewhere: exec would wait for it)
                    cwb.ok("exec", "--on-host", "sh", "-c", "sleep 30 >/dev/null 2>&1 & true"); // the root has not moved
                    cwb.ok("rm", name);
                    kinds.add("step by step, removed");
                }
                case 6 -> {
                    // no mount namespace: the overlay is in the host's table until rm; then a step fails
                    cwb.ok("new", name, "from", "busybox");
                    cwb.ok("overlay");
                    cwb.ok("mount", "tmpfs", "/scratch");
                    ContainerBench.Result bind = cwb.run("mount", "bind", home.resolve("no-such-dir").toString(), "/data");
                    assertNotEquals(0, bind.code(), bind.toString());
                    assertTrue(bind.err().contains("ENOENT"), bind.toString());
                    ContainerBench.Result refused = cwb.run("pivot_root");
                    assertNotEquals(0, refused.code(), refused.toString());
                    assertFalse(ContainerBench.hostMountsUnder(cwb.workspace(name)).isEmpty(), "the overlay should be on the host");
                    cwb.ok("rm", name);
                    kinds.add("step fails, host mounts");
                }
                case 7 -> {
                    ContainerBench.Result r = interrupted("run", "--name", name, "busybox", "sleep", "30");
                    assertNotEquals(0, r.code(), r.toString());
                    assertTrue(r.err().contains("was stopped by Ctrl-C"), r.toString());
                    kinds.add("Ctrl-C in run");
                }
                case 8 -> {
                    cwb.ok("new", name, "from", "busybox");
                    cwb.ok("unshare", "mnt", "pid");
                    cwb.ok("overlay");
                    cwb.ok("pivot_root");
                    ContainerBench.Result r = interrupted("exec", "sleep", "30");
                    assertTrue(r.err().contains("was stopped by Ctrl-C"), r.toString());
                    ContainerBench.Result missing = cwb.run("exec", "no-such-program");
                    assertNotEquals(0, missing.code(), missing.toString());
                    cwb.ok("rm", name);
                    kinds.add("Ctrl-C in exec");
                }
                default -> {
                    // left to the end of the session, as a learner who quits the shell leaves it
                    cwb.ok("new", name, "from", "busybox");
                    cwb.ok("unshare", "mnt", "pid");
                    cwb.ok("overlay");
                    cwb.ok("mount", "proc");
                    cwb.ok("pivot_root");
                    cwb.ok("exec", "true");
                    kinds.add("left for the session's end");
                }
            }
        }
        assertEquals(RUNS, kinds.size());
        assertEquals(List.of(), cwb.harness().workbench().containers().removeAll());
        double seconds = (System.nanoTime() - start) / 1e9;

        HostState after = HostState.now();
        for (int i = 0; i < 100 && !after.processes().equals(before.processes()); i++) {
            Thread.sleep(20); // a process killed a moment ago may not have been reaped yet
            after = HostState.now();
        }
        assertEquals(before.mounts(), after.mounts(), "mounts left on the host");
        assertEquals(before.cgroups(), after.cgroups(), "cgroups left on the host");
        assertEquals(before.processes(), after.processes(), "processes left running");
        assertEquals(before.workspaces(), after.workspaces(), "workspaces left in " + home.resolve("run/containers"));
        assertTrue(seconds < 60, RUNS + " containers took " + seconds + " s");
    }

    @Test
    void aBackgroundProcessHoldingTheOutputDelaysExecOnceAndRmEndsIt() throws Exception {
        String box = cwb.name("bg");
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("unshare", "mnt", "pid");
        cwb.ok("overlay");
        cwb.ok("mount", "dev"); // sh gives a background job /dev/null as its input
        cwb.ok("pivot_root");
        // the sleep keeps the pipes to the workbench open: exec waits for its output a while, then returns
        long start = System.nanoTime();
        ContainerBench.Result r = cwb.ok("exec", "sh", "-c", "sleep 30 & echo left");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(r.lines().contains("left"), r.toString());
        assertTrue(millis < 3500, "exec took " + millis + " ms: it waits for stdout and stderr at most 2 s in all");
        assertTrue(descendants().stream().anyMatch(p -> p.endsWith(" sleep 30")), "the sleep should still run: " + descendants());
        cwb.ok("rm", box);
        for (int i = 0; i < 100 && descendants().stream().anyMatch(p -> p.endsWith(" sleep 30")); i++) {
            Thread.sleep(20);
        }
        assertFalse(descendants().stream().anyMatch(p -> p.endsWith(" sleep 30")), "rm left the sleep running");
    }

    /**
     * Runs a command on a thread of its own, waits until the container's command runs (a sleep among this
     * JVM's descendants), then interrupts the thread: what the shell does on Ctrl-C.
     */
    private static ContainerBench.Result interrupted(String... args) throws InterruptedException {
        AtomicReference<ContainerBench.Result> result = new AtomicReference<>();
        Set<Long> earlier = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
        Thread t = new Thread(() -> result.set(cwb.run(args)), "ctrl-c " + args[0]);
        t.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.current().descendants()
                .noneMatch(p -> !earlier.contains(p.pid()) && commandLine(p.pid()).equals("sleep 30"))) {
            assertTrue(System.nanoTime() < deadline, "the command never started");
            assertTrue(t.isAlive(), () -> "the command ended by itself: " + result.get());
            Thread.sleep(10);
        }
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive(), "Ctrl-C did not stop " + String.join(" ", args));
        return result.get();
    }
}
