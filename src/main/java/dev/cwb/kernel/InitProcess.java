package dev.cwb.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A running cwb-init ({@link InitProgram}): a {@link SyscallPort} whose calls are made by that process.
 * What such a call changes — namespaces, root directory, credentials — belongs to cwb-init, which later
 * becomes the container's command through execve(2).
 *
 * <p>cwb-init is started by one long-lived thread of the workbench and asks the kernel, first thing, to
 * be killed when that thread goes ({@code PR_SET_PDEATHSIG}): if the workbench crashes, its containers
 * end with it. It also exits on its own when its control socket reaches end of file.
 */
public final class InitProcess implements SyscallPort, AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int HEADER = InitProgram.PAYLOAD;
    /** The thread every cwb-init is started from: a parent that lives as long as the JVM. */
    private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cwb-init-spawner");
        t.setDaemon(true);
        return t;
    });

    private final int pid;
    private final InitProcess parent;
    private volatile int socket;
    private final Object closeLock = new Object();
    /** True while a call waits for its answer (guarded by closeLock). */
    private boolean inCall;
    /** A descriptor {@link #close} shut down during a call, for that call to close (guarded by closeLock). */
    private int deferredClose = -1;
    private final byte[] reply = new byte[8 + InitProgram.BUFFER_SIZE];
    private volatile boolean gone;
    /** Descriptors to send right after the next request (which must be a recvmsg of them). */
    private int[] pendingDescriptors;
    /** The read end of the status pipe handed over for the next execve, or -1 (see {@link InitProgram}). */
    private int statusRead = -1;
    /** True while {@link #cloneChild} makes its clone3: the one clone3 request sent (guarded by this). */
    private boolean cloningIntoCgroup;
    /** True when this process was born by clone3 in the cgroup2 group it was cloned into. */
    private boolean bornInCgroup;

    private InitProcess(int pid, int socket, InitProcess parent) {
        this.pid = pid;
        this.socket = socket;
        this.parent = parent;
    }

    /**
     * Starts cwb-init from {@code program} — from its checked descriptor, never by its name (see
     * {@link InitBinary}) — named {@code argv0} in ps, with this JVM's standard input, output and error
     * unless {@code stdio} names other descriptors for 0, 1 and 2.
     */
    public static InitProcess start(InitBinary program, String argv0, int[] stdio) throws SyscallException, IOException {
        return start(program, argv0, stdio, 0);
    }

    /**
     * As {@link #start(InitBinary, String, int[])}, in process group {@code pgroup} (0: a group of its own, the
     * usual case: the terminal's signals for the workbench's group never reach it).
     */
    public static InitProcess start(InitBinary program, String argv0, int[] stdio, int pgroup) throws SyscallException, IOException {
        if (!LibC.AVAILABLE) {
            throw new SyscallException("posix_spawn", "\"" + program.path() + "\"", Errno.ENOSYS);
        }
        String path = program.spawnPath();
        int[] pair = socketPair();
        List<int[]> dup2 = new ArrayList<>();
        if (stdio != null) {
            for (int i = 0; i < 3; i++) {
                dup2.add(new int[] {stdio[i], i});
            }
        }
        dup2.add(new int[] {pair[1], InitProgram.CONTROL_FD});
        try {
            int pid = SPAWNER.submit(() -> Spawn.spawn(path, new String[] {argv0},
                    dup2.toArray(int[][]::new), pgroup)).get();
            return new InitProcess(pid, pair[0], null);
        } catch (ExecutionException e) {
            LibC.close(pair[0]);
            if (e.getCause() instanceof SyscallException se) {
                throw se;
            }
            throw new IOException("could not start cwb-init: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            LibC.close(pair[0]);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting cwb-init", e);
        } finally {
            LibC.close(pair[1]);
        }
    }

    /** cwb-init's process id, as this JVM's PID namespace sees it. */
    public int pid() {
        return pid;
    }

    @Override
    public long callerId() {
        return pid;
    }

    /** True once cwb-init has exec'd its command or ended: it takes no more requests. */
    public boolean gone() {
        return gone;
    }

    @Override
    public boolean timesRoundTrip() {
        return true;
    }

    @Override
    public synchronized long make(long number, Object[] args) throws SyscallException {
        if (number == SyscallNumber.FORK.number() || number == SyscallNumber.VFORK.number()
                || number == SyscallNumber.CLONE3.number() && !cloningIntoCgroup) {
            // cwb-init refuses them too (InitProgram): their child would answer on the parent's socket
            throw new SyscallException("cwb-init makes no fork, vfork or clone3 of its own: a new process comes from "
                    + "clone, or clone3 into a cgroup, whose child takes a control socket of its own (InitProcess.cloneChild)");
        }
        if (number == SyscallNumber.EXECVE.number() && statusRead < 0) {
            throw new SyscallException("an execve through cwb-init needs its status pipe first (Syscalls.execve hands it over)");
        }
        int fd;
        synchronized (closeLock) {
            fd = socket;
            if (gone || fd < 0) {
                throw new SyscallException("cwb-init (pid " + pid + ") takes no more requests: it has exec'd or exited");
            }
            inCall = true;
        }
        try {
            return exchange(fd, number, args);
        } finally {
            synchronized (closeLock) {
                inCall = false;
                if (deferredClose == fd) { // closed while this call waited: the descriptor is ours to close now
                    LibC.close(fd);
                    deferredClose = -1;
                }
            }
        }
    }

    private long exchange(int socket, long number, Object[] args) throws SyscallException {
        Block.Frame frame = new Block.Frame(args);
        if (HEADER + frame.size() > InitProgram.BUFFER_SIZE) {
            throw new SyscallException("the arguments take " + frame.size() + " bytes; cwb-init's buffer holds "
                    + (InitProgram.BUFFER_SIZE - HEADER));
        }
        long base = InitProgram.BUFFER + HEADER;
        ByteBuffer request = ByteBuffer.allocate(HEADER + frame.size()).order(ByteOrder.LITTLE_ENDIAN);
        request.putLong(number);
        for (long word : frame.words(args, base)) {
            request.putLong(word);
        }
        int outLength = frame.hasOut() ? frame.size() : 0;
        request.putLong(outLength);
        request.put(frame.encode(base));
        send(socket, request.array());
        if (pendingDescriptors != null) {
            int[] fds = pendingDescriptors;
            pendingDescriptors = null;
            sendDescriptors(socket, fds);
        }
        if (number == SyscallNumber.EXECVE.number()) {
            return execveResult();
        }
        long n = LibC.read(socket, reply, reply.length);
        if (n == 0) {
            gone = true;
            throw new SyscallException("cwb-init (pid " + pid + ") exited before it answered");
        }
        if (n < 8) {
            throw new SyscallException("cwb-init (pid " + pid + ") sent a short reply (" + n + " bytes)");
        }
        ByteBuffer r = ByteBuffer.wrap(reply, 0, (int) n).order(ByteOrder.LITTLE_ENDIAN);
        long result = r.getLong(0);
        if (outLength > 0) {
            byte[] payload = new byte[(int) n - 8];
            System.arraycopy(reply, 8, payload, 0, payload.length);
            frame.decode(payload);
        }
        return result;
    }

    /**
     * execve's result, read from the status pipe: the kernel's -errno when the call failed, or 0 when the
     * pipe reached end of file — closed by the kernel because the call succeeded (it is close-on-exec and
     * only cwb-init holds its write end). Should cwb-init be killed at that very moment, the pipe closes
     * too, and the kill is what the command's wait status then shows.
     */
    private long execveResult() throws SyscallException {
        int status = statusRead;
        statusRead = -1;
        try {
            long n;
            do {
                n = LibC.read(status, reply, reply.length);
            } while (n < 0 && Native.getLastError() == Errno.EINTR);
            if (n == 0) {
                gone = true;
                return 0;
            }
            if (n < 8) {
                throw new SyscallException("cwb-init (pid " + pid + ") sent a short execve status (" + n + " bytes)");
            }
            return ByteBuffer.wrap(reply, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        } finally {
            LibC.close(status);
        }
    }

    /**
     * Hands cwb-init the write end of a new pipe as {@link InitProgram#STATUS_FD}, close-on-exec, keeping
     * the read end here for the execve that follows: a traced recvmsg(2), and a dup3(2) and close(2) when
     * the descriptor it received has another number.
     */
    synchronized void prepareExecStatus(Syscalls traced) throws SyscallException {
        if (statusRead >= 0) {
            LibC.close(statusRead);
            statusRead = -1;
        }
        int[] pipe = new int[2];
        if (LibC.pipe2(pipe, OpenFlags.O_CLOEXEC) != 0) {
            throw new SyscallException("pipe2", "O_CLOEXEC", Native.getLastError());
        }
        boolean ready = false;
        try {
            int received = passDescriptors(traced, new int[] {pipe[1]})[0];
            if (received != InitProgram.STATUS_FD) {
                traced.dup3(received, InitProgram.STATUS_FD, OpenFlags.O_CLOEXEC);
                traced.close(received);
            }
            ready = true;
        } finally {
            LibC.close(pipe[1]); // from now on only cwb-init holds the write end
            if (ready) {
                statusRead = pipe[0];
            } else {
                LibC.close(pipe[0]);
            }
        }
    }

    private void send(int socket, byte[] message) throws SyscallException {
        long w = LibC.write(socket, message, message.length);
        if (w != message.length) {
            gone = true;
            throw new SyscallException("cwb-init (pid " + pid + ") is gone (" + (w < 0 ? Errno.name(Native.getLastError())
                    : "short write") + ")");
        }
    }

    /**
     * Sends descriptors to cwb-init over the control socket (SCM_RIGHTS, unix(7)); cwb-init must be
     * receiving them with a recvmsg request made right before ({@link Syscalls#receiveDescriptors}).
     */
    private void sendDescriptors(int socket, int[] fds) throws SyscallException {
        int cmsgLen = 16 + 4 * fds.length;
        try (Memory data = new Memory(8); Memory iov = new Memory(16); Memory control = new Memory((cmsgLen + 7) & ~7);
             Memory msg = new Memory(56)) {
            data.setByte(0, (byte) 'F');
            iov.setPointer(0, data);
            iov.setLong(8, 1);
            control.clear();
            control.setLong(0, cmsgLen);
            control.setInt(8, 1); // SOL_SOCKET
            control.setInt(12, 1); // SCM_RIGHTS
            for (int i = 0; i < fds.length; i++) {
                control.setInt(16 + 4L * i, fds[i]);
            }
            msg.clear();
            msg.setPointer(16, iov);
            msg.setLong(24, 1);
            msg.setPointer(32, control);
            msg.setLong(40, control.size());
            if (LibC.sendmsg(socket, msg, 0) < 0) {
                throw new SyscallException("sendmsg", "control socket of cwb-init " + pid, Native.getLastError());
            }
        }
    }

    /**
     * Hands {@code fds} to this process: it receives them with a traced recvmsg(2) and gets new numbers
     * for them, which are returned (close-on-exec, as MSG_CMSG_CLOEXEC asks).
     */
    public synchronized int[] passDescriptors(Syscalls traced, int[] fds) throws SyscallException {
        pendingDescriptors = fds.clone();
        try {
            return traced.receiveDescriptors(InitProgram.CONTROL_FD, fds.length);
        } finally {
            pendingDescriptors = null;
        }
    }

    /**
     * Clones this process (clone(2) with {@code SIGCHLD}, a fork) through {@code traced}, which must make
     * its calls here. The clone answers on a socket of its own, handed over beforehand as descriptor 4
     * (see {@link InitProgram}). {@code toHostPid} turns the pid clone returned — numbered in this
     * process's PID namespace — into this JVM's number for it.
     */
    public InitProcess cloneChild(Syscalls traced, java.util.function.IntUnaryOperator toHostPid) throws SyscallException {
        return cloneChild(traced, toHostPid, -1);
    }

    /**
     * {@link #cloneChild(Syscalls, java.util.function.IntUnaryOperator)}, but with {@code cgroupFd} (a
     * descriptor of this process's, open on a directory of the cgroup2 tree; -1 for none) the child is made
     * by clone3(2) with {@code CLONE_INTO_CGROUP}, born in that group ({@link #bornInCgroup}). Where the
     * kernel has no clone3 (ENOSYS: before Linux 5.7, or a seccomp filter that hides it) the trace shows that
     * answer and the child comes from clone(2), outside the group, for the caller to move in.
     */
    public InitProcess cloneChild(Syscalls traced, java.util.function.IntUnaryOperator toHostPid, int cgroupFd)
            throws SyscallException {
        if (cgroupFd == InitProgram.CHILD_CONTROL_FD) {
            throw new IllegalArgumentException("descriptor " + cgroupFd + " is the clone's socket's number: open the group on another");
        }
        int[] pair = socketPair();
        boolean adopted = false;
        try {
            int received = passDescriptors(traced, new int[] {pair[1]})[0];
            if (received != InitProgram.CHILD_CONTROL_FD) {
                try {
                    traced.dup3(received, InitProgram.CHILD_CONTROL_FD);
                } finally {
                    traced.close(received);
                }
            }
            int childPid;
            boolean inCgroup = false;
            try {
                if (cgroupFd >= 0) {
                    try {
                        childPid = cloneIntoCgroup(traced, cgroupFd);
                        inCgroup = true;
                    } catch (SyscallException e) {
                        if (e.errno() != Errno.ENOSYS) {
                            throw e;
                        }
                        childPid = traced.forkLike();
                    }
                } else {
                    childPid = traced.forkLike();
                }
            } catch (SyscallException e) {
                try {
                    traced.close(InitProgram.CHILD_CONTROL_FD); // no child to take it: cwb-init must not keep it open
                } catch (SyscallException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            InitProcess child = new InitProcess(toHostPid.applyAsInt(childPid), pair[0], this);
            child.bornInCgroup = inCgroup;
            long n = LibC.read(pair[0], child.reply, child.reply.length);
            if (n < 8) {
                throw new SyscallException("the clone of cwb-init (pid " + childPid + ") did not answer");
            }
            adopted = true;
            traced.close(InitProgram.CHILD_CONTROL_FD); // the parent's copy: the socket is the child's now
            return child;
        } finally {
            LibC.close(pair[1]);
            if (!adopted) {
                LibC.close(pair[0]);
            }
        }
    }

    private synchronized int cloneIntoCgroup(Syscalls traced, int cgroupFd) throws SyscallException {
        cloningIntoCgroup = true;
        try {
            return traced.clone3IntoCgroup(cgroupFd);
        } finally {
            cloningIntoCgroup = false;
        }
    }

    /** True when this process was born in a cgroup2 group by clone3 ({@link #cloneChild(Syscalls, java.util.function.IntUnaryOperator, int)}). */
    public boolean bornInCgroup() {
        return bornInCgroup;
    }

    /** Creates a socket pair for a child of cwb-init: [0] stays here, [1] goes to the child. */
    static int[] socketPair() throws SyscallException {
        int[] pair = new int[2];
        if (LibC.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
            throw new SyscallException("socketpair", "AF_UNIX, SOCK_SEQPACKET", Native.getLastError());
        }
        return pair;
    }

    /**
     * Ends the conversation: shuts the control socket down (which also wakes a thread waiting for an
     * answer, say to a wait4 that will never come) and closes it; cwb-init then exits, unless it has
     * become the command. Not synchronized, so that it can interrupt a call in progress.
     */
    @Override
    public void close() {
        int fd;
        synchronized (closeLock) {
            fd = socket;
            socket = -1;
            gone = true;
            if (fd >= 0 && inCall) {
                LibC.shutdown(fd, 2); // SHUT_RDWR: the waiting call reads end of file and closes fd itself
                deferredClose = fd;
                return;
            }
        }
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    /** Sends SIGKILL to cwb-init (whatever it has become). */
    public void kill() {
        LibC.kill(pid, 9);
    }

    /** Waits for cwb-init, a child of this JVM, to end and returns its wait status; -1 if not our child. */
    public int reap() {
        if (parent != null) {
            return -1;
        }
        int[] status = new int[1];
        while (true) {
            int r = LibC.waitpid(pid, status, 0);
            if (r == pid) {
                return status[0];
            }
            if (r == -1 && Native.getLastError() == Errno.EINTR) {
                continue;
            }
            return -1;
        }
    }
}
