package dev.cwb.shell;

import org.jline.terminal.Terminal;

import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs each command on its own worker thread so that Ctrl-C cancels the command, never the shell.
 *
 * <p>While a command runs, the terminal is back in its normal ("cooked") mode, so Ctrl-C makes the kernel
 * send SIGINT to the process (termios(3), ISIG). The shell handles that signal: it silences the command's
 * output, then interrupts the worker thread ({@link Thread#interrupt()}). That is the whole cancellation
 * contract for commands: blocking calls such as {@code Thread.sleep} or {@code Object.wait} throw
 * {@link InterruptedException}, interruptible NIO channels (what {@code Files.newInputStream} returns) close
 * with {@code ClosedByInterruptException}, and a long loop (unpacking a layer, copying a blob) should check
 * {@link Thread#interrupted()} between steps and stop, cleaning up as it unwinds (a store transaction rolls
 * back on close).
 *
 * <p>The shell then waits a short grace period for the worker to finish. A command that ignores the
 * interrupt is left to finish in the background, with its output silenced, so the learner gets the prompt
 * back either way; a second Ctrl-C stops waiting at once.
 */
final class CancellableRunner {
    /** How a command ended. */
    enum Ending { FINISHED, CANCELLED, ABANDONED }

    record Outcome(Ending ending, int exitCode) {
    }

    /** A command run by the runner, given its writer (standard output and error) and the byte stream to the same screen. */
    @FunctionalInterface
    interface Command {
        int run(PrintWriter out, java.io.OutputStream bytes);
    }

    private final Writer terminalOut;
    private final java.io.OutputStream terminalBytes;
    private final Duration grace;
    private volatile Job current;
    /** Workers of cancelled commands that had not stopped when the shell moved on (used by the shell's thread only). */
    private final java.util.List<Thread> abandoned = new java.util.ArrayList<>();

    CancellableRunner(Terminal terminal, Writer terminalOut, java.io.OutputStream terminalBytes, Duration grace) {
        this.terminalOut = terminalOut;
        this.terminalBytes = terminalBytes;
        this.grace = grace;
        terminal.handle(Terminal.Signal.INT, signal -> interruptCurrent());
    }

    /**
     * Runs {@code command} on a worker thread and waits for it. The command receives the writer it must
     * print through (standard output and error are one screen) and the byte stream to it; both go silent
     * once the command is cancelled.
     */
    Outcome run(String name, Command command) {
        QuietableWriter gate = new QuietableWriter(terminalOut);
        PrintWriter out = new PrintWriter(gate, true);
        java.io.OutputStream bytes = gate.bytes(terminalBytes);
        Job job = new Job(gate);
        Thread worker = new Thread(() -> {
            try {
                job.result.complete(command.run(out, bytes));
            } catch (Throwable t) {
                job.result.completeExceptionally(t);
            }
        }, "cwb-command " + name);
        // a command that ignored Ctrl-C must not keep the JVM alive after the learner quits
        worker.setDaemon(true);
        job.worker = worker;
        current = job;
        try {
            worker.start();
            CompletableFuture.anyOf(job.result, job.cancelled).join();
            if (!job.cancelled.isDone()) {
                return new Outcome(Ending.FINISHED, exitCode(job.result));
            }
            try {
                CompletableFuture.anyOf(job.result, job.abandoned).get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | InterruptedException | ExecutionException e) {
                // fall through: decided below by whether the worker is done
            }
            if (!job.result.isDone()) {
                abandoned.add(worker);
                return new Outcome(Ending.ABANDONED, 130);
            }
            return new Outcome(Ending.CANCELLED, 130);
        } finally {
            current = null;
        }
    }

    /**
     * Waits, at most {@code limit} in all, for the commands left to finish in the background: leaving the
     * shell ends the JVM, which would stop a cancelled command halfway through removing what it made (a
     * layer's {@code .tmp-*} directory). True when none is left.
     */
    boolean awaitAbandoned(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        for (Thread t : abandoned) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        abandoned.removeIf(t -> !t.isAlive());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return abandoned.isEmpty();
    }

    /** True while a command left to finish in the background still runs. */
    boolean hasAbandoned() {
        abandoned.removeIf(t -> !t.isAlive());
        return !abandoned.isEmpty();
    }

    /** The SIGINT handler: the first Ctrl-C cancels the running command, a second stops waiting for it. */
    private void interruptCurrent() {
        Job job = current;
        if (job == null) {
            return; // between commands: the line reader handles Ctrl-C itself
        }
        if (job.cancelled.isDone()) {
            job.abandoned.complete(null);
            return;
        }
        job.gate.silence();
        // Mark it cancelled before interrupting: a worker that stops at once must still be seen as cancelled.
        job.cancelled.complete(null);
        job.worker.interrupt();
    }

    private static int exitCode(CompletableFuture<Integer> result) {
        try {
            return result.join();
        } catch (RuntimeException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static final class Job {
        final QuietableWriter gate;
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        final CompletableFuture<Void> cancelled = new CompletableFuture<>();
        final CompletableFuture<Void> abandoned = new CompletableFuture<>();
        volatile Thread worker;

        Job(QuietableWriter gate) {
            this.gate = gate;
        }
    }
}
