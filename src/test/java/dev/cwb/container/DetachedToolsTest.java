package dev.cwb.container;

import dev.cwb.volume.ContainerVolumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Docker users do to detached containers besides logs and exec, on the real kernel: {@code rm} keeping
 * anonymous volumes unless {@code -v}, {@code stats} from the container's cgroup, {@code top} from /proc, and
 * many detached runs leaving the host as it was.
 */
class DetachedToolsTest {
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
                cwb.run("rm", "-f", "-v", e.name());
            }
            cwb.close();
        }
    }

    /** The one anonymous volume the container {@code name} uses, from its workspace's record. */
    private static String anonymousVolume(String name) {
        List<String> anon = ContainerVolumes.read(cwb.workspace(name)).stream().filter(ContainerVolumes.Use::anonymous)
                .map(ContainerVolumes.Use::name).toList();
        assertEquals(1, anon.size(), "one anonymous volume: " + anon);
        return anon.get(0);
    }

    private Path data(String volume) {
        return home.resolve("volumes").resolve(volume).resolve("_data");
    }

    @Test
    void rmKeepsAnonymousVolumesUnlessDashVAsDockerDoes() throws Exception {
        String kept = cwb.name("keepvol");
        cwb.ok("run", "-d", "--network", "none", "--name", kept, "-v", "/anon", "busybox", "sleep", "1000");
        String keptVolume = anonymousVolume(kept);
        cwb.ok("exec", kept, "sh", "-c", "echo written > /anon/f");
        ContainerBench.Result rm = cwb.ok("rm", "-f", kept);
        assertEquals(kept + "\n", rm.out());
        assertTrue(rm.err().contains("its anonymous volume kept, used by no container now"), rm.toString());
        assertFalse(Files.exists(cwb.workspace(kept)), "the container is gone");
        assertEquals("written\n", Files.readString(data(keptVolume).resolve("f")), "rm without -v keeps the anonymous volume and its data");
        assertTrue(cwb.ok("volume", "ls", "-q").out().lines().anyMatch(keptVolume::equals), "volume ls lists it");
        assertTrue(cwb.ok("volume", "ls", "-q", "-f", "dangling=true").out().lines().anyMatch(keptVolume::equals), "used by no container");
        cwb.ok("volume", "prune", "-f");
        assertFalse(Files.exists(data(keptVolume).getParent()), "volume prune removes it");

        String removed = cwb.name("rmvol");
        cwb.ok("run", "-d", "--network", "none", "--name", removed, "-v", "/anon", "busybox", "sleep", "1000");
        String removedVolume = anonymousVolume(removed);
        assertTrue(Files.isDirectory(data(removedVolume)));
        ContainerBench.Result rmv = cwb.ok("rm", "-f", "-v", removed);
        assertTrue(rmv.err().contains("its anonymous volume removed (-v)"), rmv.toString());
        assertFalse(Files.exists(data(removedVolume).getParent()), "rm -v removes the anonymous volume");

        String exited = cwb.name("exitvol");
        cwb.ok("run", "-d", "--network", "none", "--name", exited, "-v", "/anon", "busybox", "true");
        String exitedVolume = anonymousVolume(exited);
        assertTrue(new DetachedContainers(cwb.harness().workbench().containers()).waitForEnd(
                new DetachedContainers(cwb.harness().workbench().containers()).get(exited), 10_000));
        assertTrue(Files.isDirectory(data(exitedVolume)), "an exited container keeps its volume");
        cwb.ok("rm", "--volumes", exited);
        assertFalse(Files.exists(data(exitedVolume).getParent()), "rm --volumes of an exited one removes it");

        String auto = cwb.name("autovol");
        cwb.ok("run", "-d", "--rm", "--network", "none", "--name", auto, "-v", "/anon", "busybox", "sh", "-c", "sleep 0.5");
        String autoVolume = anonymousVolume(auto);
        for (int i = 0; i < 300 && Files.exists(cwb.workspace(auto)); i++) {
            Thread.sleep(20);
        }
        assertFalse(Files.exists(cwb.workspace(auto)), "--rm removed the container");
        for (int i = 0; i < 300 && workbenchProcesses(auto).stream().anyMatch(p -> p.contains("--name " + auto + " ")); i++) {
            Thread.sleep(20); // its shim exits just after removing it
        }
        assertFalse(Files.exists(data(autoVolume).getParent()), "--rm removes its anonymous volumes, as Docker's --rm");
        assertEquals(List.of(), ContainerBench.hostMountsUnder(home), "mounts left");
    }

    /** The cells of the row of {@code table} whose first cell is {@code first}. */
    private static List<String> row(String table, String first) {
        for (String line : table.lines().toList()) {
            List<String> cells = java.util.Arrays.stream(line.split("\\s*[|\u2502]\\s*|\\s{2,}")).map(String::strip)
                    .filter(c -> !c.isEmpty()).toList();
            if (!cells.isEmpty() && cells.get(0).equals(first)) {
                return cells;
            }
        }
        throw new AssertionError("no row " + first + " in\n" + table);
    }

    @Test
    void statsReadsEachRunningContainersCgroup() throws Exception {
        String busy = cwb.name("busy");
        String idle = cwb.name("idle");
        cwb.ok("run", "-d", "--network", "none", "--name", busy, "--memory", "64M", "busybox", "sh", "-c", "while :; do :; done");
        cwb.ok("run", "-d", "--network", "none", "--name", idle, "busybox", "sh", "-c",
                "sleep 1000 & sleep 1000 & wait");
        Thread.sleep(300);
        ContainerBench.Result r = cwb.ok("stats", "--no-stream", busy, idle);
        List<String> header = row(r.out(), "NAME");
        assertEquals(List.of("NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"), header, r.toString());
        List<String> b = row(r.out(), busy);
        List<String> i = row(r.out(), idle);
        double busyCpu = Double.parseDouble(b.get(1).replace("%", ""));
        double idleCpu = Double.parseDouble(i.get(1).replace("%", ""));
        assertTrue(busyCpu > 20, "a shell loop keeps a CPU busy: " + r);
        assertTrue(idleCpu < 5, "sleeping processes use no CPU: " + r);
        assertTrue(b.get(2).endsWith(" / 64MiB"), "the limit is --memory's: " + r);
        assertTrue(b.get(2).matches("[0-9.]+(B|KiB|MiB) / 64MiB"), r.toString());
        assertEquals("1", b.get(6), "one shell: " + r);
        assertEquals("3", i.get(6), "a shell and two sleeps: " + r);
        assertEquals("0B / 0B", b.get(4), "--network none: no interface but lo");
        long hostKiB = Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("[^0-9]", ""));
        assertEquals(dev.cwb.cli.StatsTestAccess.binary(hostKiB * 1024), i.get(2).substring(i.get(2).indexOf(" / ") + 3),
                "without --memory the limit is the host's memory, as Docker shows it");

        ContainerBench.Result every = cwb.ok("stats");
        row(every.out(), busy);
        row(every.out(), idle);
        cwb.ok("stop", "-t", "1", busy);
        ContainerBench.Result stopped = cwb.run("stats", busy);
        assertEquals(dev.cwb.CwbException.BAD_INPUT, stopped.code(), stopped.toString());
        assertTrue(stopped.err().contains("is not running") && stopped.err().contains("stats needs a running one"), stopped.toString());
        assertFalse(cwb.ok("stats").out().contains(busy), "stats leaves out exited containers");
        ContainerBench.Result unknown = cwb.run("stats", cwb.name("nosuch"));
        assertTrue(unknown.err().contains("no detached container called"), unknown.toString());
        cwb.ok("rm", "-f", busy, idle);
    }

    @Test
    void topShowsTheContainersProcessesAsTheHostSeesThem() throws Exception {
        String name = cwb.name("top");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "-u", "65534", "busybox", "sh", "-c", "sleep 1001 & sleep 1002 & wait");
        DetachedContainers.Entry e = new DetachedContainers(cwb.harness().workbench().containers()).get(name);
        int pid1 = e.livePid1();
        for (int i = 0; i < 100 && HostPids.children(pid1).size() < 2; i++) {
            Thread.sleep(20);
        }
        ContainerBench.Result r = cwb.ok("top", name);
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), row(r.out(), "UID"), r.toString());
        List<List<String>> rows = r.out().lines().map(l -> l.split("\\s*[|\u2502]\\s*|\\s{2,}"))
                .map(c -> java.util.Arrays.stream(c).map(String::strip).filter(x -> !x.isEmpty()).toList())
                .filter(c -> c.size() == 8 && c.get(0).equals("nobody")).toList();
        assertEquals(3, rows.size(), "PID 1 and its two sleeps, run as uid 65534, the host's nobody: " + r);
        List<String> first = rows.get(0);
        assertEquals(Integer.toString(pid1), first.get(1), "host pids, not the container's 1: " + r);
        assertEquals(Integer.toString(e.state().initPid()), first.get(2), "PID 1's parent is the shim's cwb-init");
        assertEquals("sh -c sleep 1001 & sleep 1002 & wait", first.get(7));
        assertEquals("?", first.get(5), "a detached container has no terminal");
        java.util.Set<String> sleeps = new java.util.HashSet<>();
        for (List<String> child : rows.subList(1, 3)) {
            assertEquals(Integer.toString(pid1), child.get(2), "the sleeps are children of PID 1: " + r);
            assertTrue(HostPids.commandLine(Integer.parseInt(child.get(1))).startsWith("sleep 100"), "the host's pid of a sleep: " + r);
            sleeps.add(child.get(7));
        }
        assertEquals(java.util.Set.of("sleep 1001", "sleep 1002"), sleeps, r.toString());

        ContainerBench.Result withOptions = cwb.ok("top", name, "-eo", "pid,comm");
        assertTrue(withOptions.err().contains("ps options ignored (-eo pid,comm)"), withOptions.toString());
        assertEquals(r.out().lines().filter(l -> l.contains("sleep 100")).count(), withOptions.out().lines().filter(l -> l.contains("sleep 100")).count());

        cwb.ok("stop", "-t", "1", name);
        ContainerBench.Result stopped = cwb.run("top", name);
        assertEquals(dev.cwb.CwbException.BAD_INPUT, stopped.code(), stopped.toString());
        assertTrue(stopped.err().contains("top needs a running one"), stopped.toString());
        cwb.ok("rm", name);
    }

    /** Processes of this home: shims (CWB_HOME in their environment), cwb-inits (run from the home's copy), or naming {@code token}. */
    private static java.util.Set<String> workbenchProcesses(String token) throws java.io.IOException {
        java.util.Set<String> found = new java.util.TreeSet<>();
        long me = ProcessHandle.current().pid();
        try (java.util.stream.Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                int pid = Integer.parseInt(p.getFileName().toString());
                if (pid == me) {
                    continue;
                }
                String cmd = HostPids.commandLine(pid);
                String exe = "";
                String env = "";
                try {
                    exe = Files.readSymbolicLink(p.resolve("exe")).toString();
                    env = new String(Files.readAllBytes(p.resolve("environ")), java.nio.charset.StandardCharsets.UTF_8);
                } catch (java.io.IOException | RuntimeException e) {
                    // a kernel thread, or gone
                }
                if (exe.startsWith(home.toString()) || ("\0" + env + "\0").contains("\0CWB_HOME=" + home + "\0") || cmd.contains(token)) {
                    found.add(pid + " " + cmd);
                }
            }
        }
        return found;
    }

    /** What {@code now} holds that {@code before} did not. */
    private static java.util.Set<String> added(java.util.Set<String> before, java.util.Set<String> now) {
        java.util.Set<String> more = new java.util.TreeSet<>(now);
        more.removeAll(before);
        return more;
    }

    private static java.util.Set<String> listing(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return java.util.Set.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    /**
     * This test's groups among the workbench's cgroups (the driver's hierarchies; other sessions on this machine
     * make and remove their own there meanwhile), and any group of this test's names in any hierarchy.
     */
    private static java.util.Set<String> cgroups() throws java.io.IOException {
        java.util.Set<String> all = new java.util.TreeSet<>();
        cwb.harness().workbench().containers().cgroups().names().stream().filter(n -> n.startsWith(cwb.prefix())).forEach(all::add);
        ContainerBench.cgroupsNamed(cwb.prefix()).forEach(p -> all.add(p.toString()));
        return all;
    }

    @Test
    void thirtyMixedDetachedRunsLeaveTheHostAsItWas() throws Exception {
        String token = "cwbmix" + cwb.prefix().replace("-", "");
        java.util.Set<String> processes = workbenchProcesses(token);
        java.util.Set<String> groups = cgroups();
        java.util.Set<String> workspaces = listing(home.resolve("run").resolve("containers"));
        java.util.Set<String> volumes = listing(home.resolve("volumes"));
        List<String> mounts = ContainerBench.hostMountsUnder(home);
        DetachedContainers detached = new DetachedContainers(cwb.harness().workbench().containers());
        String keep = "sleep 1000; : " + token;
        for (int i = 0; i < 30; i++) {
            String name = cwb.name("mix" + i);
            switch (i % 5) {
                case 0 -> { // run -d, stop, rm
                    cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c", keep);
                    cwb.ok("stop", "-t", "1", name);
                    cwb.ok("rm", name);
                }
                case 1 -> { // run -d with a limit and an anonymous volume, rm -f -v of the running one
                    cwb.ok("run", "-d", "--network", "none", "--name", name, "--memory", "32M", "-v", "/anon", "busybox", "sh", "-c", keep);
                    assertTrue(cgroups().stream().anyMatch(g -> g.contains(name)), "it has a cgroup while it runs: " + cgroups());
                    assertTrue(workbenchProcesses(token).size() > processes.size(), "its shim and processes are seen");
                    assertTrue(listing(home.resolve("volumes")).size() > volumes.size(), "its anonymous volume is seen");
                    cwb.ok("rm", "-f", "-v", name);
                }
                case 2 -> { // --rm: the shim removes it when its command ends by itself
                    cwb.ok("run", "-d", "--rm", "--network", "none", "--name", name, "-v", "/anon", "busybox", "sh", "-c", "sleep 0.2; : " + token);
                }
                case 3 -> { // kill, then rm of the exited one
                    cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c", keep);
                    cwb.ok("kill", name);
                    assertTrue(detached.waitForEnd(detached.get(name), 10_000), name + " ended after SIGKILL");
                    cwb.ok("rm", name);
                }
                default -> { // --rm and kill: the shim removes it after the signal
                    cwb.ok("run", "-d", "--rm", "--network", "none", "--name", name, "busybox", "sh", "-c", keep);
                    cwb.ok("exec", name, "true");
                    cwb.ok("kill", "-s", "KILL", name);
                }
            }
        }
        // What was there before may have ended meanwhile (an earlier test's --rm shim finishing its exit);
        // what matters is that nothing of these thirty runs is left.
        for (int i = 0; i < 500 && (!added(workspaces, listing(home.resolve("run").resolve("containers"))).isEmpty()
                || !added(processes, workbenchProcesses(token)).isEmpty()); i++) {
            Thread.sleep(20); // the --rm ones' shims finish by themselves
        }
        assertEquals(java.util.Set.of(), added(workspaces, listing(home.resolve("run").resolve("containers"))), "no workspace left");
        assertEquals(java.util.Set.of(), added(processes, workbenchProcesses(token)), "no shim, no cwb-init, no container process left");
        assertEquals(java.util.Set.of(), added(groups, cgroups()), "no cgroup left");
        assertEquals(mounts, ContainerBench.hostMountsUnder(home), "the host's mount table as before, for this home");
        assertEquals(java.util.Set.of(), added(volumes, listing(home.resolve("volumes"))), "anonymous volumes gone with --rm and rm -v");
        assertEquals(List.of(), detached.all().stream().map(DetachedContainers.Entry::name).filter(n -> n.startsWith(cwb.prefix())).toList());
    }
}
