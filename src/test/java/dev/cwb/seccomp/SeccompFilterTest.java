package dev.cwb.seccomp;

import dev.cwb.CwbException;
import dev.cwb.container.RuncDefaults;
import dev.cwb.kernel.Capabilities;
import dev.cwb.kernel.ClassicBpf;
import dev.cwb.seccomp.SeccompProfile.Action;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker's profile compiled to BPF, run through an interpreter: the program says what the rules say. */
class SeccompFilterTest {
    static long dockerCaps() {
        long caps = 0;
        for (String c : RuncDefaults.CAPABILITIES) {
            caps |= 1L << Capabilities.number(c);
        }
        return caps;
    }

    @ParameterizedTest
    @EnumSource(SeccompArch.class)
    void theProgramDecidesEveryNumberAsTheRulesDo(SeccompArch arch) {
        SeccompFilter f = SeccompFilter.compile(SeccompProfile.dockerDefault(), arch, dockerCaps(), "6.1");
        assertTrue(f.program().size() < ClassicBpf.MAX_INSNS, "length " + f.program().size());
        long[][] argSets = {{}, {0}, {8}, {40}, {1}, {0xffffffffL}, {0x10000000L}, {0x7e020000L, 0}, {0x11, 0}, {-1L}};
        for (int nr = 0; nr < 600; nr++) {
            for (long[] args : argSets) {
                assertEquals(f.decide(nr, args).encoded(), BpfInterpreter.run(f.program(), arch.audit(), nr, args),
                        "number " + nr + " " + java.util.Arrays.toString(args));
            }
        }
        // another architecture's calls, and x32 numbers, are killed
        assertEquals(Action.KILL_PROCESS.encoded(), BpfInterpreter.run(f.program(), 0x40000003, 0));
        if (arch == SeccompArch.X86_64) {
            assertEquals(Action.KILL_PROCESS.encoded(), BpfInterpreter.run(f.program(), arch.audit(), 0x40000000 | 2));
        }
    }

    @ParameterizedTest
    @EnumSource(SeccompArch.class)
    void theAllowedSetIsTheProfilesForDockersCapabilities(SeccompArch arch) {
        SeccompFilter f = SeccompFilter.compile(SeccompProfile.dockerDefault(), arch, dockerCaps(), "6.1");
        Set<String> expected = new TreeSet<>(DockerProfileReading.allowedOutright(arch, RuncDefaults.CAPABILITIES));
        assertEquals(expected, new TreeSet<>(f.allowed()));
        SyscallTable t = SyscallTable.of(arch);
        Action eperm = Action.errno(1);
        for (String denied : List.of("mount", "umount2", "unshare", "setns", "keyctl", "add_key", "reboot", "init_module",
                "bpf", "swapon", "kexec_load", "open_by_handle_at", "pivot_root")) {
            assertEquals(eperm, f.decide(t.number(denied)), denied);
        }
        assertEquals(Action.ALLOW, f.decide(t.number("personality"), 0));
        assertEquals(Action.ALLOW, f.decide(t.number("personality"), 0xffffffffL));
        assertEquals(eperm, f.decide(t.number("personality"), 1));
        assertEquals(Action.ALLOW, f.decide(t.number("socket"), 2));
        assertEquals(eperm, f.decide(t.number("socket"), 40));
        assertEquals(Action.ALLOW, f.decide(t.number("clone"), 0x11));
        assertEquals(eperm, f.decide(t.number("clone"), 0x10000000L | 0x11)); // CLONE_NEWUSER
        assertEquals(Action.errno(38), f.decide(t.number("clone3")));
        assertEquals(Action.ALLOW, f.decide(t.number("ptrace")), "minKernel 4.8");
        if (arch == SeccompArch.X86_64) {
            assertEquals(Action.ALLOW, f.decide(t.number("arch_prctl")), "includes.arches amd64");
        } else {
            assertEquals(-1, t.number("arch_prctl"));
        }
    }

