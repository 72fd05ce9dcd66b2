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
}
