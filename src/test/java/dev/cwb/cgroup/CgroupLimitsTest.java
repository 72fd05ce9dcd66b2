package dev.cwb.cgroup;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupLimitsTest {
    @Test
    void sizesArePowersOf1024LikeTheKernelsMemparse() {
        assertEquals(64L << 20, CgroupLimits.parseMemory("64M"));
        assertEquals(1L << 30, CgroupLimits.parseMemory("1G"));
        assertEquals(512L << 10, CgroupLimits.parseMemory("512k"));
        assertEquals(3L << 29, CgroupLimits.parseMemory("1.5G"));
        assertEquals(20L << 20, CgroupLimits.parseMemory("20MiB"));
        assertEquals(4096, CgroupLimits.parseMemory("4096"));
        assertEquals(CgroupLimits.UNLIMITED, CgroupLimits.parseMemory("max"));
    }

    @Test
    void badSizesSayWhatToWrite() {
        for (String bad : new String[] {"", "64X", "-1", "0", "M", "99999999T"}) {
            CwbException e = assertThrows(CwbException.class, () -> CgroupLimits.parseMemory(bad), bad);
            assertEquals(CwbException.BAD_INPUT, e.exitCode());
            assertTrue(e.oneLine().contains("'" + bad + "'"), e.oneLine());
        }
        assertTrue(assertThrows(CwbException.class, () -> CgroupLimits.parseMemory("64X")).hint().contains("64M"));
    }

    @Test
    void pids() {
        assertEquals(20, CgroupLimits.parsePids("20"));
        assertEquals(CgroupLimits.UNLIMITED, CgroupLimits.parsePids("MAX"));
        assertThrows(CwbException.class, () -> CgroupLimits.parsePids("0"));
        assertThrows(CwbException.class, () -> CgroupLimits.parsePids("2.5"));
    }

    @Test
    void cpusBecomeAQuotaPer100Milliseconds() {
        assertEquals(0.5, CgroupLimits.parseCpus("0.5"));
        assertEquals(50_000, CgroupLimits.cpuQuotaMicros(CgroupLimits.parseCpus("0.5")));
        assertEquals(200_000, CgroupLimits.cpuQuotaMicros(CgroupLimits.parseCpus("2")));
        assertEquals(CgroupLimits.UNLIMITED, CgroupLimits.parseCpus("max"));
        assertTrue(assertThrows(CwbException.class, () -> CgroupLimits.parseCpus("0.001")).getMessage().contains("out of range"));
        assertTrue(assertThrows(CwbException.class, () -> CgroupLimits.parseCpus("half")).hint().contains("0.5"));
        assertThrows(CwbException.class, () -> CgroupLimits.parseCpus("0"));
    }
}