    @Test
    void capabilitiesWidenTheFilterAsDockersIncludesSay() {
        SeccompArch arch = SeccompArch.X86_64;
        SyscallTable t = SyscallTable.of(arch);
        long withAdmin = dockerCaps() | 1L << Capabilities.number("CAP_SYS_ADMIN");
        SeccompFilter f = SeccompFilter.compile(SeccompProfile.dockerDefault(), arch, withAdmin, "6.1");
        assertEquals(Action.ALLOW, f.decide(t.number("mount")));
        assertEquals(Action.ALLOW, f.decide(t.number("unshare")));
        assertEquals(Action.ALLOW, f.decide(t.number("clone"), 0x10000000L));
        assertEquals(Action.ALLOW, f.decide(t.number("clone3")));
        SeccompFilter old = SeccompFilter.compile(SeccompProfile.dockerDefault(), arch, dockerCaps(), "4.4");
        assertEquals(Action.errno(1), old.decide(t.number("ptrace")), "ptrace needs 4.8 or CAP_SYS_PTRACE");
    }

    @Test
    void denyingNamedCallsAllowsTheRest() {
        SeccompFilter f = SeccompFilter.compile(SeccompProfile.denying(List.of("mkdir", "mkdirat")), SeccompArch.X86_64, 0, "6.1");
        SyscallTable t = SyscallTable.of(SeccompArch.X86_64);
        assertEquals(Action.errno(1).encoded(), BpfInterpreter.run(f.program(), SeccompArch.X86_64.audit(), t.number("mkdir")));
        assertEquals(Action.ALLOW.encoded(), BpfInterpreter.run(f.program(), SeccompArch.X86_64.audit(), t.number("read")));
        CwbException e = assertThrows(CwbException.class, () -> SeccompProfile.denying(List.of("mkdri")));
        assertTrue(e.getMessage().contains("no system call 'mkdri' on any architecture (did you mean mkdir?)"), e.getMessage());
    }

    @Test
    void aFilterLongerThanTheKernelTakesIsRefusedWithItsLength() {
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            rules.append(i == 0 ? "" : ",").append("{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ")
                    .append("[{\"index\": 0, \"value\": ").append(i).append(", \"op\": \"SCMP_CMP_EQ\"}]}");
        }
        SeccompProfile p = SeccompProfile.parse("long.json", "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" + rules + "]}");
        CwbException e = assertThrows(CwbException.class, () -> SeccompFilter.compile(p, SeccompArch.X86_64, 0, "6.1"));
        assertTrue(e.getMessage().matches("the seccomp filter would be \\d+ instructions; the kernel takes at most 4096.*"), e.getMessage());
    }

    @Test
    void theListingReadsLikeSeccompTools() {
        SeccompFilter f = SeccompFilter.compile(SeccompProfile.denying(List.of("mkdir")), SeccompArch.X86_64, 0, "6.1");
        List<String> l = f.listing();
        assertEquals(" line  CODE  JT   JF      K", l.get(0));
        assertEquals(" 0000: 0x20 0x00 0x00 0x00000004  A = arch", l.get(2));
        assertEquals(" 0001: 0x15 0x01 0x00 0xc000003e  if (A == 0xc000003e) goto 0003", l.get(3));
        assertEquals(" 0002: 0x06 0x00 0x00 0x80000000  return KILL_PROCESS", l.get(4));
        assertTrue(l.contains(" 0003: 0x20 0x00 0x00 0x00000000  A = sys_number"), String.join("\n", l));
        assertTrue(l.stream().anyMatch(s -> s.endsWith("return ERRNO(1)")), String.join("\n", l));
        byte[] bytes = f.program().bytes();
        assertEquals(8 * f.program().size(), bytes.length);
        assertEquals(0x20, bytes[0]);
        assertEquals(4, bytes[4]);
    }

    @Test
    void badProfilesNameTheField() {
        assertBad("{\"defaultAction\": ", "is not JSON: line 1");
        assertBad("{\"defaultAction\": \"SCMP_ACT_NOPE\"}", "defaultAction: unknown action 'SCMP_ACT_NOPE'");
        assertBad("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"mkdri\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                "syscalls[0].names[0]: no system call 'mkdri' on any architecture (did you mean mkdir?)");
        assertBad("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}",
                "syscalls[0].action: unknown action 'SCMP_ACT_FOO'");
        String other = SeccompArch.current() == SeccompArch.X86_64 ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64";
        assertBad("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"" + other + "\"]}",
                "architectures: this host is " + SeccompArch.current().scmp() + ", the profile lists only " + other);
        assertBad("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\","
                + " \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}", "syscalls[0].args[0].index: must be a whole number from 0 to 5");
    }

    private static void assertBad(String json, String message) {
        CwbException e = assertThrows(CwbException.class, () -> SeccompProfile.parse("p.json", json));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
