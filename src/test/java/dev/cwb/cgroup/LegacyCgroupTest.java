package dev.cwb.cgroup;

import dev.cwb.CwbException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.cwb.cgroup.FakeCgroupFs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The v1 driver against a fake cgroupfs: one directory per hierarchy, memsw ordering, CFS files. */
class LegacyCgroupTest {
    @TempDir
    Path base;
    private final CgroupTrace trace = new CgroupTrace();
    private final Map<Path, List<String>> mounts = new LinkedHashMap<>();
    private List<CgroupHost.Hierarchy> hierarchies;

    @BeforeEach
    void hierarchiesAsAHybridHostMountsThem() throws Exception {
        mounts.put(base.resolve("memory"), List.of("memory"));
        mounts.put(base.resolve("pids"), List.of("pids"));
        mounts.put(base.resolve("cpu,cpuacct"), List.of("cpu", "cpuacct"));
        for (Path m : mounts.keySet()) {
            Files.createDirectories(m);
        }
        hierarchies = mounts.entrySet().stream()
                .map(e -> new CgroupHost.Hierarchy(e.getKey(), new java.util.LinkedHashSet<>(e.getValue()))).toList();
    }

    private LegacyCgroup create(String name, boolean swapAccounting) {
        return LegacyCgroup.create(hierarchies, name, new CgroupFiles(trace, FakeCgroupFs.v1(mounts, swapAccounting)), null);
    }

    private List<String> shell() {
        return trace.writes().stream().map(w -> w.asShell().replace(base.toString(), "B")).toList();
    }

    @Test
    void oneDirectoryPerHierarchyAndTheProcessJoinsEach() {
        LegacyCgroup g = create("box", true);
        g.addProcess(77);
        assertEquals(List.of(
                "mkdir B/memory/cwb", "mkdir B/memory/cwb/box",
                "mkdir B/pids/cwb", "mkdir B/pids/cwb/box",
                "mkdir B/cpu,cpuacct/cwb", "mkdir B/cpu,cpuacct/cwb/box",
                "echo 77 > B/memory/cwb/box/cgroup.procs",
                "echo 77 > B/pids/cwb/box/cgroup.procs",
                "echo 77 > B/cpu,cpuacct/cwb/box/cgroup.procs"), shell());
        assertEquals(3, g.directories().size(), "cpu and cpuacct share one co-mounted directory");
    }

    @Test
    void memoryAndMemswMoveTogetherInTheOrderTheKernelAccepts() {
        LegacyCgroup g = create("box", true);
        int start = trace.writes().size();
        g.setMemoryLimit(20L << 20); // going down: memory first, memsw may not be below it
        g.setMemoryLimit(1L << 30); // going up: memsw first
        g.setMemoryLimit(CgroupLimits.UNLIMITED);
        assertEquals(List.of(
                "echo 20971520 > B/memory/cwb/box/memory.limit_in_bytes",
                "echo 20971520 > B/memory/cwb/box/memory.memsw.limit_in_bytes",
                "echo 1073741824 > B/memory/cwb/box/memory.memsw.limit_in_bytes",
                "echo 1073741824 > B/memory/cwb/box/memory.limit_in_bytes",
                "echo -1 > B/memory/cwb/box/memory.memsw.limit_in_bytes",
                "echo -1 > B/memory/cwb/box/memory.limit_in_bytes"), shell().subList(start, shell().size()));
        assertTrue(g.notes().isEmpty());
    }

    @Test
    void withoutSwapAccountingOnlyTheLimitIsWrittenAndANoteSaysWhatThatMeans() {
        LegacyCgroup g = create("box", false);
        int start = trace.writes().size();
        g.setMemoryLimit(64L << 20);
        assertEquals(List.of("echo 67108864 > B/memory/cwb/box/memory.limit_in_bytes"), shell().subList(start, shell().size()));
        assertTrue(g.notes().get(0).startsWith("memory.memsw.limit_in_bytes is missing"), g.notes().toString());
    }

    @Test
    void pidsAndCpuGoToTheirOwnHierarchies() {
        LegacyCgroup g = create("box", true);
        int start = trace.writes().size();
        g.setPidsLimit(20);
        g.setCpuLimit(0.2);
        g.setCpuLimit(CgroupLimits.UNLIMITED);
        assertEquals(List.of(
                "echo 20 > B/pids/cwb/box/pids.max",
                "echo 100000 > B/cpu,cpuacct/cwb/box/cpu.cfs_period_us",
                "echo 20000 > B/cpu,cpuacct/cwb/box/cpu.cfs_quota_us",
                "echo 100000 > B/cpu,cpuacct/cwb/box/cpu.cfs_period_us",
                "echo -1 > B/cpu,cpuacct/cwb/box/cpu.cfs_quota_us"), shell().subList(start, shell().size()));
    }

    @Test
    void usageComesFromEachController() {
        LegacyCgroup g = create("box", true);
        put(base.resolve("memory/cwb/box/memory.usage_in_bytes"), "4096\n");
        put(base.resolve("memory/cwb/box/memory.max_usage_in_bytes"), "20967424\n");
        put(base.resolve("memory/cwb/box/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        put(base.resolve("pids/cwb/box/pids.current"), "4\n");
        put(base.resolve("cpu,cpuacct/cwb/box/cpuacct.usage"), "1500000000\n");
        put(base.resolve("pids/cwb/box/cgroup.procs"), "9\n8\n");
        CgroupUsage u = g.usage();
        assertEquals(4096, u.memoryBytes().getAsLong());
        assertEquals(20967424, u.memoryPeak().getAsLong());
        assertEquals(4, u.pids().getAsLong());
        assertEquals(Duration.ofMillis(1500), u.cpu().orElseThrow());
        assertEquals(OomKills.counted(2), g.oomKills());
        assertEquals(List.of(8L, 9L), g.processes());
    }

    @Test
    void aHierarchyThatCannotBeWrittenLeavesNothingHalfMade() throws Exception {
        // The pids hierarchy's mount point is missing: mkdir there fails with ENOENT.
        Files.delete(base.resolve("pids"));
        CwbException e = assertThrows(CwbException.class,
                () -> LegacyCgroup.create(hierarchies, "box", new CgroupFiles(trace), null));
        assertEquals("cannot create cgroup " + base.resolve("pids/cwb") + ": ENOENT (No such file or directory)", e.getMessage());
        assertFalse(Files.exists(base.resolve("memory/cwb/box")), "the memory directory made first was taken back");
        assertEquals("rmdir B/memory/cwb/box", shell().get(shell().size() - 1));
    }

    @Test
    void aMissingControllerIsNamed() {
        List<CgroupHost.Hierarchy> onlyMemory = List.of(new CgroupHost.Hierarchy(base.resolve("memory"), Set.of("memory")));
        LegacyCgroup g = LegacyCgroup.create(onlyMemory, "box", new CgroupFiles(trace, FakeCgroupFs.v1(mounts, true)), null);
        CwbException e = assertThrows(CwbException.class, () -> g.setPidsLimit(5));
        assertEquals(CwbException.UNSUPPORTED, e.exitCode());
        assertTrue(e.getMessage().startsWith("no pids controller for this cgroup"), e.getMessage());
    }
}
