package dev.cwb.cgroup;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Detection from mountinfo text as three kinds of host write it, and on this machine itself. */
class CgroupHostTest {
    private static final String FILESYSTEMS = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tcgroup\nnodev\tcgroup2\n";

    /** The project machine's lines (Debian 12, systemd hybrid layout), with one hierarchy co-mounting cpu,cpuacct. */
    private static final String HYBRID = """
            22 28 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
            """;

    private static final String UNIFIED = """
            25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            """;

    @Test
    void hybridHostUsesV1ControllersAndSaysTheUnifiedMountHasNone() {
        CgroupHost host = CgroupHost.fromText(HYBRID, FILESYSTEMS, dir -> "\n");
        assertEquals(CgroupMode.HYBRID, host.mode());
        assertEquals(Path.of("/sys/fs/cgroup/unified"), host.unified().orElseThrow());
        assertEquals(Set.of("cpu", "cpuacct"), host.hierarchyOf("cpuacct").orElseThrow().controllers());
        assertEquals(Path.of("/sys/fs/cgroup/memory"), host.hierarchyOf("memory").orElseThrow().mountPoint());
        assertEquals(3, host.v1().size(), "name=systemd carries no controller: " + host.v1());
        assertEquals("hybrid: v1 controllers cpu, cpuacct, memory, pids at /sys/fs/cgroup/<controller>;"
                + " cgroup2 at /sys/fs/cgroup/unified (no controllers);"
                + " a controller works in one hierarchy only, so limits go through the v1 files", host.explanation());
    }

    @Test
    void unifiedHostListsTheControllersOfTheCgroup2Root() {
        CgroupHost host = CgroupHost.fromText(UNIFIED, FILESYSTEMS,
                dir -> dir.equals(Path.of("/sys/fs/cgroup")) ? "cpuset cpu io memory hugetlb pids rdma misc\n" : "");
        assertEquals(CgroupMode.UNIFIED, host.mode());
        assertTrue(host.unifiedControllers().containsAll(List.of("cpu", "memory", "pids")));
        assertTrue(host.explanation().startsWith("unified (cgroup v2 only): cgroup2 at /sys/fs/cgroup (controllers cpu,"),
                host.explanation());
    }

    @Test
    void legacyAndNone() {
        String legacy = HYBRID.lines().filter(l -> !l.contains("cgroup2")).reduce("", (a, b) -> a + b + "\n");
        assertEquals(CgroupMode.LEGACY, CgroupHost.fromText(legacy, FILESYSTEMS, d -> "").mode());
        CgroupHost none = CgroupHost.fromText("22 28 0:20 / /sys rw - sysfs sysfs rw\n", FILESYSTEMS, d -> "");
        assertEquals(CgroupMode.NONE, none.mode());
        assertTrue(none.explanation().contains("kernel supports cgroup, cgroup2"), none.explanation());
    }

    @Test
    void mountPointsWithSpacesAreUnescaped() {
        String line = "41 31 0:38 / /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw\n";
        assertEquals(Path.of("/mnt/my cgroups"), CgroupHost.fromText(line, FILESYSTEMS, d -> "").unified().orElseThrow());
    }

    /** What statfs(2) says about /sys/fs/cgroup (the file store type) must agree with the detected mode. */
    @Test
    void thisMachineAgreesWithStatfs() throws Exception {
        dev.cwb.testing.Requirements.requireLinux();
        CgroupHost host = CgroupHost.detect();
        String type = Files.getFileStore(Path.of("/sys/fs/cgroup")).type();
        switch (type) {
            case "cgroup2" -> assertEquals(CgroupMode.UNIFIED, host.mode());
            case "tmpfs" -> {
                boolean unifiedMount = Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))
                        && Files.getFileStore(Path.of("/sys/fs/cgroup/unified")).type().equals("cgroup2");
                assertEquals(unifiedMount ? CgroupMode.HYBRID : CgroupMode.LEGACY, host.mode(), host.explanation());
            }
            default -> throw new AssertionError("unexpected /sys/fs/cgroup type " + type);
        }
        System.out.println("this host: " + host.explanation());
    }
}
