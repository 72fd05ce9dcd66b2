package dev.cwb.container;

import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.Pid1Program;
import dev.cwb.testing.Pty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run --init} on the real kernel, each beside the same container without it: {@code stop}'s SIGTERM
 * ends a shell at once (forwarded by cwb-pid1) where without an init only SIGKILL after the grace period
 * does; orphans are reaped where without an init their zombies stay; the exit status passes through
 * (128+N for a signal); a signal sent with {@code kill} reaches the command's handler; Ctrl-C ends a
 * foreground {@code sleep} at once where without an init the kernel drops it. PID 1 is cwb-pid1, its file a
 * read-only bind at /sbin/cwb-pid1, named by {@code inspect}.
 */
class InitOptionTest {
    /** Generous: the pure cgroup v2 VM (qemu without KVM) runs all this some five times slower. */
    private static final Duration BOUND = Duration.ofSeconds(60);

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
            for (DetachedContainers.Entry e : new DetachedContainers(cwb.harness().workbench().containers()).all()) {
                cwb.run("rm", "-f", e.name());
            }
            cwb.close();
        }
    }

    private static DetachedContainers.Entry entry(String name) {
        return new DetachedContainers(cwb.harness().workbench().containers()).find(name);
    }

    private static String comm(int pid) throws IOException {
        return Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).strip();
    }

    /** The processes whose parent is {@code parent}, each as {pid, state letter}, from /proc/PID/stat. */
    private static List<String[]> children(int parent) throws IOException {
        List<String[]> found = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(d.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Integer.parseInt(f[1]) == parent) {
                    found.add(new String[] {d.getFileName().toString(), f[0]});
                }
            }
        }
        return found;
    }

    /** How many zombies (state Z) are children of PID 1 or of PID 1's children: the container's orphans. */
    private static long zombiesUnder(int pid1) throws IOException {
        long z = 0;
        for (String[] c : children(pid1)) {
            if (c[1].equals("Z")) {
                z++;
            }
            for (String[] g : children(Integer.parseInt(c[0]))) {
                if (g[1].equals("Z")) {
                    z++;
                }
            }
        }
        return z;
    }

    private static double stopSeconds(String name, ContainerBench.Result[] result) {
        long t = System.nanoTime();
        result[0] = cwb.ok("stop", "-t", "10", name);
        return (System.nanoTime() - t) / 1e9;
    }

    @Test
    void stopOfAShellEndsAtOnceWithInitAndOnlyBySigkillAfterTheGraceWithout() throws Exception {
        String with = cwb.name("stop-init");
        String without = cwb.name("stop-plain");
        cwb.ok("run", "-d", "--init", "--network", "none", "--name", with, "busybox", "sh", "-c", "sleep 1000; echo never");
        cwb.ok("run", "-d", "--network", "none", "--name", without, "busybox", "sh", "-c", "sleep 1000; echo never");

        DetachedContainers.Entry e = entry(with);
        int pid1 = e.livePid1();
        assertEquals(Pid1Program.NAME, comm(pid1), "PID 1 is cwb-pid1");
        List<String[]> kids = children(pid1);
        assertEquals(1, kids.size(), "cwb-pid1 has one child, the command");
        assertEquals("sh", comm(Integer.parseInt(kids.get(0)[0])));
        MountInfo.Mount bind = MountInfo.of(Integer.toString(pid1)).stream()
                .filter(m -> m.mountPoint().equals(Pid1Program.PATH_INSIDE)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount at " + Pid1Program.PATH_INSIDE + " in PID 1's mount table"));
        assertTrue(List.of(bind.options().split(",")).contains("ro"), "the bind is read-only: " + bind.options());
        ContainerBench.Result inspect = cwb.ok("inspect", with);
        assertTrue(inspect.out().contains("Init") && inspect.out().contains(Pid1Program.PATH_INSIDE), inspect.out());
        assertEquals("sh", comm(entry(without).livePid1()), "without --init the command is PID 1");

        ContainerBench.Result[] r = new ContainerBench.Result[1];
        double fast = stopSeconds(with, r);
        assertTrue(fast < 3, "stop of an --init container took " + fast + " s");
        assertTrue(r[0].err().contains("SIGTERM ended it") && !r[0].err().contains("SIGKILL"), r[0].err());
        assertTrue(r[0].err().contains("blocks it and waits for it"), r[0].err());
        assertEquals(143, entry(with).detached().exitCode(), "sh killed by SIGTERM: 128 + 15");

        double slow = stopSeconds(without, r);
        assertTrue(slow >= 9.5 && slow < 20, "stop -t 10 without --init took " + slow + " s");
        assertTrue(r[0].err().contains("has no handler for it") && r[0].err().contains("SIGKILL did"), r[0].err());
        assertEquals(137, entry(without).detached().exitCode(), "SIGKILL: 128 + 9");

        cwb.ok("start", with); // start runs run's recorded arguments again: --init among them
        int again = entry(with).livePid1();
        assertTrue(again > 0 && again != pid1, "a new PID 1");
        assertEquals(Pid1Program.NAME, comm(again), "start of an --init container: PID 1 is cwb-pid1 again");
        cwb.ok("rm", "-f", with);
        cwb.ok("rm", without);
    }

    @Test
    void orphansAreReapedWithInitAndStayZombiesWithout() throws Exception {
        // three orphans: each subshell starts a sleep in the background and exits; the sleeps are re-parented
        // to PID 1, and the command then becomes a sleep that never waits for anyone. They outlive the loop by
        // far: a shell that is still waiting for its subshells (wait4(-1)) would reap an orphan that ended then
        String orphans = "for i in 1 2 3; do (sleep 2 &); done; exec sleep 1000";
        String with = cwb.name("reap-init");
        String without = cwb.name("reap-plain");
        cwb.ok("run", "-d", "--init", "--network", "none", "--name", with, "busybox", "sh", "-c", orphans);
        cwb.ok("run", "-d", "--network", "none", "--name", without, "busybox", "sh", "-c", orphans);
        int initPid1 = entry(with).livePid1();
        int plainPid1 = entry(without).livePid1();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (zombiesUnder(plainPid1) < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(500); // the --init orphans (started first) ended as long ago: cwb-pid1 has had its SIGCHLD
        assertEquals(3, zombiesUnder(plainPid1), "without --init, PID 1 (a sleep) never waits: the orphans stay zombies");
        assertEquals(0, zombiesUnder(initPid1), "with --init, cwb-pid1 reaps every orphan");
        List<String[]> left = children(initPid1);
        assertEquals(1, left.size(), "cwb-pid1's one child left is the command");
        assertEquals("sleep", comm(Integer.parseInt(left.get(0)[0])));
        cwb.ok("rm", "-f", with, without);
    }

    @Test
    void helpRunShowsInit() {
        String help = cwb.ok("help", "run").out();
        assertTrue(help.contains("--init") && help.contains("cwb-pid1"), help);
    }

    @Test
    void theExitStatusPassesThroughAsTheShellSaysIt() {
        ContainerBench.Result r = cwb.run("run", "--init", "--network", "none", "busybox", "sh", "-c", "echo out; exit 7");
        assertEquals(7, r.code(), r.toString());
        assertTrue(r.out().contains("out"), r.toString());
        assertTrue(r.err().contains("exited 7"), r.err());
        r = cwb.run("run", "--init", "--network", "none", "busybox", "sh", "-c", "kill -USR1 $$; sleep 5");
        assertEquals(128 + 10, r.code(), "killed by SIGUSR1: 128 + 10\n" + r);
        r = cwb.run("run", "--init", "--trace", "--network", "none", "hello");
        assertEquals(0, r.code(), "an image without /sbin gets the mount point made\n" + r);
        String trace = r.err();
        assertTrue(trace.matches("(?s).*\\] mkdirat\\(AT_FDCWD, \"[^\"]*/rootfs/sbin\", 0755\\) = 0\n.*"), trace);
        assertTrue(trace.matches("(?s).*\\] openat\\(AT_FDCWD, \"[^\"]*/run/cwb-pid1\", O_RDONLY\\|O_NOFOLLOW\\|O_CLOEXEC\\|O_PATH\\) = \\d+\n.*"), trace);
        assertTrue(trace.matches("(?s).*\\] mount\\(\"/proc/self/fd/\\d+\", \"[^\"]*/rootfs/sbin/cwb-pid1\", NULL, MS_BIND, NULL\\) = 0\n.*"), trace);
        assertTrue(trace.matches("(?s).*\\] mount\\(NULL, \"[^\"]*/rootfs/sbin/cwb-pid1\", NULL, MS_RDONLY\\|MS_NOSUID\\|MS_NODEV\\|MS_REMOUNT\\|MS_BIND[^)]*, NULL\\) = 0\n.*"), trace);
        assertTrue(trace.contains("] execve(\"/sbin/cwb-pid1\", [\"/sbin/cwb-pid1\", \"/hello\", \"/hello\"], ") && trace.contains(") = 0\n  # PID 1 is cwb-pid1 now (--init)"), trace);
    }

    @Test
    void killReachesTheCommandsHandlerThroughInit() throws Exception {
        String name = cwb.name("fwd");
        cwb.ok("run", "-d", "--init", "--network", "none", "--name", name, "busybox", "sh", "-c",
                "for s in USR1 USR2 HUP QUIT INT WINCH; do trap \"echo got $s\" $s; done; echo ready; "
                        + "while :; do sleep 0.1; done");
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!cwb.ok("logs", name).out().contains("ready") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        for (String sig : List.of("USR1", "USR2", "HUP", "QUIT", "INT", "WINCH")) {
            cwb.ok("kill", "-s", sig, name);
            while (!cwb.ok("logs", name).out().contains("got " + sig) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(cwb.ok("logs", name).out().contains("got " + sig), "SIG" + sig + " reached the shell's trap");
        }
        assertEquals(DetachedContainers.Status.RUNNING, entry(name).status(), "the handled signals ended nothing");
        cwb.ok("rm", "-f", name);
    }

    @Test
    void ctrlCEndsAForegroundSleepAtOnceWithInit() throws Exception {
        String with = cwb.name("ctrlc-init");
        try (Pty pty = ContainerBench.shellOnPty(home)) {
            pty.type("run --init --network none --name " + with + " busybox sh -c 'echo up-$((6*7)); exec sleep 1000'\n");
            pty.awaitScreen("up-42", 1, BOUND); // the command's output reaches the terminal (the relay of its pty)
            awaitChildSleep(with, pty);
            pty.type("\u0003");
            String screen = pty.awaitScreen("cwb> ", 2, BOUND);
            assertTrue(screen.contains("exited 130"), "sleep killed by SIGINT, cwb-pid1 exits 128 + 2:\n" + screen);
            assertFalse(screen.contains("has no handler for SIGINT"), screen);

            // the same without --init: the kernel drops the SIGINT for a PID 1 with no handler
            String without = cwb.name("ctrlc-plain");
            pty.type("run --network none --name " + without + " busybox sleep 1000\n");
            awaitPid1(without, pty);
            pty.type("\u0003");
            screen = pty.awaitScreen("has no handler for SIGINT", 1, BOUND);
            pty.type("\u0003");
            pty.awaitScreen("cwb> ", 3, BOUND);
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
    }

    /** Waits until {@code name}'s PID 1 is cwb-pid1 with a child sleep. */
    private static void awaitChildSleep(String name, Pty pty) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            for (int pid : cgroupProcs(name)) {
                try {
                    if (comm(pid).equals(Pid1Program.NAME) && children(pid).stream().anyMatch(c -> {
                        try {
                            return comm(Integer.parseInt(c[0])).equals("sleep");
                        } catch (IOException e) {
                            return false;
                        }
                    })) {
                        return;
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no cwb-pid1 with a sleep in " + name + "; the screen:\n" + pty.screen());
    }

    private static void awaitPid1(String name, Pty pty) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            for (int pid : cgroupProcs(name)) {
                try {
                    if (comm(pid).equals("sleep")) {
                        return;
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no sleep in " + name + "; the screen:\n" + pty.screen());
    }

    private static List<Integer> cgroupProcs(String name) throws IOException {
        List<Integer> pids = new ArrayList<>();
        for (Path group : ContainerBench.cgroupsNamed(name)) {
            Path procs = group.resolve("cgroup.procs");
            if (Files.exists(procs)) {
                for (String line : Files.readAllLines(procs)) {
                    if (!line.isBlank()) {
                        pids.add(Integer.parseInt(line.strip()));
                    }
                }
            }
        }
        return pids;
    }
}
