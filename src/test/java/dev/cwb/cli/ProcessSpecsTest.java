package dev.cwb.cli;

import dev.cwb.kernel.WaitStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The line that says how a container's command ended. */
class ProcessSpecsTest {
    private static final WaitStatus SIGKILLED = new WaitStatus(9);
    private static final WaitStatus EXITED_0 = new WaitStatus(0);

    @Test
    void aSigkillTheOomCountCannotExplainSaysTheCountIsUnknown() {
        assertEquals("sh (pid 4321 on the host, 1 inside) killed by SIGKILL; whether the OOM killer killed it is unknown: "
                        + "/sys/fs/cgroup/cwb/box/memory.events cannot be read: permission denied.",
                ProcessSpecs.ending("sh", 4321, 1, SIGKILLED, false,
                        "/sys/fs/cgroup/cwb/box/memory.events cannot be read: permission denied", false, null));
        assertEquals("sh (pid 4321 on the host, 1 inside) killed by SIGKILL.",
                ProcessSpecs.ending("sh", 4321, 1, SIGKILLED, false, null, false, null), "a count read as 0: not the OOM killer");
        assertEquals("sh (pid 4321 on the host, 1 inside) exited 0.",
                ProcessSpecs.ending("sh", 4321, 1, EXITED_0, false, "memory.events cannot be read", false, null),
                "a command that exited was not OOM-killed, whatever the count");
    }
}
