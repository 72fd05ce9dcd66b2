package dev.cwb.container;

import dev.cwb.kernel.MountInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What each namespace hides, checked against the kernel from both sides: what the container's command
 * prints inside, and what this JVM — the host — sees at the same time.
 */
class NamespaceIsolationTest {
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

    private static String hostHostname() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    }

    @Test
    void hostnameInsideDiffersAndTheHostsIsUnchanged() throws IOException {
        String before = hostHostname();
        String inside = "in-" + cwb.prefix().substring(1, 7);
        assertNotEquals(before, inside);

        ContainerBench.Result r = cwb.ok("run", "--name", cwb.name("uts"), "--hostname", inside, "busybox", "hostname");
        assertEquals(inside, r.lines().get(0), r.toString());
        assertEquals(before, hostHostname(), "run renamed the host");

        // step by step: the name set inside is what the command sees, and the host keeps its own
        String box = cwb.name("uts-steps");
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("unshare", "mnt", "uts");
        cwb.ok("overlay");
        cwb.ok("pivot_root");
        ContainerBench.Result set = cwb.ok("hostname", inside + "-2");
        assertTrue(set.out().contains("on the host it is still " + before), set.toString());
        assertEquals(inside + "-2", cwb.ok("exec", "hostname").lines().get(0));
        assertEquals(before, hostHostname(), "the hostname step renamed the host");
        cwb.ok("rm", box);

        // without its own UTS namespace, the workbench refuses rather than rename the host
        String shared = cwb.name("uts-shared");
        cwb.ok("new", shared, "from", "busybox");
        ContainerBench.Result refused = cwb.run("hostname", "not-the-host");
        assertNotEquals(0, refused.code(), refused.toString());
        assertTrue(refused.err().contains("would rename the host"), refused.toString());
        cwb.ok("rm", shared);
        assertEquals(before, hostHostname());
    }

    @Test
    void theCommandIsPid1AndProcShowsOnlyTheContainersProcesses() throws IOException {
        ContainerBench.Result r = cwb.ok("run", "--name", cwb.name("pid"), "busybox", "sh", "-c", "echo $$; ls /proc");
        List<String> lines = r.lines();
        assertEquals("1", lines.get(0), r.toString());
        Set<Integer> inside = numeric(lines.subList(1, lines.size()));
        Set<Integer> onHost = hostPids();
        long me = ProcessHandle.current().pid();

        assertTrue(inside.contains(1), "PID 1 is missing from /proc inside: " + inside);
        // sh, and the ls it may have forked: nothing else lives in the new PID namespace
        assertTrue(inside.size() <= 2 && inside.stream().allMatch(p -> p <= 2), "processes inside: " + inside);
        assertTrue(onHost.contains((int) me), "this JVM is in the host's /proc");
        assertFalse(inside.contains((int) me), "the host's processes show inside: " + inside);
        assertTrue(onHost.size() > inside.size() + 2, "the host has " + onHost.size() + " processes, inside " + inside);
        assertTrue(r.err().contains("(pid "), r.toString());
        assertTrue(r.err().contains(", 1 inside)"), "run reports the command as PID 1:\n" + r);
    }

    @Test
    void mountsMadeInsideAreInvisibleOutside() throws IOException {
        String box = cwb.name("mnt");
        int init = ContainerBench.initPid(cwb.ok("new", box, "from", "busybox"));
        cwb.ok("unshare", "mnt");
        cwb.ok("overlay");
        cwb.ok("mount", "proc");
        cwb.ok("mount", "tmpfs", "/scratch");
        String scratch = cwb.workspace(box).resolve("rootfs/scratch").toString();

        assertTrue(ContainerBench.mountsOf(init).stream().anyMatch(m -> m.mountPoint().equals(scratch) && m.fsType().equals("tmpfs")),
                "the container's mount table has no tmpfs on " + scratch);
        assertEquals(List.of(), ContainerBench.hostMountsUnder(cwb.workspace(box)),
                "the host sees the container's mounts");

        // and from inside, after pivot_root: the tmpfs is at /scratch
        cwb.ok("pivot_root");
        ContainerBench.Result mounts = cwb.ok("exec", "cat", "/proc/self/mountinfo");
        List<MountInfo.Mount> inside = MountInfo.parse(mounts.out());
        assertTrue(inside.stream().anyMatch(m -> m.mountPoint().equals("/scratch") && m.fsType().equals("tmpfs")), mounts.toString());
        assertTrue(inside.stream().anyMatch(m -> m.mountPoint().equals("/") && m.fsType().equals("overlay")), mounts.toString());
        assertEquals(List.of(), ContainerBench.hostMountsUnder(cwb.workspace(box)));
        cwb.ok("rm", box);

        // the check can see a leak: without unshare mnt the same tmpfs lands in the host's table
        String leaky = cwb.name("mnt-host");
        cwb.ok("new", leaky, "from", "busybox");
        cwb.ok("overlay");
        ContainerBench.Result note = cwb.ok("mount", "tmpfs", "/scratch");
        assertTrue(note.out().contains("the host sees it too"), note.toString());
        String leakedAt = cwb.workspace(leaky).resolve("rootfs/scratch").toString();
        assertTrue(MountInfo.of("self").stream().anyMatch(m -> m.mountPoint().equals(leakedAt)),
                "a mount in the host's namespace should show on the host");
        ContainerBench.Result rm = cwb.ok("rm", leaky);
        assertTrue(rm.out().contains("2 host mounts unmounted"), rm.toString());
        assertEquals(List.of(), ContainerBench.hostMountsUnder(cwb.workspace(leaky)));
    }

    @Test
    void theNetNamespaceHasOnlyLoopback() throws IOException {
        ContainerBench.Result r = cwb.ok("run", "--network", "none", "--name", cwb.name("net"), "busybox", "sh", "-c",
                "cat /proc/net/dev; readlink /proc/self/ns/net");
        List<String> lines = r.lines();
        assertEquals(List.of("lo"), interfaces(lines), r.toString());
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String insideNs = lines.stream().filter(l -> l.startsWith("net:[")).findFirst().orElseThrow(() -> new AssertionError(r));
        assertNotEquals(hostNs, insideNs, "the container shares the host's network namespace");
        assertTrue(interfaces(Files.readAllLines(Path.of("/proc/net/dev"))).contains("lo"));
    }

    /**
     * {@code run} without {@code --network} is on the bridge, as Docker's default is — where the kernel has
     * the bridge driver. The test VM's kernel has no modules for it, and there {@code ip link add cwb0 type
     * bridge} is answered EOPNOTSUPP: the run goes on with {@code lo} alone and says why, while a bridge or a
     * published port asked for by name still fails.
     */
    @Test
    void theDefaultNetworkIsTheBridgeOrSaysWhyNot() throws IOException {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        boolean driver = Files.exists(Path.of("/sys/module/bridge")) || Files.exists(Path.of("/lib/modules", release, "kernel/net/bridge"));
        ContainerBench.Result r = cwb.ok("run", "--name", cwb.name("dflt"), "busybox", "cat", "/proc/net/dev");
        String note = "note: this kernel has no bridge driver (ip link add cwb0 type bridge: EOPNOTSUPP)";
        if (driver) {
            assertEquals(List.of("lo", "eth0"), interfaces(r.lines()), r.toString());
            assertFalse(r.err().contains(note), r.toString());
            return;
        }
        assertTrue(r.err().contains(note), r.toString());
        assertEquals(List.of("lo"), interfaces(r.lines()), r.toString());
        for (List<String> asked : List.of(List.of("--network", "bridge"), List.of("-p", "8080:80"))) {
            List<String> args = new java.util.ArrayList<>(List.of("run", "--name", cwb.name("br")));
            args.addAll(asked);
            args.addAll(List.of("busybox", "true"));
            ContainerBench.Result refused = cwb.run(args.toArray(String[]::new));
            assertNotEquals(0, refused.code(), refused.toString());
            assertTrue(refused.err().contains("EOPNOTSUPP"), refused.toString());
            assertFalse(refused.err().contains(note), refused.toString());
        }
    }

    /** Interface names from /proc/net/dev: the lines {@code   lo: 0 0 ...} after two header lines. */
    private static List<String> interfaces(List<String> procNetDev) {
        return procNetDev.stream().filter(l -> l.matches("\\s*[^\\s|]+:.*") && !l.startsWith("net:["))
                .map(l -> l.substring(0, l.indexOf(':')).trim()).toList();
    }

    private static Set<Integer> numeric(List<String> names) {
        return names.stream().map(String::trim).filter(s -> s.matches("\\d+")).map(Integer::valueOf)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<Integer> hostPids() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return numeric(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
