package dev.cwb.cgroup;

import dev.cwb.kernel.SyscallRecord;
import dev.cwb.kernel.Syscalls;
import dev.cwb.testing.LoopDevice;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The v2 device program, for real: loaded through the kernel's verifier and attached to a group in this
 * host's cgroup2 mount (on a hybrid host too: cgroup BPF belongs to the cgroup2 tree, not to a
 * controller), then a process in the group tries the devices. The kernel asks the program about every
 * open(2) and mknod(2) of a device node.
 */
class DeviceProgramKernelTest {
    @TempDir
    Path tmp;

    /** A shell that waits for a line on its stdin (by then it is in the group), then tries each device. */
    private static final String PROBE = "read go; "
            + "head -c 26 %1$s; echo \" read=$?\"; "
            + "echo x > %1$s; echo \"write=$?\"; "
            + "busybox mknod %2$s/node b %3$d %4$d; echo \"mknod=$?\"; "
            + "head -c 26 %2$s/node; echo \" node=$?\"; "
            + "echo x > /dev/null; echo \"null=$?\"; "
            + "head -c 4 /dev/zero | wc -c; "
            + "rm -f %2$s/node";

    @Test
    void runcsDefaultsPassTheVerifierAndKeepABlockDeviceOutWhileNullStaysUsable() throws Exception {
        Requirements.requireRoot();
        Path busybox = Requirements.requireCommand("busybox", "busybox-static");
        CgroupHost host = CgroupHost.detect();
        Requirements.require(host.unified().isPresent(), "needs a cgroup2 mount (unified or hybrid host): " + host.explanation());
        try (LoopDevice loop = LoopDevice.attach(tmp)) {
            List<SyscallRecord> calls = new ArrayList<>();
            String outside = probe(busybox, host, loop, null, calls);
            // without a program the group lets the process at the device (and write it): the checks below can fail
            assertTrue(outside.contains(LoopDevice.firstLine() + " read=0"), outside);
            assertTrue(outside.contains("write=0"), outside);
            String before = loop.backingDigest();

            String inside = probe(busybox, host, loop, DeviceRule.RUNC_DEFAULTS, calls);
            assertTrue(inside.contains("Operation not permitted"), inside);
            assertTrue(inside.contains(" read=1"), "reading the block device was refused:\n" + inside);
            assertTrue(inside.contains("write=1"), "writing the block device was refused:\n" + inside);
            assertTrue(inside.contains("mknod=0"), "making a node is allowed (b *:* m):\n" + inside);
            assertTrue(inside.contains(" node=1"), "the node made cannot be opened:\n" + inside);
            assertTrue(inside.contains("null=0"), "/dev/null still works:\n" + inside);
            assertTrue(inside.lines().anyMatch(l -> l.trim().equals("4")), "/dev/zero still reads:\n" + inside);
            assertFalse(inside.contains(LoopDevice.firstLine()), inside);

            List<String> shown = calls.stream().map(SyscallRecord::straceLine).toList();
            assertTrue(shown.stream().anyMatch(l -> l.startsWith("bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt="
                    + DeviceFilter.compile(DeviceRule.RUNC_DEFAULTS).size() + ",") && l.matches(".*\\) = \\d+")), shown.toString());
            assertTrue(shown.stream().anyMatch(l -> l.matches("bpf\\(BPF_PROG_ATTACH, \\{target_fd=\\d+, attach_bpf_fd=\\d+, "
                    + "attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI\\}, 16\\) = 0")), shown.toString());
            assertTrue(shown.stream().anyMatch(l -> l.matches("bpf\\(BPF_PROG_QUERY, .*prog_ids=\\[\\d+\\], prog_cnt=1\\}\\}, 64\\) = 0")),
                    "cgroup show's query found the one program: " + shown);
            assertEquals(before, loop.backingDigest(), "the write reached the loop device's backing file");
        }
    }

    /** Runs {@link #PROBE} in a fresh group with {@code rules} (none: no program) and returns what it printed. */
    private String probe(Path busybox, CgroupHost host, LoopDevice loop, List<DeviceRule> rules, List<SyscallRecord> calls)
            throws Exception {
        CgroupTrace trace = new CgroupTrace();
        UnifiedCgroup g = UnifiedCgroup.create(host.unified().orElseThrow(),
                "test-dev-" + ProcessHandle.current().pid() + (rules == null ? "-none" : "-runc"), trace, null);
        Process p = null;
        try {
            Syscalls sys = new Syscalls(calls::add);
            if (rules != null) {
                g.setDeviceRules(rules, sys);
                List<String> listed = g.deviceRules(sys);
                assertTrue(listed.contains("allow c 1:3 rwm") && listed.contains("deny a *:* rwm"), listed.toString());
                assertTrue(listed.stream().anyMatch(l -> l.startsWith("BPF_CGROUP_DEVICE program id ")), listed.toString());
            }
            String script = String.format(java.util.Locale.ROOT, PROBE, loop.device(), tmp, loop.major(), loop.minor());
            p = new ProcessBuilder(busybox.toString(), "sh", "-c", script).redirectErrorStream(true).start();
            g.addProcess(p.pid());
            try (OutputStream in = p.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.US_ASCII));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), out);
            return out;
        } finally {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor();
            }
            g.remove();
            assertFalse(Files.exists(g.directories().get(0)));
        }
    }
}
