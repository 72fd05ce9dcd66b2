package dev.cwb.layer;

import dev.cwb.CwbException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one task per layer on a small pool of platform threads — one per core, since decompressing and
 * hashing are CPU-bound — and returns the results bottom layer first. A Ctrl-C (interruption of the
 * calling thread) stops the pool, and the caller returns once every task has cleaned up after itself; a
 * task's {@link CwbException} reaches the caller unchanged.
 */
final class LayerWorkers {
    /** The work for one layer; {@code index} counts from 1, bottom first. */
    interface Task<T> {
        T run(int index) throws Exception;
    }

    private LayerWorkers() {
    }

    /**
     * @param doing what the tasks do, for messages: "reading the layers of busybox:latest"
     * @param hint  what to do when a task fails with something other than a {@link CwbException}
     */
    static <T> List<T> run(int count, String threadName, String doing, String hint, Task<T> task) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(count, Runtime.getRuntime().availableProcessors())), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.run(index)));
            }
            List<T> result = new ArrayList<>();
            for (Future<T> f : futures) {
                result.add(f.get());
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CwbException(CwbException.IO, "cancelled while " + doing, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CwbException(CwbException.IO, "failed while " + doing + ": " + e.getCause(), hint, e.getCause());
        } finally {
            stopAndWait(pool);
        }
    }

    /**
     * Interrupts the pool's tasks and waits until each has finished its own clean-up (a layer's
     * {@code .tmp-*} directory removed, files closed) — even when the calling thread was itself interrupted
     * by Ctrl-C, which is when the waiting matters: a one-shot command returns and the JVM exits right after,
     * and would end the tasks halfway through removing what they made.
     */
    static void stopAndWait(ExecutorService pool) {
        pool.shutdownNow();
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        try {
            while (!pool.isTerminated() && System.nanoTime() < deadline) {
                try {
                    pool.awaitTermination(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (InterruptedException again) {
                    interrupted = true; // a second Ctrl-C: still wait, or the clean-up is cut short
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
