package dev.cwb.container;

import dev.cwb.cgroup.CgroupHost;
import dev.cwb.testing.LoopDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a container's root may do to the host's devices and cgroups. It keeps CAP_MKNOD (as in Docker), so
 * it can make the node of any device; runc's device rules decide which it may open. And its cgroup
 * namespace is rooted at its own group in every hierarchy, the controller-less cgroup2 tree of a hybrid
 * host included, so no cgroup mount made inside shows the host's groups.
 */
class DeviceAndCgroupRootTest {
    @TempDir
    static Path home;
    @TempDir
    Path tmp;
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
    void runMayMakeAHostBlockDeviceNodeButNotOpenItWhileNullZeroFullAndUrandomWork() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(tmp)) {
            String before = loop.backingDigest();
            String script = String.format(Locale.ROOT, "mknod /tmp/blk b %d %d; echo mknod=$?; "
                    + "head -c 26 /tmp/blk; echo \" read=$?\"; "
                    + "echo overwritten > /tmp/blk; echo write=$?; "
                    + "mknod /tmp/kmsg c 1 11; echo cwb-device-test > /tmp/kmsg; echo kmsg=$?; "
                    + "echo x > /dev/null; echo null=$?; head -c 3 /dev/zero | wc -c; head -c 5 /dev/urandom | wc -c; "
                    + "echo x > /dev/full; echo full=$?", loop.major(), loop.minor());
            ContainerBench.Result r = cwb.ok("run", "--trace", "--name", cwb.name("dev"), "busybox", "sh", "-c", script);
            List<String> lines = r.lines();
            assertTrue(lines.contains("mknod=0"), "making the node is allowed (b *:* m):\n" + r);
            assertTrue(r.err().contains("head: /tmp/blk: Operation not permitted"), r.toString());
            assertTrue(lines.contains(" read=1"), r.toString());
            assertFalse(r.out().contains(LoopDevice.firstLine()), "the container read the host's loop device:\n" + r);
            assertTrue(r.err().contains("can't create /tmp/blk: Operation not permitted"), r.toString());
            assertTrue(lines.contains("write=1"), r.toString());
            assertTrue(r.err().contains("can't create /tmp/kmsg: Operation not permitted"), "the kernel log was writable:\n" + r);
            assertTrue(lines.contains("kmsg=1"), r.toString());
            assertTrue(lines.contains("null=0"), r.toString());
            assertTrue(lines.contains("3") && lines.contains("5"), "/dev/zero and /dev/urandom read:\n" + r);
            // /dev/full opens (the rules allow 1:7) and refuses the write as a full device does
            assertTrue(r.err().contains("No space left on device"), r.toString());
            assertEquals(before, loop.backingDigest(), "the container's write reached the loop device's backing file");

            // the trace shows how: v1 rule files, or a v2 program attached with bpf(2)
            if (CgroupHost.detect().mode() == dev.cwb.cgroup.CgroupMode.UNIFIED) {
                assertTrue(r.err().matches("(?s).*\\] bpf\\(BPF_PROG_LOAD, \\{prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, .*\\) = \\d+\n.*"), r.err());
                assertTrue(r.err().contains("attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI}, 16) = 0"), r.err());
            } else {
                assertTrue(r.err().matches("(?s).*\\] write\\(\\d+, \"a\", 1\\) = 1\n  # shell: echo a > \\S+/devices.deny\n.*"), r.err());
                assertTrue(r.err().contains("# shell: echo 'c 136:* rwm' > "), r.err());
            }
        }
    }

    @Test
    void cgroupShowListsTheRulesAndAStepByStepContainerGetsThemWithCgroupSetDevices() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(tmp)) {
            String box = cwb.name("devsteps");
            cwb.ok("new", box, "from", "busybox");
            cwb.ok("unshare", "mnt", "pid");
            cwb.ok("overlay");
            cwb.ok("mount", "proc");
            cwb.ok("pivot_root");
            cwb.ok("cgroup", "create");
            String probe = String.format(Locale.ROOT, "mknod /tmp/blk b %d %d; head -c 26 /tmp/blk; echo \" read=$?\"",
                    loop.major(), loop.minor());
            // without rules the node opens: the host's device, read from inside
            ContainerBench.Result open = cwb.ok("exec", "sh", "-c", probe + "; rm /tmp/blk");
            assertTrue(open.lines().contains(LoopDevice.firstLine() + " read=0"), open.toString());

            cwb.ok("cgroup", "set", "devices", "default");
            ContainerBench.Result show = cwb.ok("cgroup", "show");
            assertTrue(show.out().contains("Devices:"), show.toString());
            assertTrue(show.out().contains("c 1:3 rwm") && show.out().contains("c 136:* rwm")
                    && show.out().contains("b *:* m"), show.toString());
            assertFalse(show.out().lines().anyMatch(l -> l.strip().equals("a *:* rwm")), "devices.list still allows everything:\n" + show);
            ContainerBench.Result shut = cwb.run("exec", "sh", "-c", probe);
            assertTrue(shut.err().contains("Operation not permitted"), shut.toString());
            assertTrue(shut.lines().contains(" read=1"), shut.toString());
            cwb.ok("rm", box);
        }
    }

    @Test
    void runsPid1IsInAGroupOfItsOwnInTheCgroup2TreeWhileItRuns() throws Exception {
        CgroupHost host = CgroupHost.detect();
        dev.cwb.testing.Requirements.require(host.unified().isPresent(), "needs a cgroup2 mount: " + host.explanation());
        String name = cwb.name("v2root");
        Path group = host.unified().orElseThrow().resolve("cwb").resolve(name);
        CompletableFuture<ContainerBench.Result> run = CompletableFuture.supplyAsync(
                () -> cwb.run("run", "--name", name, "busybox", "sleep", "2"));
        String inGroup = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inGroup.isBlank() && System.nanoTime() < deadline && !run.isDone()) {
            inGroup = Files.isRegularFile(group.resolve("cgroup.procs")) ? Files.readString(group.resolve("cgroup.procs")).trim() : "";
            Thread.sleep(20);
        }
        assertFalse(inGroup.isBlank(), "no process of " + name + " ever appeared in " + group);
        String pid = inGroup.lines().findFirst().orElseThrow();
        String cgroups = Files.readString(Path.of("/proc", pid, "cgroup"));
        assertTrue(cgroups.contains("0::/cwb/" + name + "\n"), cgroups);
        ContainerBench.Result r = run.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(group), "the cgroup2 group was left behind");
    }

    /**
     * run's PID 1 is born in its group of the cgroup2 tree: cwb-init opens the group's directory and clones
     * PID 1 with clone3(CLONE_INTO_CGROUP) and that descriptor (the trace shows the call and the kernel's
     * answer, PID 1's pid), and nothing ever writes to that group's cgroup.procs.
     */
    @Test
    void runsPid1IsBornInItsCgroup2GroupByClone3AndNeverMoved() {
        CgroupHost host = CgroupHost.detect();
        dev.cwb.testing.Requirements.require(host.unified().isPresent(), "needs a cgroup2 mount: " + host.explanation());
        String name = cwb.name("born");
        Path group = host.unified().orElseThrow().resolve("cwb").resolve(name);
        ContainerBench.Result r = cwb.ok("run", "--trace", "--name", name, "busybox", "cat", "/proc/self/cgroup");
        java.util.regex.Matcher open = java.util.regex.Pattern.compile("\\] openat\\(AT_FDCWD, \"" + java.util.regex.Pattern.quote(group.toString())
                + "\", O_RDONLY\\|O_CLOEXEC\\|O_PATH\\|O_DIRECTORY\\) = (\\d+)\n").matcher(r.err());
        assertTrue(open.find(), "no openat of the group's directory:\n" + r.err());
        String fd = open.group(1);
        java.util.regex.Matcher clone = java.util.regex.Pattern.compile("\\] clone3\\(\\{flags=CLONE_INTO_CGROUP, exit_signal=SIGCHLD, "
                + "stack=NULL, stack_size=0, cgroup=" + fd + "\\}, 88\\) = (\\d+)\n").matcher(r.err());
        assertTrue(clone.find(), "no clone3 into the group:\n" + r.err());
        assertTrue(r.all().contains("(pid " + clone.group(1) + " on the host, 1 inside)"),
                "clone3's result is PID 1's host pid:\n" + r);
        assertFalse(r.all().contains(group.resolve("cgroup.procs").toString()), "PID 1 was moved into the group:\n" + r);
        assertTrue(r.lines().contains("0::/"), "the group is the root of the container's cgroup2 view:\n" + r);
    }

    /**
     * cwb-init inherits the JVM's descriptors that lack close-on-exec, so which numbers are free in it depends
     * on the JVM. A JVM logging to a file (as the oneshot bench's class-loading run does) left 4 free, and
     * the group's directory opened there was replaced by the clone's socket (dup3 to 4) just before
     * clone3, which then failed with EBADF. Now it is opened on another number, and the run works.
     */
    @Test
    void runFromAJvmThatLogsToAFileStillClonesIntoItsGroup() throws Exception {
        CgroupHost host = CgroupHost.detect();
        dev.cwb.testing.Requirements.require(host.unified().isPresent(), "needs a cgroup2 mount: " + host.explanation());
        String name = cwb.name("logged");
        List<String> command = new java.util.ArrayList<>(ContainerBench.workbenchJvm());
        command.add(1, "-Xlog:class+load=info:file=" + tmp.resolve("class-load.log"));
        command.addAll(List.of("run", "--trace", "--network", "none", "--name", name, "busybox", "cat", "/proc/self/cgroup"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("CWB_HOME", home.toString());
        pb.environment().put("CWB_NO_SAMPLES", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(java.util.regex.Pattern.compile("\\] clone3\\(\\{flags=CLONE_INTO_CGROUP, [^\n]*cgroup=(\\d+)\\}, 88\\) = \\d+\n").matcher(out).find(),
                "PID 1 cloned into its group:\n" + out);
        assertTrue(out.lines().anyMatch("0::/"::equals), out);
    }

    @Test
    void aCgroup2MountInsideTheContainersCgroupNamespaceShowsOnlyItsOwnGroup() {
        String box = cwb.name("cgns");
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("unshare", "mnt", "pid");
        cwb.ok("overlay");
        cwb.ok("mount", "proc");
        cwb.ok("pivot_root");
        cwb.ok("cgroup", "create");
        cwb.ok("unshare", "cgroup");
        // the exec'd shell keeps root's capabilities in the container's namespaces: CAP_SYS_ADMIN mounts cgroup2
        ContainerBench.Result r = cwb.ok("exec", "sh", "-c", "cat /proc/self/cgroup; mkdir -p /tmp/cg; "
                + "mount -t cgroup2 none /tmp/cg && echo mounted; ls -a /tmp/cg; echo procs:; cat /tmp/cg/cgroup.procs; umount /tmp/cg");
        List<String> lines = r.lines();
        assertTrue(lines.contains("0::/"), r.toString());
        assertTrue(lines.stream().filter(l -> l.matches("\\d+:[^:]*:.*")).allMatch(l -> l.endsWith(":/")),
                "every hierarchy's root is the container's group:\n" + r);
        assertTrue(lines.contains("mounted") && lines.contains("cgroup.procs"), r.toString());
        List<String> groups = lines.subList(lines.indexOf("mounted") + 1, lines.indexOf("procs:")).stream()
                .filter(l -> !l.startsWith("cgroup.") && !l.contains(".") && !l.isBlank()).toList();
        assertEquals(List.of(), groups, "the mount shows groups above the container's own (the host's tree):\n" + r);
        List<String> pids = lines.subList(lines.indexOf("procs:") + 1, lines.size()).stream()
                .filter(l -> l.matches("\\d+")).toList();
        assertFalse(pids.isEmpty(), r.toString());
        assertTrue(pids.stream().allMatch(p -> Integer.parseInt(p) > 0 && Integer.parseInt(p) < 10),
                "only the container's own processes (its PID namespace numbers them) are in the mount's root:\n" + r);
        cwb.ok("rm", box);
    }
}
