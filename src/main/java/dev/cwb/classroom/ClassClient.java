package dev.cwb.classroom;

import dev.cwb.image.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A student's workbench sending progress to the teacher's {@link ClassServer}. The lesson never waits for
 * it: {@link #offer} only records the latest snapshot of a lesson, and one background thread posts what is
 * pending. When the server does not answer, snapshots wait (only the latest per lesson: a snapshot replaces
 * the one before) and are posted again with a growing pause (1 s doubling to 30 s); the student sees one
 * line when the server is lost and one when it is back. A wrong join code stops the sending, with one line.
 */
public final class ClassClient implements AutoCloseable {
    /** What the server said to one request. */
    public enum Answer { TAKEN, WRONG_CODE, REJECTED, BUSY, UNREACHABLE }

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    private static final long FIRST_PAUSE_MS = 1_000;
    private static final long LONGEST_PAUSE_MS = 30_000;

    private final ClassMembership membership;
    private final URI base;
    private final Consumer<String> notes;
    private final Map<Integer, ProgressReport> pending = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread sender;
    private volatile boolean closed;
    private volatile boolean refused;
    private boolean lost;

    /** Starts the sender; {@code notes} receives the student's one-line notes (lost, back, refused). */
    public ClassClient(ClassMembership membership, Consumer<String> notes) {
        this.membership = membership;
        this.base = ClassMembership.parseUrl(membership.url());
        this.notes = notes;
        this.sender = new Thread(this::sendLoop, "cwb-class-client");
        sender.setDaemon(true);
        sender.start();
    }

    public ClassMembership membership() {
        return membership;
    }

    /** Records {@code report} to be sent (replacing an unsent one of the same lesson); never blocks on the network. */
    public void offer(ProgressReport report) {
        if (refused || closed) {
            return;
        }
        pending.put(report.lesson(), report);
        signal();
    }

    /** True when nothing is waiting to be sent. */
    public boolean idle() {
        return pending.isEmpty();
    }

    /** Waits up to {@code timeout} for what is pending to be sent (a workbench leaving gives it a moment). */
    public boolean flush(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        signal();
        while (!pending.isEmpty() && !refused && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return pending.isEmpty();
    }

    /** Asks the server whether {@code membership}'s code is right, storing nothing there. */
    public static Answer checkJoin(ClassMembership membership) {
        return post(ClassMembership.parseUrl(membership.url()), membership.code(), "/api/join", new byte[0]);
    }

    private void sendLoop() {
        long pause = FIRST_PAUSE_MS;
        while (!closed && !refused) {
            boolean trouble = false;
            for (Map.Entry<Integer, ProgressReport> e : Map.copyOf(pending).entrySet()) {
                Answer a;
                try {
                    a = post(base, membership.code(), "/api/report", Json.MAPPER.writeValueAsBytes(e.getValue()));
                } catch (IOException ex) {
                    a = Answer.REJECTED;
                }
                switch (a) {
                    case TAKEN -> pending.remove(e.getKey(), e.getValue());
                    case REJECTED -> {
                        pending.remove(e.getKey(), e.getValue());
                        notes.accept("class: the server at " + base + " did not take the report of lesson " + e.getKey()
                                + " (this workbench and the teacher's may be different versions)");
                    }
                    case WRONG_CODE -> {
                        refused = true;
                        pending.clear();
                        notes.accept("class: the server at " + base + " refused the join code; progress is no longer sent"
                                + " — ask your teacher for the code and run 'class join' again");
                        return;
                    }
                    case BUSY, UNREACHABLE -> trouble = true;
                }
                if (trouble) {
                    break;
                }
            }
            if (trouble && !lost) {
                lost = true;
                notes.accept("class: cannot reach the class server at " + base + "; your lesson goes on, and progress is sent when it answers");
            } else if (!trouble && lost) {
                lost = false;
                notes.accept("class: the class server at " + base + " answers again; progress sent");
            }
            pause = trouble ? Math.min(pause * 2, LONGEST_PAUSE_MS) : FIRST_PAUSE_MS;
            awaitChange(trouble ? pause : Long.MAX_VALUE);
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void awaitChange(long millis) {
        lock.lock();
        try {
            if (pending.isEmpty() || millis != Long.MAX_VALUE) {
                changed.await(millis == Long.MAX_VALUE ? Long.MAX_VALUE : millis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** One POST with the join code; every failure to get an answer is {@link Answer#UNREACHABLE}. */
    static Answer post(URI base, String code, String path, byte[] body) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
            c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            c.setReadTimeout((int) READ_TIMEOUT.toMillis());
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setRequestProperty(ClassServer.CODE_HEADER, code);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            int status = c.getResponseCode();
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readNBytes(4096);
                }
            }
            if (status / 100 == 2) {
                return Answer.TAKEN;
            }
            return switch (status) {
                case 403 -> Answer.WRONG_CODE;
                case 429, 500, 502, 503, 504 -> Answer.BUSY;
                default -> Answer.REJECTED;
            };
        } catch (IOException | IllegalArgumentException e) {
            return Answer.UNREACHABLE;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
