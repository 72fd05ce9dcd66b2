package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code diagram} at several stages of a container built by hand, each value compared with what the kernel
 * and the file system say at that moment: the merged view's entries, the namespace ids in /proc/PID/ns,
 * the pid inside from /proc/PID/status, the cgroup's pids.current and pids.max.
 */
class DiagramTest {
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

    private static String line(ContainerBench.Result r, String regex) {
        return r.lines().stream().filter(l -> l.matches(regex)).findFirst()
                .orElseThrow(() -> new AssertionError("no line matching " + regex + " in\n" + r));
    }

    /** The namespace id of process {@code pid} (0: this JVM, the host). */
    private static String nsId(int pid, String kind) throws IOException {
        String t = Files.readSymbolicLink(Path.of("/proc/" + (pid == 0 ? "self" : Integer.toString(pid)) + "/ns/" + kind)).toString();
        return t.substring(t.indexOf('[') + 1, t.length() - 1);
    }

    @Test
    void eachPartIsWhatTheKernelSaysAtEachStage() throws IOException {
        String box = cwb.name("diagram");
        int init = ContainerBench.initPid(cwb.ok("new", box, "from", "busybox"));
        ContainerBench.Result r = cwb.ok("diagram", "-c", box);
        assertTrue(line(r, "\\s+\\S\\s+merged\\s.*").contains("not mounted"), r.toString());
        line(r, "\\s+0 of 8 kinds are the container's own\\.");
        line(r, "Cgroup: none yet.*");
        line(r, "\\s+cwb-init\\s+" + init + "\\s+\\(same\\)\\s+.*");

        cwb.ok("overlay", "-c", box);
        cwb.ok("unshare", "-c", box, "uts");
        cwb.ok("unshare", "-c", box, "pid");
        r = cwb.ok("diagram", "-c", box, "overlay", "namespaces", "processes");
        Path rootfs = cwb.workspace(box).resolve("rootfs");
        long entries;
        try (Stream<Path> walk = Files.walk(rootfs)) {
            entries = walk.count() - 1;
        }
        assertTrue(line(r, "\\s+\\S\\s+merged\\s.*").contains(entries + " entries at "), "merged as the host walks it: " + entries + "\n" + r);
        line(r, "\\s+2 of 8 kinds are the container's own\\.");

        Matcher pid1 = Pattern.compile("\\s+\\S+ PID 1\\s+(\\d+)\\s+1\\s+.*").matcher(line(r, ".*PID 1\\s+\\d+\\s+1\\s+.*"));
        assertTrue(pid1.matches(), r.toString());
        int hostPid = Integer.parseInt(pid1.group(1));
        String nspid = Files.readAllLines(Path.of("/proc/" + hostPid + "/status")).stream().filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        assertTrue(nspid.matches("NSpid:\\s+" + hostPid + "\\s+1"), "the kernel's NSpid: " + nspid);
        String uts = line(r, "\\s+uts\\s+.*");
        assertTrue(uts.matches("\\s+uts\\s+" + nsId(0, "uts") + "\\s+\\S+\\s+" + nsId(hostPid, "uts") + "\\s+.*own.*"), uts);
        String net = line(r, "\\s+net\\s+.*");
        assertTrue(net.contains("shared with the host") && net.contains(nsId(hostPid, "net")), net);

        // A file written into the upper directory is one more entry in the merged view: overlayfs, not a record.
        Files.writeString(cwb.workspace(box).resolve("upper").resolve("added-by-the-test"), "x");
        r = cwb.ok("diagram", "-c", box, "overlay");
        assertTrue(line(r, "\\s+\\S\\s+upper\\s.*").contains("1 added, 0 copied up, 0 deleted"), r.toString());
        assertTrue(line(r, "\\s+\\S\\s+merged\\s.*").contains((entries + 1) + " entries at "), r.toString());

        cwb.ok("cgroup", "-c", box, "create");
        cwb.ok("cgroup", "-c", box, "set", "pids", "20");
        r = cwb.ok("diagram", "-c", box, "cgroup");
        List<Path> pidsDirs;
        try (Stream<Path> s = Stream.of(Path.of("/sys/fs/cgroup/pids/cwb", box), Path.of("/sys/fs/cgroup/cwb", box))) {
            pidsDirs = s.filter(Files::isDirectory).toList();
        }
        assertEquals(1, pidsDirs.size(), "one pids controller directory for " + box);
        String current = Files.readString(pidsDirs.get(0).resolve("pids.current")).trim();
        assertEquals("20", Files.readString(pidsDirs.get(0).resolve("pids.max")).trim());
        assertTrue(r.out().contains("pids " + current + " of 20"), "pids.current is " + current + "\n" + r);

        // once the root has moved, the host looks through /proc/PID/root: the same tree, not an empty one
        cwb.ok("chroot", "-c", box);
        r = cwb.ok("diagram", "-c", box, "overlay");
        assertTrue(line(r, "\\s+\\S\\s+merged\\s.*").contains((entries + 1) + " entries at "), "after chroot\n" + r);
    }
}
