package dev.cwb.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wait statuses decoded as wait(2)'s macros do, and printed as strace prints them. */
class WaitStatusTest {
    @Test
    void exitCodesAndSignals() {
        WaitStatus exited = new WaitStatus(3 << 8);
        assertTrue(exited.exited());
        assertEquals(3, exited.exitCode());
        assertEquals("exited 3", exited.toString());
        assertEquals(3, exited.shellStatus());
        WaitStatus killed = new WaitStatus(9);
        assertFalse(killed.exited());
        assertTrue(killed.signaled());
        assertEquals("killed by SIGKILL", killed.toString());
        assertEquals(137, killed.shellStatus(), "what a shell reports for an OOM kill");
        assertEquals("{WIFEXITED(s) && WEXITSTATUS(s) == 3}", WaitStatus.describe(3 << 8));
        assertEquals("{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}", WaitStatus.describe(11 | 0x80));
    }
}
