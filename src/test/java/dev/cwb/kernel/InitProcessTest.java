package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cwb-init really makes the calls it is asked for: its own pid comes back from getpid, a failing call
 * gives the kernel's errno, a clone answers on its own socket, execve's result comes from the status pipe.
 * What it refuses is checked by speaking its protocol directly: a request shorter than its header, and
 * fork, vfork and clone3. And it runs from the descriptor that was checked, whatever is put at its name
 * afterwards. Needs Linux; the failed clone needs root.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a read that never returns fails
class InitProcessTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    private InitBinary binary() throws Exception {
        Requirements.requireLinux();
        InitBinary b = InitBinary.install(dir);
        opened.add(b);
        return b;
    }

    private InitProcess start() throws Exception {
        return InitProcess.start(binary(), "cwb-init", null);
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
            assertTrue(log.records().stream().allMatch(r -> r.timing() == SyscallRecord.Timing.ROUND_TRIP),
                    "a call through cwb-init is timed as the round trip it is");
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
            assertTrue(child.gone(), "execve succeeded: the status pipe closed with it");
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
    void aFailedExecveReportsTheKernelsErrnoThroughTheStatusPipe() throws Exception {
        Path notAProgram = dir.resolve("not-a-program");
        Files.writeString(notAProgram, "\u0001\u0002 no ELF, no #!\n");
        Files.setPosixFilePermissions(notAProgram, PosixFilePermissions.fromString("rwxr-xr-x"));
        SyscallLog log = new SyscallLog();
        InitProcess init = start();
        try {
            Syscalls calls = new Syscalls(log, init);
            SyscallException missing = assertThrows(SyscallException.class,
                    () -> calls.execve(dir.resolve("no-such-program").toString(), List.of("x"), List.of()));
            assertEquals(Errno.ENOENT, missing.errno());
            SyscallException noExec = assertThrows(SyscallException.class,
                    () -> calls.execve(notAProgram.toString(), List.of("x"), List.of()));
            assertEquals(Errno.ENOEXEC, noExec.errno());
            assertEquals(init.pid(), calls.getpid(), "still there, still answering on its socket");
            List<String> lines = log.records().stream().map(SyscallRecord::straceLine).toList();
            // before each execve: the status pipe's write end received, and put at descriptor 5
            int first = lines.indexOf(lines.stream().filter(l -> l.startsWith("execve(")).findFirst().orElseThrow());
            assertTrue(lines.get(0).startsWith("recvmsg(3, "), lines.toString());
            assertTrue(lines.subList(0, first).stream().anyMatch(l -> l.matches("recvmsg\\(3, .*cmsg_data=\\[5\\].* = 1")
                    || l.matches("dup3\\(\\d+, 5, O_CLOEXEC\\) = 5")), lines.toString());
            assertTrue(lines.get(first).endsWith(" = -1 ENOENT (No such file or directory)"), lines.get(first));
        } finally {
            init.close();
            init.reap();
        }
    }

    @Test
    void theExecveReplyGoesToTheStatusPipeAndNotTheSocket() throws Exception {
        try (Raw init = Raw.start(binary())) {
            byte[] path = "/no/such/program\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            // execve(path, NULL, NULL): argv and envp NULL are allowed on Linux; the file is missing anyway
            init.send(SyscallNumber.EXECVE.number(), path, 0, Raw.PAYLOAD_ADDRESS, 0, 0);
            ByteBuffer status = Raw.read(init.statusRead);
            assertEquals(-Errno.ENOENT, status.getLong(0), "the kernel's errno, from the status pipe");
            assertEquals(8, status.limit());
            assertEquals(init.pid, init.call(SyscallNumber.GETPID.number()), "the socket had no reply waiting: the next one is getpid's");
        }
    }

    @Test
    void aRequestShorterThanItsHeaderIsRefused() throws Exception {
        try (Raw init = Raw.start(binary())) {
            byte[] getpid = new byte[10];
            getpid[0] = (byte) SyscallNumber.GETPID.number();
            assertEquals(10, LibC.write(init.socket, getpid, getpid.length));
            ByteBuffer r = Raw.read(init.socket);
            assertEquals(InitProgram.REFUSED_SHORT, r.getLong(0), "-EINVAL, not getpid's answer");
            assertEquals(8, r.limit());
            // a payload asked back that is longer than what was sent
            init.send(SyscallNumber.GETPID.number(), new byte[8], 9);
            assertEquals(InitProgram.REFUSED_SHORT, Raw.read(init.socket).getLong(0));
            assertEquals(init.pid, init.call(SyscallNumber.GETPID.number()), "and it goes on answering");
        }
    }

    @Test
    void forkVforkAndClone3AreRefusedAndMakeNoProcess() throws Exception {
        Requirements.require(Arch.current() == Arch.X86_64, "fork and vfork exist on x86_64 only (aarch64: Arm64ProgramsTest)");
        try (Raw init = Raw.start(binary())) {
            for (SyscallNumber call : List.of(SyscallNumber.FORK, SyscallNumber.VFORK, SyscallNumber.CLONE3)) {
                // clone3 with a zeroed clone_args of 64 bytes: the kernel would make a plain child of it
                init.send(call.number(), new byte[64], 0, Raw.PAYLOAD_ADDRESS, 64);
                assertEquals(InitProgram.REFUSED_CALL, Raw.read(init.socket).getLong(0), call.callName());
            }
            assertEquals(List.of(), dev.cwb.container.HostPids.children(init.pid), "no child was made");
            assertEquals(init.pid, init.call(SyscallNumber.GETPID.number()));
        }
        InitProcess init = start();
        try {
            SyscallException e = assertThrows(SyscallException.class,
                    () -> init.make(SyscallNumber.CLONE3.number(), new Object[] {0L, 0L}));
            assertTrue(e.getMessage().contains("makes no fork, vfork or clone3"), e.getMessage());
        } finally {
            init.close();
            init.reap();
        }
    }

    /**
     * clone3 in the one form the workbench sends — its clone_args at the start of the payload, flags exactly
     * CLONE_INTO_CGROUP — is made, and its child starts in the group and answers on the socket it took from
     * descriptor 4. Any other form is refused (-ENOSYS) and makes no process: flags with more in them, or the
     * clone_args anywhere else.
     */
    @Test
    void clone3IsMadeOnlyIntoACgroupAndItsChildIsBornThere() throws Exception {
        Requirements.requireRoot();
        dev.cwb.cgroup.CgroupHost host = dev.cwb.cgroup.CgroupHost.detect();
        Requirements.require(host.unified().isPresent(), "needs a cgroup2 mount: " + host.explanation());
        String name = "clone3-test-" + ProcessHandle.current().pid();
        Path parent = host.unified().orElseThrow().resolve("cwb");
        Files.createDirectories(parent);
        Path group = Files.createDirectory(parent.resolve(name));
        int[] childControl = InitProcess.socketPair();
        try (Raw init = Raw.start(binary(), childControl[1])) {
            LibC.close(childControl[1]);
            byte[] path = (group + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            init.send(SyscallNumber.OPENAT.number(), path, 0, -100, Raw.PAYLOAD_ADDRESS,
                    OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
            long fd = Raw.read(init.socket).getLong(0);
            assertTrue(fd > 4, "cwb-init opened the group's directory: " + fd);

            byte[] withVm = cloneArgs(Syscalls.CLONE_INTO_CGROUP | 0x100, fd); // CLONE_VM
            init.send(SyscallNumber.CLONE3.number(), withVm, 0, Raw.PAYLOAD_ADDRESS, Syscalls.CLONE_ARGS_SIZE);
            assertEquals(InitProgram.REFUSED_CALL, Raw.read(init.socket).getLong(0), "flags beyond CLONE_INTO_CGROUP");
            byte[] shifted = new byte[8 + Syscalls.CLONE_ARGS_SIZE];
            System.arraycopy(cloneArgs(Syscalls.CLONE_INTO_CGROUP, fd), 0, shifted, 8, Syscalls.CLONE_ARGS_SIZE);
            init.send(SyscallNumber.CLONE3.number(), shifted, 0, Raw.PAYLOAD_ADDRESS + 8, Syscalls.CLONE_ARGS_SIZE);
            assertEquals(InitProgram.REFUSED_CALL, Raw.read(init.socket).getLong(0), "clone_args not at the payload's start");
            assertEquals(List.of(), dev.cwb.container.HostPids.children(init.pid), "a refused clone3 made a process");

            init.send(SyscallNumber.CLONE3.number(), cloneArgs(Syscalls.CLONE_INTO_CGROUP, fd), 0, Raw.PAYLOAD_ADDRESS,
                    Syscalls.CLONE_ARGS_SIZE);
            long child = Raw.read(init.socket).getLong(0);
            assertTrue(child > 0, "the parent answers with the child's pid, got " + child);
            assertEquals(0, Raw.read(childControl[0]).getLong(0), "the child answers 0, on its own socket");
            assertEquals(List.of((int) child), dev.cwb.container.HostPids.children(init.pid));
            String cgroups = Files.readString(Path.of("/proc", Long.toString(child), "cgroup"));
            assertTrue(cgroups.lines().anyMatch(l -> l.equals("0::/cwb/" + name)), "born in the group:\n" + cgroups);
            assertEquals(Long.toString(child), Files.readString(group.resolve("cgroup.procs")).trim());
            LibC.close(childControl[0]); // end of file: the child exits
            init.send(SyscallNumber.WAIT4.number(), new byte[4], 4, child, Raw.PAYLOAD_ADDRESS, 0, 0);
            ByteBuffer waited = Raw.read(init.socket);
            assertEquals(child, waited.getLong(0));
            assertEquals(0, waited.getInt(8), "the child exited 0");
        } finally {
            Files.deleteIfExists(group);
        }
    }

    /** struct clone_args up to cgroup: flags, exit_signal SIGCHLD, the cgroup descriptor. */
    private static byte[] cloneArgs(long flags, long cgroupFd) {
        ByteBuffer b = ByteBuffer.allocate(Syscalls.CLONE_ARGS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, flags).putLong(32, Syscalls.SIGCHLD).putLong(80, cgroupFd);
        return b.array();
    }

    @Test
    void aCloneThatCannotTakeItsOwnSocketExitsInsteadOfAnsweringOnItsParents() throws Exception {
        try (Raw init = Raw.start(binary())) { // nothing at descriptor 4: the child's dup2(4, 3) fails
            long child = init.call(SyscallNumber.CLONE.number(), Syscalls.SIGCHLD, 0, 0, 0, 0, 0);
            assertTrue(child > 0, "the parent answers with the child's pid, got " + child);
            init.send(SyscallNumber.WAIT4.number(), new byte[4], 4, child, Raw.PAYLOAD_ADDRESS, 0, 0);
            ByteBuffer waited = Raw.read(init.socket);
            assertEquals(child, waited.getLong(0), "the next answer is wait4's: the child wrote none on this socket");
            assertEquals(1, new WaitStatus(waited.getInt(8)).exitCode(), "the child exited 1");
        }
    }

    @Test
    void aReplyThatCannotBeWrittenEndsCwbInitInsteadOfReadingOn() throws Exception {
        try (Raw init = Raw.start(binary())) {
            // our end takes nothing more: cwb-init's reply write(2) fails with EPIPE (a seqpacket socket sends no SIGPIPE)
            assertEquals(0, LibC.shutdown(init.socket, 0 /* SHUT_RD */));
            init.send(SyscallNumber.GETPID.number(), new byte[0], 0);
            int[] status = new int[1];
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            int reaped = 0;
            while (reaped == 0 && System.nanoTime() < deadline) {
                reaped = LibC.waitpid(init.pid, status, 1 /* WNOHANG */);
                Thread.sleep(20);
            }
            if (reaped == 0) {
                Kernel.killQuietly(init.pid);
            }
            assertEquals(init.pid, reaped, "cwb-init must not go on reading requests it can no longer answer");
            WaitStatus ended = new WaitStatus(status[0]);
            assertTrue(ended.exited() && ended.exitCode() == 1, "it exits 1: " + ended);
        }
    }

    @Test
    void aFailedCloneLeavesNoSocketBehindInCwbInit() throws Exception {
        Requirements.requireRoot();
        InitProcess init = start();
        try {
            Syscalls calls = new Syscalls(SyscallListener.NONE, init);
            calls.unshare(CloneFlags.CLONE_NEWPID);
            InitProcess pid1 = init.cloneChild(calls, pid -> pid);
            pid1.close(); // PID 1 exits, and its namespace takes no new process: the next clone fails
            int[] status = new int[1];
            assertEquals(pid1.pid(), calls.wait4(pid1.pid(), status, 0));
            SyscallException e = assertThrows(SyscallException.class, () -> init.cloneChild(calls, pid -> pid));
            assertEquals(Errno.ENOMEM, e.errno());
            assertFalse(Files.exists(Path.of("/proc", Integer.toString(init.pid()), "fd", "4"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "descriptor 4, the socket meant for the clone, was closed");
        } finally {
            init.close();
            init.reap();
        }
    }

    @Test
    void cwbInitRunsFromTheCheckedDescriptorWhateverIsPutAtItsName() throws Exception {
        InitBinary b = binary();
        Path marker = dir.resolve("swapped-program-ran");
        Path other = dir.resolve("other");
        Files.writeString(other, "#!/bin/sh\ntouch " + marker + "\nsleep 5\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rwx------"));
        Files.move(other, b.path(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE); // after the check
        InitProcess init = InitProcess.start(b, "cwb-init", null);
        try {
            assertEquals(init.pid(), new Syscalls(SyscallListener.NONE, init).getpid(), "cwb-init answers: it is what ran");
            assertFalse(Files.exists(marker), "the program put at the name after the check did not run");
        } finally {
            init.close();
            init.reap();
        }
        assertFalse(Files.exists(marker));
    }

    @Test
    void aLinkPlantedAtTheNameIsReplacedNotFollowed() throws Exception {
        Requirements.requireLinux();
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "keep me");
        Files.createSymbolicLink(dir.resolve(InitBinary.NAME), victim);
        InitBinary b = binary();
        assertEquals("keep me", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(b.path()));
        assertArrayEquals(InitProgram.forCurrentArch(), Files.readAllBytes(b.path()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), "its directory is 0700");
    }

    /** cwb-init started by hand with its socket at 3 and a status pipe at 5, spoken to byte by byte. */
    private static final class Raw implements AutoCloseable {
        static final long PAYLOAD_ADDRESS = InitProgram.BUFFER + InitProgram.PAYLOAD;
        final int pid;
        final int socket;
        final int statusRead;

        private Raw(int pid, int socket, int statusRead) {
            this.pid = pid;
            this.socket = socket;
            this.statusRead = statusRead;
        }

        static Raw start(InitBinary b) throws Exception {
            return start(b, -1);
        }

        /** With {@code childControl} (or nothing, -1) at descriptor 4, for the child of a clone to take. */
        static Raw start(InitBinary b, int childControl) throws Exception {
            int[] control = InitProcess.socketPair();
            int[] pipe = new int[2];
            assertEquals(0, LibC.pipe2(pipe, OpenFlags.O_CLOEXEC));
            int[][] fds = childControl < 0
                    ? new int[][] {{control[1], InitProgram.CONTROL_FD}, {pipe[1], InitProgram.STATUS_FD}}
                    : new int[][] {{control[1], InitProgram.CONTROL_FD}, {childControl, InitProgram.CHILD_CONTROL_FD},
                        {pipe[1], InitProgram.STATUS_FD}};
            int pid = Spawn.spawn(b.spawnPath(), new String[] {"cwb-init"}, fds);
            LibC.close(control[1]);
            LibC.close(pipe[1]);
            return new Raw(pid, control[0], pipe[0]);
        }

        long call(long number, long... args) {
            send(number, new byte[0], 0, args);
            return read(socket).getLong(0);
        }

        void send(long number, byte[] payload, long outlen, long... args) {
            ByteBuffer request = ByteBuffer.allocate(InitProgram.PAYLOAD + payload.length).order(ByteOrder.LITTLE_ENDIAN);
            request.putLong(number);
            for (int i = 0; i < 6; i++) {
                request.putLong(i < args.length ? args[i] : 0);
            }
            request.putLong(outlen).put(payload);
            assertEquals(request.capacity(), LibC.write(socket, request.array(), request.capacity()));
        }

        static ByteBuffer read(int fd) {
            byte[] buffer = new byte[8 + InitProgram.BUFFER_SIZE];
            long n = LibC.read(fd, buffer, buffer.length);
            assertTrue(n >= 8, "a reply has at least 8 bytes; read returned " + n + " (0: cwb-init ended)");
            return ByteBuffer.wrap(buffer, 0, (int) n).slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public void close() {
            LibC.close(socket); // end of file: cwb-init exits
            LibC.close(statusRead);
            int[] status = new int[1];
            LibC.waitpid(pid, status, 0);
        }
    }
}
