package dev.cwb.kernel;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * One dedicated platform thread that carries a container's namespaces, running the tasks handed to it
 * one at a time, in order.
 *
 * <p><b>Why a thread of its own.</b> Linux keeps namespaces, the root directory and the working directory
 * on the <em>task</em> (a thread), not on the process. unshare(2) of {@code CLONE_NEWNS}, {@code
 * CLONE_NEWUTS}, {@code CLONE_NEWIPC}, {@code CLONE_NEWNET} or {@code CLONE_NEWCGROUP} from a JVM thread
 * changes only that thread; the shell's other threads stay on the host. But the root and working directory
 * are shared by all threads of a process ({@code fs_struct}) until a thread unshares {@code CLONE_FS}, so
 * this thread does that first: afterwards its chdir(2), chroot(2) and pivot_root(2) move only itself, and
 * a setns(2) into a mount namespace is allowed at all (the kernel refuses it while the fs_struct is shared).
 *
 * <p><b>Never a virtual thread, never a pool thread.</b> A virtual thread runs on whichever carrier
 * thread is free, so its system calls would land on different tasks from one moment to the next and its
 * namespace changes would leak onto unrelated work sharing the carrier. A pool thread would carry the
 * namespaces into the next unrelated job. Everything that must happen "inside" goes through
 * {@link #call} on this thread.
 *
 * <p>Not possible from here: {@code CLONE_NEWUSER} (the kernel demands a single-threaded process, and a
 * JVM never is one). {@code CLONE_NEWPID} affects only children created afterwards.
 *
 * <p>{@link #close()} ends the thread; the kernel then drops the namespaces that nothing else (a process,
 * an open descriptor, a bind mount of /proc/TID/ns/*) still holds.
 */
public final class NamespaceThread implements AutoCloseable {
    private static final FutureTask<Void> STOP = new FutureTask<>(() -> null);

    private final BlockingQueue<FutureTask<?>> tasks = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> started = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean closed;

    private NamespaceThread(String name, Syscalls syscalls) {
        thread = new Thread(() -> run(syscalls), name);
        thread.setDaemon(true); // a forgotten close must not keep the JVM alive
    }

    /**
     * Starts the thread, which first unshares {@code CLONE_FS} through {@code syscalls} (so that call is
     * traced too), and waits until it has. Throws the {@link SyscallException} if that failed.
     */
    public static NamespaceThread start(String name, Syscalls syscalls) throws SyscallException, InterruptedException {
        NamespaceThread t = new NamespaceThread(name, syscalls);
        t.thread.start();
        try {
            t.started.get();
        } catch (ExecutionException e) {
            t.close();
            throw asSyscallException(e.getCause());
        }
        return t;
    }

    /** The kernel's id of this thread (gettid(2)): its namespaces are under /proc/self/task/TID/ns/. */
    public int tid() {
        return started.join();
    }

    /** Queues {@code task} to run on this thread after the tasks before it. */
    public <T> Future<T> submit(Callable<T> task) {
        FutureTask<T> f = new FutureTask<>(task);
        synchronized (this) {
            if (closed) {
                throw new RejectedExecutionException("namespace thread " + thread.getName() + " is shut down");
            }
            tasks.add(f);
        }
        return f;
    }

    /**
     * Runs {@code task} on this thread and waits for it, rethrowing what it threw. Called from this thread
     * itself (a task calling back in), it runs at once instead of waiting for itself.
     */
    public <T> T call(Callable<T> task) throws Exception {
        if (Thread.currentThread() == thread) {
            return task.call();
        }
        Future<T> f = submit(task);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    /** True when the caller is this namespace thread. */
    public boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** Lets the queued tasks finish, then ends the thread and waits for it. */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (!closed) {
                closed = true;
                tasks.add(STOP);
            }
        }
        if (Thread.currentThread() != thread) {
            thread.join();
        }
    }

    private void run(Syscalls syscalls) {
        try {
            syscalls.unshare(CloneFlags.CLONE_FS);
            started.complete((int) syscalls.tid());
        } catch (Throwable e) {
            started.completeExceptionally(e);
            return;
        }
        while (true) {
            FutureTask<?> task;
            try {
                task = tasks.take();
            } catch (InterruptedException e) {
                continue; // only close() ends this thread, so queued work never silently vanishes
            }
            if (task == STOP) {
                return;
            }
            task.run();
        }
    }

    private static SyscallException asSyscallException(Throwable cause) {
        if (cause instanceof SyscallException se) {
            return se;
        }
        throw new IllegalStateException("namespace thread failed to start", cause);
    }
}
