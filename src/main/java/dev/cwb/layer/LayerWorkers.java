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
 * calling thread) stops the pool; a task's {@link CwbException} reaches the caller unchanged.
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
            pool.shutdownNow();
        }
    }
}
