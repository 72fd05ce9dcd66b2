package dev.cwb.cgroup;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The program a rule list becomes, read as the verifier lists it. Whether the kernel accepts and obeys
 * it is {@code DeviceProgramKernelTest}'s question.
 */
class DeviceFilterTest {
    private static final List<String> PROLOGUE = List.of(
            "0: r2 = *(u32 *)(r1 + 0)", "1: r3 = r2", "2: w2 &= 0xffff", "3: w3 >>= 16",
            "4: r4 = *(u32 *)(r1 + 4)", "5: r5 = *(u32 *)(r1 + 8)");

    @Test
    void theLastRuleIsAskedFirstAndDenyAllEndsTheProgram() {
        List<DeviceRule> rules = List.of(new DeviceRule(false, 'a', DeviceRule.ANY, DeviceRule.ANY, "rwm"),
                DeviceRule.allow('b', DeviceRule.ANY, DeviceRule.ANY, "m"),
                DeviceRule.allow('c', 1, 3, "rwm"));
        List<String> body = List.of(
                // c 1:3 rwm: char, major 1, minor 3, any access
                "6: if r2 != 0x2 goto pc+4", "7: if r4 != 0x1 goto pc+3", "8: if r5 != 0x3 goto pc+2",
                "9: r0 = 1", "10: exit",
                // b *:* m: block, and nothing asked for but mknod (read 2 | write 4 = 6)
                "11: if r2 != 0x1 goto pc+3", "12: if r3 & 0x6 goto pc+2", "13: r0 = 1", "14: exit",
                // deny a: no test, the answer for everything else; nothing may follow it
                "15: r0 = 0", "16: exit");
        assertEquals(concat(PROLOGUE, body), DeviceFilter.compile(rules).listing());
    }

    @Test
    void withoutACatchAllTheProgramDeniesWhatNoRuleAllowsAndADenyRuleMatchesAnyBitItTakes() {
        List<DeviceRule> rules = List.of(new DeviceRule(false, 'c', 1, 9, "w"));
        assertEquals(concat(PROLOGUE, List.of(
                "6: if r2 != 0x2 goto pc+7", "7: if r4 != 0x1 goto pc+6", "8: if r5 != 0x9 goto pc+5",
                "9: r6 = r3", "10: w6 &= 0x4", "11: if r6 == 0x0 goto pc+2", "12: r0 = 0", "13: exit",
                "14: r0 = 0", "15: exit")), DeviceFilter.compile(rules).listing());
    }

    @Test
    void rulesAreWrittenAsTheV1FilesTakeThem() {
        assertEquals(List.of("a", "c *:* m", "b *:* m", "c 1:3 rwm"),
                DeviceRule.RUNC_DEFAULTS.subList(0, 4).stream().map(DeviceRule::v1Text).toList());
        assertEquals("devices.deny", DeviceRule.RUNC_DEFAULTS.get(0).v1File());
        assertEquals("c 136:* rwm", DeviceRule.RUNC_DEFAULTS.get(DeviceRule.RUNC_DEFAULTS.size() - 1).v1Text());
        assertThrows(IllegalArgumentException.class, () -> DeviceRule.allow('c', 1, 3, "wr"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRule.allow('x', 1, 3, "r"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
