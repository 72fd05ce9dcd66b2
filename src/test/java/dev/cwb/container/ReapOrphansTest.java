package dev.cwb.container;

import dev.cwb.kernel.Errno;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallListener;
import dev.cwb.kernel.SyscallPort;
import dev.cwb.kernel.Syscalls;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After exec, the container's init reaps ended orphans: ECHILD ends that quietly, nothing else does. */
class ReapOrphansTest {
    /** A port whose wait4(2) answers are given in advance (a pid, 0, or minus an errno). */
    private static final class Answers implements SyscallPort {
        final Deque<Long> results;
        int calls;

        Answers(Long... results) {
            this.results = new ArrayDeque<>(List.of(results));
        }

        @Override
        public long make(long number, Object[] args) {
            calls++;
            return results.removeFirst();
        }

        @Override
        public long callerId() {
            return 1;
        }
    }

    private static Syscalls through(Answers port) {
        return new Syscalls(SyscallListener.NONE, port);
    }

    @Test
    void reapsUntilNoneIsLeftAndEchildEndsItQuietly() throws Exception {
        Answers ended = new Answers(41L, 42L, 0L);
        ExecStep.reapEnded(through(ended));
        assertEquals(3, ended.calls, "two orphans reaped, then none ended yet");

        Answers none = new Answers(43L, (long) -Errno.ECHILD);
        ExecStep.reapEnded(through(none));
        assertEquals(2, none.calls);
    }

    @Test
    void anyOtherFailureReachesTheCaller() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> ExecStep.reapEnded(through(new Answers((long) -Errno.EINVAL))));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("wait4("), e.getMessage());
    }
}
