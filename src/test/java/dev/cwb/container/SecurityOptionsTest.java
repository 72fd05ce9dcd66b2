package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Capabilities, no_new_privs, a read-only root and supplementary groups, as run's options and as steps:
 * each checked by what the kernel then refuses or allows inside, and by /proc/PID/status.
 */
class SecurityOptionsTest {
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

    @Test
    void capDropAllMakesChownFailWhileTheDefaultSetAllowsIt() {
        ContainerBench.Result dropped = cwb.run("run", "--cap-drop", "ALL", "--name", cwb.name("cd"), "busybox", "sh", "-c",
                "chown 1 /tmp; echo chown=$?; grep CapEff /proc/self/status");
        assertTrue(dropped.err().contains("chown: /tmp: Operation not permitted"), dropped.toString());
        assertTrue(dropped.lines().contains("chown=1"), dropped.toString());
        assertTrue(dropped.lines().contains("CapEff:\t0000000000000000"), dropped.toString());
        ContainerBench.Result kept = cwb.run("run", "--name", cwb.name("ck"), "busybox", "sh", "-c", "chown 1 /tmp; echo chown=$?");
        assertTrue(kept.lines().contains("chown=0"), kept.toString());
    }

    @Test
    void capAddSysAdminLetsMountWork() {
        ContainerBench.Result without = cwb.run("run", "--name", cwb.name("m0"), "busybox", "sh", "-c",
                "mkdir /m; mount -t tmpfs t /m; echo mount=$?");
        assertFalse(without.lines().contains("mount=0"), without.toString());
        ContainerBench.Result with = cwb.run("run", "--cap-add", "SYS_ADMIN", "--name", cwb.name("m1"), "busybox", "sh", "-c",
                "mkdir /m; mount -t tmpfs t /m; echo mount=$?; grep ' /m ' /proc/mounts");
        assertTrue(with.lines().contains("mount=0"), with.toString());
        assertTrue(with.lines().stream().anyMatch(l -> l.startsWith("t /m tmpfs")), with.toString());
    }

    @Test
    void anUnknownCapabilityIsOneLineWithTheNearestName() {
        ContainerBench.Result r = cwb.run("run", "--cap-add", "SYS_ADMN", "busybox", "true");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--cap-add: unknown capability 'SYS_ADMN' (did you mean SYS_ADMIN?)"), r.toString());
    }

    @Test
    void readOnlyRefusesAWriteToTheRootButNotToATmpfsAskedFor() {
        ContainerBench.Result r = cwb.run("run", "--read-only", "--tmpfs", "/tmp", "--name", cwb.name("ro"), "busybox", "sh", "-c",
                "touch /x; echo root=$?; touch /tmp/y; echo tmp=$?");
        assertTrue(r.err().contains("touch: /x: Read-only file system"), r.toString());
        assertTrue(r.lines().contains("root=1"), r.toString());
        assertTrue(r.lines().contains("tmp=0"), r.toString());
        ContainerBench.Result rw = cwb.run("run", "--name", cwb.name("rw"), "busybox", "sh", "-c", "touch /x; echo root=$?");
        assertTrue(rw.lines().contains("root=0"), rw.toString());
    }

    @Test
    void userRunsWithItsGroupAndTheAddedOnes() {
        ContainerBench.Result r = cwb.run("run", "--user", "daemon", "--group-add", "tty", "--group-add", "4321", "--trace",
                "--name", cwb.name("u"), "busybox", "sh", "-c", "id -u; id -G; grep Groups /proc/self/status");
        assertTrue(r.lines().contains("1"), r.toString());
        assertTrue(r.lines().contains("1 5 4321"), r.toString());
        assertTrue(r.err().contains("setgroups(3, [1, 5, 4321]) = 0"), r.err()); // run's trace is on stderr
    }

    @Test
    void privilegedKeepsEveryCapabilityAndNoFilterAndWarns() {
        ContainerBench.Result r = cwb.run("run", "--privileged", "--name", cwb.name("p"), "busybox", "sh", "-c",
                "grep -E 'CapBnd|Seccomp:' /proc/self/status; grep -c kcore /proc/mounts");
        assertTrue(r.err().contains("warning: --privileged: the container's root keeps every capability"), r.toString());
        assertTrue(r.lines().contains("Seccomp:\t0"), r.toString());
        assertTrue(r.lines().contains("0"), "/proc/kcore was masked:\n" + r);
        String bnd = r.lines().stream().filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow();
        assertEquals(Long.toHexString(CapabilityOptions.all()), Long.toHexString(Long.parseUnsignedLong(bnd.substring(7).trim(), 16)));
    }

