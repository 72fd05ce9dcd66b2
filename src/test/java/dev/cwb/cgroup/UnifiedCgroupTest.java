package dev.cwb.cgroup;

import dev.cwb.CwbException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.cwb.cgroup.FakeCgroupFs.get;
import static dev.cwb.cgroup.FakeCgroupFs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The v2 driver against a fake cgroupfs: exactly which files get which values, in which order. */
class UnifiedCgroupTest {
    @TempDir
    Path root;
    private final CgroupTrace trace = new CgroupTrace();

    @BeforeEach
    void aCgroup2RootOfferingControllers() {
        put(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        put(root.resolve("cgroup.subtree_control"), "");
        put(root.resolve("cgroup.procs"), "1\n");
    }

    private UnifiedCgroup create(String name) {
        return UnifiedCgroup.create(root, name, new CgroupFiles(trace, FakeCgroupFs.v2()), null);
    }

    private List<String> shell() {
        return trace.writes().stream().map(w -> w.asShell().replace(root.toString(), "R")).toList();
    }

    @Test
    void handsControllersDownTwoLevelsThenWritesEachLimitToItsFile() {
        UnifiedCgroup g = create("box");
        g.setMemoryLimit(20L << 20);
        g.setPidsLimit(5);
        g.setCpuLimit(0.5);
        g.addProcess(4242);
        assertEquals(List.of(
                "echo '+cpu +memory +pids' > R/cgroup.subtree_control",
                "mkdir R/cwb",
                "echo '+cpu +memory +pids' > R/cwb/cgroup.subtree_control",
                "mkdir R/cwb/box",
                "echo 20971520 > R/cwb/box/memory.max",
                "echo 0 > R/cwb/box/memory.swap.max",
                "echo 5 > R/cwb/box/pids.max",
                "echo '50000 100000' > R/cwb/box/cpu.max",
                "echo 4242 > R/cwb/box/cgroup.procs"), shell());
        Path box = root.resolve("cwb/box");
        assertEquals("20971520", get(box.resolve("memory.max")));
        assertEquals("50000 100000", get(box.resolve("cpu.max")));
        assertTrue(trace.writes().stream().allMatch(CgroupWrite::ok));
        assertEquals(List.of(box), g.directories());
    }

    @Test
    void aSecondGroupReusesTheParentAndLiftingLimitsWritesMax() {
        create("one");
        // The kernel reads cgroup.subtree_control back as names without '+'.
        put(root.resolve("cgroup.subtree_control"), "cpu memory pids\n");
        put(root.resolve("cwb/cgroup.subtree_control"), "cpu memory pids\n");
        UnifiedCgroup two = create("two");
        two.setMemoryLimit(CgroupLimits.UNLIMITED);
        two.setCpuLimit(CgroupLimits.UNLIMITED);
        List<String> steps = shell().subList(4, shell().size());
        assertEquals(List.of("mkdir R/cwb/two", "echo max > R/cwb/two/memory.max", "echo max > R/cwb/two/memory.swap.max",
                "echo 'max 100000' > R/cwb/two/cpu.max"), steps);
    }

    @Test
    void readsUsageFromTheAccountingFiles() {
        UnifiedCgroup g = create("box");
        Path box = root.resolve("cwb/box");
        put(box.resolve("memory.current"), "1048576\n");
        put(box.resolve("memory.peak"), "20971520\n");
        put(box.resolve("pids.current"), "3\n");
        put(box.resolve("cpu.stat"), "usage_usec 250000\nuser_usec 200000\n");
        put(box.resolve("memory.events"), "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n");
        put(box.resolve("cgroup.procs"), "10\n11\n");
        CgroupUsage u = g.usage();
        assertEquals(1048576, u.memoryBytes().getAsLong());
        assertEquals(20971520, u.memoryPeak().getAsLong());
        assertEquals(3, u.pids().getAsLong());
        assertEquals(Duration.ofMillis(250), u.cpu().orElseThrow());
        assertEquals(OomKills.counted(1), g.oomKills());
        assertEquals(List.of(10L, 11L), g.processes());
    }

    @Test
    void anOomCounterThatCannotBeReadIsUnknownNotZero() throws Exception {
        UnifiedCgroup g = create("box");
        Path events = root.resolve("cwb/box/memory.events");
        Files.delete(events);
        Files.createDirectory(events); // read(2) of it fails with EISDIR, as a file the kernel refuses to give
        OomKills kills = g.oomKills();
        assertFalse(kills.known(), "an unreadable memory.events must not count as 0 OOM kills: " + kills);
        assertTrue(kills.unknown().contains(events.toString()) && kills.unknown().toLowerCase(java.util.Locale.ROOT).contains("is a directory"), kills.unknown());
        assertFalse(kills.roseSince(OomKills.counted(0)));
        assertFalse(OomKills.counted(3).roseSince(kills), "a rise from an unknown count is not a kill seen");

        Files.delete(events);
        put(events, "low 0\nhigh 0\nmax 0\noom 0\n"); // a kernel before 4.13 has no oom_kill line
        assertFalse(g.oomKills().known());
        Files.delete(events); // the memory controller's file is gone
        assertFalse(g.oomKills().known());
        assertTrue(g.oomKills().unknown().contains("no such file"), g.oomKills().unknown());
    }

    @Test
    void aRootWithoutControllersMakesTheGroupButRefusesLimitsSayingWhy() {
        put(root.resolve("cgroup.controllers"), "hugetlb\n"); // like /sys/fs/cgroup/unified on a hybrid host
        UnifiedCgroup g = create("box");
        assertEquals(List.of("mkdir R/cwb", "mkdir R/cwb/box"), shell());
        CwbException e = assertThrows(CwbException.class, () -> g.setMemoryLimit(1 << 20));
        assertEquals(CwbException.UNSUPPORTED, e.exitCode());
        assertTrue(e.getMessage().startsWith("no memory controller for this cgroup: " + root.resolve("cwb/box/cgroup.controllers")
                + " does not list it (the cgroup2 root " + root + " offers hugetlb;"), e.getMessage());
        assertTrue(e.hint().contains("v1"), e.hint());
        assertEquals(2, trace.writes().size(), "nothing written for a refused limit");
    }

    @Test
    void anExistingGroupOrABadNameIsRefusedBeforeAnythingIsWritten() {
        create("box");
        int before = trace.writes().size();
        CwbException e = assertThrows(CwbException.class, () -> create("box"));
        assertTrue(e.getMessage().startsWith("cgroup box already exists"), e.getMessage());
        assertThrows(CwbException.class, () -> create("../escape"));
        assertThrows(CwbException.class, () -> create("memory.max"));
        assertEquals(before, trace.writes().size());
    }

    @Test
    void aRefusedWriteNamesTheFileAndErrno() throws Exception {
        UnifiedCgroup g = create("box");
        Files.delete(root.resolve("cwb/box/pids.max")); // the kernel would say ENOENT for a missing file too
        CwbException e = assertThrows(CwbException.class, () -> g.setPidsLimit(5));
        assertEquals("cannot write '5' to " + root.resolve("cwb/box/pids.max") + ": ENOENT (No such file or directory)",
                e.getMessage());
        CgroupWrite last = trace.writes().get(trace.writes().size() - 1);
        assertEquals(2, last.errno());
    }
}
