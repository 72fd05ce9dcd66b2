package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cwb-init really makes the calls it is asked for: its own pid comes back from getpid, a failing call
 * gives the kernel's errno, a clone answers on its own socket, and a successful execve ends the
 * conversation (the control socket is close-on-exec). Needs Linux, not root.
 */
class InitProcessTest {
    @TempDir
    Path dir;

    private InitProcess start() throws Exception {
        Requirements.requireLinux();
        return InitProcess.start(InitProcess.install(dir.resolve("cwb-init")), "cwb-init", null);
    }

    @Test
    void callsAreMadeByCwbInitItselfAndRecordedWithItsPid() throws Exception {
        SyscallLog log = new SyscallLog();
        InitProcess init = start();
        try {
            Syscalls calls = new Syscalls(log, init);
            assertEquals(init.pid(), calls.getpid(), "getpid answered by cwb-init, not by this JVM");
            assertTrue(init.pid() != ProcessHandle.current().pid());
            SyscallException e = assertThrows(SyscallException.class, () -> calls.chdir(dir.resolve("missing").toString()));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(List.of("getpid() = " + init.pid(), "chdir(\"" + dir.resolve("missing") + "\") = -1 ENOENT (No such file or directory)"),
                    log.records().stream().map(SyscallRecord::straceLine).toList());
            assertTrue(log.records().stream().allMatch(r -> r.tid() == init.pid()));
        } finally {
            init.close();
            assertEquals(0, new WaitStatus(init.reap()).exitCode(), "cwb-init exits 0 at end of file on its socket");
        }
    }

    @Test
    void aCloneAnswersOnItsOwnSocketAndExecveEndsTheConversation() throws Exception {
        InitProcess init = start();
        try {
            Syscalls calls = new Syscalls(SyscallListener.NONE, init);
            InitProcess child = init.cloneChild(calls, pid -> pid);
            Syscalls childCalls = calls.through(child);
            assertEquals(child.pid(), childCalls.getpid());
            assertEquals(init.pid(), ProcessHandle.of(child.pid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L));
            Path marker = dir.resolve("ran");
            childCalls.closeOnExecFrom(3);
            childCalls.execve("/bin/sh", List.of("sh", "-c", "echo yes > " + marker), List.of());
            assertTrue(child.gone(), "execve succeeded: the control socket closed with it");
            int[] status = new int[1];
            assertEquals(child.pid(), calls.wait4(child.pid(), status, 0));
            assertEquals(0, new WaitStatus(status[0]).exitCode());
            assertEquals("yes\n", Files.readString(marker));
        } finally {
            init.close();
            init.reap();
        }
    }

    @Test
    void aFailedExecveLeavesTheCloneAnsweringWithTheErrno() throws Exception {
        InitProcess init = start();
        try {
            Syscalls calls = new Syscalls(SyscallListener.NONE, init);
            SyscallException e = assertThrows(SyscallException.class,
                    () -> calls.execve(dir.resolve("no-such-program").toString(), List.of("x"), List.of()));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(init.pid(), calls.getpid(), "still there, still answering");
        } finally {
            init.close();
            init.reap();
        }
    }
}
