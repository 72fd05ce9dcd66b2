package dev.cwb.kernel;

import dev.cwb.samples.HelloProgram;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the two programs the workbench writes for arm64, {@code hello} ({@link HelloProgram}) and cwb-init
 * ({@link InitProgram#aarch64()}), under qemu-user ({@code qemu-aarch64-static}): qemu executes the
 * aarch64 instructions on this machine and hands their system calls to the host kernel.
 *
 * <p>It proves that the hand-encoded machine code does what its comments say: hello prints its text and
 * exits 0; cwb-init reads requests on descriptor 3, makes the calls with aarch64's system call numbers,
 * follows pointers into its buffer at {@link InitProgram#BUFFER}, answers {@code -errno} for a failed
 * call, returns the payload's first {@code outlen} bytes, forks on {@code clone} with the child
 * answering on the socket it took from descriptor 4, passes clone3 on only in the workbench's one form, and
 * exits 0 at end of file. It proves nothing about
 * real arm64 hardware, and nothing about namespaces (qemu-user emulates a process, not a kernel).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a read that never returns fails
class Arm64ProgramsTest {
    // aarch64's system call numbers (include/uapi/asm-generic/unistd.h), not this machine's.
    private static final long CHDIR = 49;
    private static final long WRITE = 64;
    private static final long GETPID = 172;
    private static final long GETPPID = 173;
    private static final long CLONE = 220;
    private static final long EXECVE = 221;
    private static final long CLONE3 = 435;
    private static final long WAIT4 = 260;
    private static final long SIGCHLD = 17;
    /** Where a request's payload lies in cwb-init's memory: pointer arguments point here. */
    private static final long PAYLOAD_ADDRESS = InitProgram.BUFFER + InitProgram.PAYLOAD;

    @TempDir
    Path dir;

    @Test
    void helloPrintsItsTextAndExitsZero() throws Exception {
        Path qemu = qemu();
        Path hello = executable("hello", HelloProgram.forArchitecture("arm64", "hi there\n"));
        Processes.Result r = Processes.run(dir, List.of(qemu.toString(), hello.toString()));
        assertEquals("hi there\n", r.output());
        assertEquals(0, r.exitCode());
    }

    @Test
    void cwbInitMakesTheRequestedCallsForksOnCloneAndExitsAtEndOfFile() throws Exception {
        Path qemu = qemu();
        Requirements.require(LibC.AVAILABLE, "needs the C library through JNA");
        Path init = executable("cwb-init", InitProgram.aarch64());
        int[] control = InitProcess.socketPair();
        int[] childControl = InitProcess.socketPair();
        int[] stdout = new int[2];
        assertEquals(0, LibC.pipe2(stdout, OpenFlags.O_CLOEXEC));
        int[] statusPipe = new int[2];
        assertEquals(0, LibC.pipe2(statusPipe, OpenFlags.O_CLOEXEC));
        int pid = Spawn.spawn(qemu.toString(), new String[] {"qemu-aarch64-static", init.toString()}, new int[][] {
            {stdout[1], 1}, {control[1], InitProgram.CONTROL_FD}, {childControl[1], InitProgram.CHILD_CONTROL_FD},
            {statusPipe[1], InitProgram.STATUS_FD}});
        LibC.close(stdout[1]);
        LibC.close(statusPipe[1]);
        LibC.close(control[1]);
        LibC.close(childControl[1]);
        int c = control[0];
        try {
            assertEquals(pid, call(c, GETPID), "qemu-user runs the program as the process we started");

            send(c, WRITE, bytes("x"), 0, 1, PAYLOAD_ADDRESS, 1);
            assertEquals(1, reply(c).getLong(0));
            byte[] written = new byte[8];
            assertEquals(1, LibC.read(stdout[0], written, written.length));
            assertEquals('x', written[0], "the byte at the pointer reached standard output");

            send(c, CHDIR, bytes("/no/such/directory\0"), 0, PAYLOAD_ADDRESS);
            assertEquals(-Errno.ENOENT, reply(c).getLong(0));

            byte[] shortRequest = new byte[10];
            shortRequest[0] = (byte) GETPID;
            assertEquals(10, LibC.write(c, shortRequest, shortRequest.length));
            assertEquals(InitProgram.REFUSED_SHORT, reply(c).getLong(0), "a request shorter than its header is refused");
            send(c, CLONE3, new byte[64], 0, PAYLOAD_ADDRESS, 64);
            assertEquals(InitProgram.REFUSED_CALL, reply(c).getLong(0), "clone3 is refused");

            send(c, EXECVE, bytes("/no/such/program\0"), 0, PAYLOAD_ADDRESS, 0, 0);
            assertEquals(-Errno.ENOENT, reply(statusPipe[0]).getLong(0), "execve's errno comes on the status pipe");
            assertEquals(pid, call(c, GETPID), "and nothing on the socket before the next answer");

            long child = call(c, CLONE, SIGCHLD, 0, 0, 0, 0, 0);
            assertTrue(child > 0, "the parent answers with the child's pid, got " + child);
            assertEquals(0, reply(childControl[0]).getLong(0), "the child answers 0, on its own socket");
            assertEquals(pid, call(childControl[0], GETPPID));
            LibC.close(childControl[0]); // end of file: the child exits

            send(c, WAIT4, new byte[4], 4, child, PAYLOAD_ADDRESS, 0, 0);
            ByteBuffer waited = reply(c);
            assertEquals(child, waited.getLong(0));
            assertEquals(12, waited.limit(), "the result and outlen = 4 bytes of payload");
            assertEquals(0, waited.getInt(8), "wait status of the child: exited 0");
        } finally {
            LibC.close(c); // end of file: cwb-init exits
            LibC.close(stdout[0]);
            LibC.close(statusPipe[0]);
        }
        int[] status = new int[1];
        assertEquals(pid, LibC.waitpid(pid, status, 0));
        assertEquals(0, status[0], "wait status of cwb-init: exited 0");
    }

    /**
     * clone3 in the workbench's one form (clone_args at the payload's start, flags exactly CLONE_INTO_CGROUP)
     * is passed to the kernel; other forms are refused without a call. qemu 7.2's user mode has no clone3 and
     * answers -ENOSYS just as cwb-init's refusal does, so what tells them apart is qemu's own log of the guest's
     * system calls ({@code -strace}): the call reaches it once, for the accepted form only.
     */
    @Test
    void cwbInitPassesOnlyTheWorkbenchsClone3ToTheKernel() throws Exception {
        Path qemu = qemu();
        Requirements.require(LibC.AVAILABLE, "needs the C library through JNA");
        Path init = executable("cwb-init", InitProgram.aarch64());
        int[] control = InitProcess.socketPair();
        int[] log = new int[2];
        assertEquals(0, LibC.pipe2(log, OpenFlags.O_CLOEXEC));
        int pid = Spawn.spawn(qemu.toString(), new String[] {"qemu-aarch64-static", "-strace", init.toString()},
                new int[][] {{log[1], 2}, {control[1], InitProgram.CONTROL_FD}});
        LibC.close(log[1]);
        LibC.close(control[1]);
        int c = control[0];
        String refusedLog;
        try {
            send(c, CLONE3, cloneArgs(CLONE_INTO_CGROUP | 0x100, 7), 0, PAYLOAD_ADDRESS, 88); // | CLONE_VM
            assertEquals(InitProgram.REFUSED_CALL, reply(c).getLong(0));
            byte[] shifted = new byte[8 + 88];
            System.arraycopy(cloneArgs(CLONE_INTO_CGROUP, 7), 0, shifted, 8, 88);
            send(c, CLONE3, shifted, 0, PAYLOAD_ADDRESS + 8, 88);
            assertEquals(InitProgram.REFUSED_CALL, reply(c).getLong(0));
            assertEquals(pid, call(c, GETPID), "a marker in the log between the refused and the accepted form");
            send(c, CLONE3, cloneArgs(CLONE_INTO_CGROUP, 7), 0, PAYLOAD_ADDRESS, 88);
            assertEquals(-Errno.ENOSYS, reply(c).getLong(0), "qemu's answer: it has no clone3");
        } finally {
            LibC.close(c); // end of file: cwb-init exits
        }
        int[] status = new int[1];
        assertEquals(pid, LibC.waitpid(pid, status, 0));
        byte[] buffer = new byte[65536];
        StringBuilder text = new StringBuilder();
        for (long n; (n = LibC.read(log[0], buffer, buffer.length)) > 0; ) {
            text.append(new String(buffer, 0, (int) n, StandardCharsets.UTF_8));
        }
        LibC.close(log[0]);
        String all = text.toString();
        int marker = all.indexOf("getpid()");
        assertTrue(marker > 0, all);
        refusedLog = all.substring(0, marker);
        assertFalse(refusedLog.contains("435") || refusedLog.contains("clone3"), "a refused clone3 reached the kernel:\n" + all);
        assertTrue(all.substring(marker).contains("Unknown syscall 435"), "the accepted clone3 was not made:\n" + all);
    }

    private static final long CLONE_INTO_CGROUP = 0x200000000L;

    /** struct clone_args up to cgroup (88 bytes): flags, exit_signal SIGCHLD, the cgroup descriptor. */
    private static byte[] cloneArgs(long flags, long cgroupFd) {
        ByteBuffer b = ByteBuffer.allocate(88).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, flags).putLong(32, SIGCHLD).putLong(80, cgroupFd);
        return b.array();
    }

    private Path qemu() {
        Requirements.requireLinux();
        return Requirements.requireCommand("qemu-aarch64-static", "qemu-user-static");
    }

    private Path executable(String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** A request without payload; returns the call's result. */
    private static long call(int socket, long number, long... args) {
        send(socket, number, new byte[0], 0, args);
        return reply(socket).getLong(0);
    }

    /** One request as {@link InitProgram} documents it: number, six arguments, outlen, payload. */
    private static void send(int socket, long number, byte[] payload, long outlen, long... args) {
        ByteBuffer request = ByteBuffer.allocate(InitProgram.PAYLOAD + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        request.putLong(number);
        for (int i = 0; i < 6; i++) {
            request.putLong(i < args.length ? args[i] : 0);
        }
        request.putLong(outlen).put(payload);
        assertEquals(request.capacity(), LibC.write(socket, request.array(), request.capacity()));
    }

    /** One reply: the result (or -errno) at 0, then the payload's first outlen bytes. */
    private static ByteBuffer reply(int socket) {
        byte[] buffer = new byte[8 + InitProgram.BUFFER_SIZE];
        long n = LibC.read(socket, buffer, buffer.length);
        assertTrue(n >= 8, "a reply has at least 8 bytes; read returned " + n + " (0: cwb-init ended)");
        return ByteBuffer.wrap(buffer, 0, (int) n).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
