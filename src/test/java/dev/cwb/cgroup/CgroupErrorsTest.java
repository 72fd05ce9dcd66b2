package dev.cwb.cgroup;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The advice each errno the kernel gives a cgroup operation gets. */
class CgroupErrorsTest {
    private static CwbException refused(CgroupWrite.Action action, String file, String value, int errno, CgroupMode v) {
        CgroupWrite w = new CgroupWrite(action, Path.of("/sys/fs/cgroup/cwb/box").resolve(file), value, errno);
        return CgroupErrors.of(new CgroupFiles.Failure(w, null), v);
    }

    @Test
    void permissionDeniedSaysHowToProceedForEachVersion() {
        CwbException v2 = refused(CgroupWrite.Action.MKDIR, "", null, 13, CgroupMode.UNIFIED);
        assertTrue(v2.getMessage().startsWith("cannot create cgroup /sys/fs/cgroup/cwb/box: EACCES (Permission denied)"),
                v2.getMessage());
        assertTrue(v2.hint().contains("sudo") && v2.hint().contains("systemd-run --user --scope -p Delegate=yes"), v2.hint());
        CwbException v1 = refused(CgroupWrite.Action.WRITE, "pids.max", "5", 1, CgroupMode.LEGACY);
        assertTrue(v1.hint().contains("sudo") && !v1.hint().contains("Delegate"), v1.hint());
    }

    @Test
    void subtreeControlRefusalsExplainTheRuleBehindThem() {
        CwbException busy = refused(CgroupWrite.Action.WRITE, "cgroup.subtree_control", "+memory", 16, CgroupMode.UNIFIED);
        assertTrue(busy.getMessage().contains("no internal processes"), busy.getMessage());
        CwbException missing = refused(CgroupWrite.Action.WRITE, "cgroup.subtree_control", "+memory", 2, CgroupMode.UNIFIED);
        assertEquals(CwbException.UNSUPPORTED, missing.exitCode());
        assertTrue(missing.getMessage().contains("/sys/fs/cgroup/cwb/box/cgroup.controllers"), missing.getMessage());
        CwbException gone = refused(CgroupWrite.Action.WRITE, "cgroup.procs", "999999", 3, CgroupMode.LEGACY);
        assertEquals("cannot write '999999' to /sys/fs/cgroup/cwb/box/cgroup.procs: ESRCH (No such process) (that process has exited, or never existed)",
                gone.getMessage());
    }
}