    /**
     * Docker's --privileged gives the container the host's device nodes (runc's HostDevices: every char and
     * block node below /dev but pts, shm, fd, mqueue, console), each with the host's numbers, mode and owner;
     * without it, only runc's six.
     */
    @Test
    void privilegedHasTheHostsDeviceNodesAndTheDefaultOnlySix() throws Exception {
        String list = "find /dev \\( -type c -o -type b \\) -exec stat -c '%n %t:%T %a %u:%g' {} + | grep -v '^/dev/pts/' | sort";
        ContainerBench.Result privileged = cwb.ok("run", "--privileged", "--network", "none", "--name", cwb.name("pd"), "busybox", "sh", "-c", list);
        java.util.Set<String> host = new java.util.TreeSet<>();
        try (var walk = java.nio.file.Files.walk(Path.of("/dev"))) {
            for (Path f : walk.toList()) {
                String rel = Path.of("/dev").relativize(f).toString();
                java.util.List<String> parts = java.util.List.of(rel.split("/"));
                if (parts.stream().anyMatch(java.util.Set.of("pts", "shm", "fd", "mqueue")::contains) || rel.equals("console")
                        || rel.equals("ptmx") || java.nio.file.Files.isSymbolicLink(f)) { // /dev/ptmx stays runc's link to pts/ptmx
                    continue;
                }
                var a = java.nio.file.Files.readAttributes(f, "unix:mode,rdev,uid,gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                if ((mode & 0170000) != 0020000 && (mode & 0170000) != 0060000) {
                    continue;
                }
                long rdev = (Long) a.get("rdev");
                long major = ((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL);
                long minor = ((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL);
                host.add("/dev/" + rel + " " + Long.toHexString(major) + ":" + Long.toHexString(minor) + " " + Integer.toOctalString(mode & 07777)
                        + " " + a.get("uid") + ":" + a.get("gid"));
            }
        }
        assertTrue(host.size() > 6, "this host has more device nodes than runc's six: " + host);
        java.util.Set<String> inside = new java.util.TreeSet<>(privileged.lines());
        assertTrue(inside.containsAll(host), "missing inside: " + host.stream().filter(l -> !inside.contains(l)).toList() + "\n" + privileged);

        ContainerBench.Result plain = cwb.ok("run", "--network", "none", "--name", cwb.name("dd"), "busybox", "sh", "-c", list.replace(" %t:%T %a %u:%g", ""));
        assertEquals(java.util.List.of("/dev/full", "/dev/null", "/dev/random", "/dev/tty", "/dev/urandom", "/dev/zero"), plain.lines(), plain.toString());
    }

    @Test
    void noNewPrivilegesShowsInStatus() {
        ContainerBench.Result r = cwb.run("run", "--security-opt", "no-new-privileges", "--name", cwb.name("n"), "busybox",
                "grep", "NoNewPrivs", "/proc/self/status");
        assertTrue(r.lines().contains("NoNewPrivs:\t1"), r.toString());
    }

    @Test
    void stepsShowDropAndKeepCapabilitiesAndSetNoNewPrivs() {
        String name = cwb.name("caps");
        cwb.ok("new", name, "from", "busybox");
        cwb.ok("unshare", "mnt");
        cwb.ok("overlay");
        cwb.ok("mount", "proc");
        ContainerBench.Result show = cwb.ok("caps", "show");
        assertTrue(show.out().contains("  bounding     (all "), show.toString());
        ContainerBench.Result drop = cwb.ok("caps", "drop", "CHOWN");
        assertTrue(drop.out().contains("prctl(PR_CAPBSET_DROP, CAP_CHOWN) = 0"), drop.toString());
        assertTrue(drop.out().contains("  bounding     DAC_OVERRIDE "), drop.toString());
        ContainerBench.Result nnp = cwb.ok("nnp");
        assertTrue(nnp.out().contains("prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0"), nnp.toString());
        cwb.ok("chroot");
        ContainerBench.Result exec = cwb.run("exec", "sh", "-c", "chown 1 /tmp; echo chown=$?; grep NoNewPrivs /proc/self/status");
        assertTrue(exec.lines().contains("chown=1"), exec.toString());
        assertTrue(exec.lines().contains("NoNewPrivs:\t1"), exec.toString());
        ContainerBench.Result keep = cwb.ok("caps", "keep", "KILL");
        assertTrue(keep.out().contains("  effective    KILL "), keep.toString());
        assertTrue(cwb.run("caps", "drop", "CHOWNN").err().contains("unknown capability 'CHOWNN' (did you mean CHOWN?)"));
        cwb.ok("rm", name);
    }
}
