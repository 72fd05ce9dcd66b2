package dev.cwb.cgroup;

import dev.cwb.kernel.Ebpf;

import java.util.List;

/**
 * Device rules as a cgroup v2 program. The unified hierarchy has no devices controller and no
 * {@code devices.allow} file: instead a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program attached to the group
 * is asked about every mknod(2) and open(2) of a device node by a process inside, and answers 1 (allow) or
 * 0 (deny: the call fails with EPERM). This class writes that program for a list of {@link DeviceRule}s,
 * the way runc's libcontainer/cgroups/devices/devicefilter.go does for a container's rules.
 *
 * <p>The program's context is {@code struct bpf_cgroup_dev_ctx} (include/uapi/linux/bpf.h):
 * <pre>
 *   offset 0  u32 access_type   device type in the low 16 bits (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2),
 *                               the access asked for in the high 16 (BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4)
 *   offset 4  u32 major
 *   offset 8  u32 minor
 * </pre>
 * The program first loads these into registers: r2 type, r3 access, r4 major, r5 minor. Then one block
 * per rule, <em>last rule first</em> (the last matching rule wins, as in the v1 list): each test of the
 * rule jumps to the next block when it fails, and a block whose tests all pass returns the rule's answer.
 * An access is allowed only when every bit asked for is in an allow rule's access (opening read-write needs
 * {@code rw}); a deny rule matches when any bit asked for is in its access. After the last block the
 * answer is 0. A rule with no test at all ({@code a}) ends the program: anything after it could never
 * run, and the verifier refuses unreachable instructions.
 */
public final class DeviceFilter {
    /** Values in bpf_cgroup_dev_ctx.access_type. */
    static final int DEV_BLOCK = 1;
    static final int DEV_CHAR = 2;
    static final int ACC_MKNOD = 1;
    static final int ACC_READ = 2;
    static final int ACC_WRITE = 4;

    private static final int R0 = 0;
    private static final int CTX = 1;
    private static final int TYPE = 2;
    private static final int ACCESS = 3;
    private static final int MAJOR = 4;
    private static final int MINOR = 5;
    private static final int SCRATCH = 6;

    private DeviceFilter() {
    }

    /** The program that answers as {@code rules} do. */
    public static Ebpf.Program compile(List<DeviceRule> rules) {
        Ebpf.Assembler a = new Ebpf.Assembler();
        a.loadWord(TYPE, CTX, 0)
                .moveRegister(ACCESS, TYPE)
                .and32(TYPE, 0xffff)
                .shiftRight32(ACCESS, 16)
                .loadWord(MAJOR, CTX, 4)
                .loadWord(MINOR, CTX, 8);
        boolean fallsThrough = true;
        for (int i = rules.size() - 1; i >= 0 && fallsThrough; i--) {
            DeviceRule r = rules.get(i);
            String next = "rule" + (i - 1);
            boolean tested = false;
            if (r.type() != 'a') {
                a.jumpIfNotEqual(TYPE, r.type() == 'b' ? DEV_BLOCK : DEV_CHAR, next);
                tested = true;
            }
            if (r.major() != DeviceRule.ANY) {
                a.jumpIfNotEqual(MAJOR, r.major(), next);
                tested = true;
            }
            if (r.minor() != DeviceRule.ANY) {
                a.jumpIfNotEqual(MINOR, r.minor(), next);
                tested = true;
            }
            int bits = accessBits(r.access());
            if (bits != (ACC_MKNOD | ACC_READ | ACC_WRITE)) {
                if (r.allow()) {
                    a.jumpIfAnySet(ACCESS, ~bits & 7, next); // asks for something the rule does not give
                } else {
                    a.moveRegister(SCRATCH, ACCESS).and32(SCRATCH, bits).jumpIfEqual(SCRATCH, 0, next); // nothing it takes away
                }
                tested = true;
            }
            a.moveImmediate(R0, r.allow() ? 1 : 0).exit();
            if (tested) {
                a.label(next);
            }
            fallsThrough = tested;
        }
        if (fallsThrough) {
            a.moveImmediate(R0, 0).exit();
        }
        return a.build();
    }

    static int accessBits(String access) {
        int bits = 0;
        for (char ch : access.toCharArray()) {
            bits |= ch == 'm' ? ACC_MKNOD : ch == 'r' ? ACC_READ : ACC_WRITE;
        }
        return bits;
    }
}
