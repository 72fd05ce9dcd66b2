package dev.cwb.classroom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code class serve}: the teacher's HTTP server, on the JDK's own {@code com.sun.net.httpserver} (no
 * dependency, and enough for a class). What it answers:
 * <ul>
 *   <li>{@code GET /?key=K} the page, {@code GET /grid?key=K} its grid, {@code GET /api/progress?key=K} the
 *       class as JSON, {@code GET /api/progress.csv?key=K} as CSV: all need the viewer key (403 without);</li>
 *   <li>{@code POST /api/report} with header {@code X-Cwb-Join-Code}: a student's {@link ProgressReport}
 *       (204 taken; 403 wrong code; 400 not a report; 413 body over {@value #MAX_BODY} bytes;
 *       429 a student sending faster than {@value #REPORTS_PER_WINDOW} reports in 10 s, or a full class);</li>
 *   <li>{@code POST /api/join}: the same code check, with nothing stored, so {@code class join} can say at
 *       once whether the code is right.</li>
 * </ul>
 * Bounded against a flood: a few worker threads with a short queue (beyond it the dispatcher itself works,
 * which slows the sender, not the page), bodies read up to a limit, and per-student rate limits.
 */
public final class ClassServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 8470;
    static final int MAX_BODY = 16 * 1024;
    static final int REPORTS_PER_WINDOW = 20;
    private static final long WINDOW_MS = 10_000;
    public static final String CODE_HEADER = "X-Cwb-Join-Code";

    private final ClassRoom room;
    private final Integer lesson;
    private volatile String joinLine;
    private final LongSupplier clock;
    private final HttpServer server;
    private final ScheduledExecutorService saver;
    private final Map<String, long[]> windows = new ConcurrentHashMap<>();

    private ClassServer(ClassRoom room, Integer lesson, String joinLine, LongSupplier clock, HttpServer server) {
        this.room = room;
        this.lesson = lesson;
        this.joinLine = joinLine;
        this.clock = clock;
        this.server = server;
        this.saver = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cwb-class-save"));
    }

    /**
     * Starts serving {@code room} on {@code bind:port} (port 0: any free one). {@code lesson} fixes the lesson
     * the page shows (null: each student's latest); {@code joinLine} is shown on the page for students to copy.
     */
    public static ClassServer start(ClassRoom room, String bind, int port, Integer lesson, String joinLine, LongSupplier clock) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(bind, port), 32);
        } catch (BindException e) {
            throw new CwbException(CwbException.BAD_INPUT, "cannot listen on " + bind + ":" + port + ": " + e.getMessage(),
                    "choose another port with --port, or stop what listens there");
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot start the class server on " + bind + ":" + port + ": " + e.getMessage(), null);
        }
        ClassServer s = new ClassServer(room, lesson, joinLine, clock, http);
        http.setExecutor(new ThreadPoolExecutor(2, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
                r -> daemon(r, "cwb-class-http"), new ThreadPoolExecutor.CallerRunsPolicy()));
        http.createContext("/", s::handle);
        http.start();
        s.saver.scheduleWithFixedDelay(s::saveQuietly, 1, 1, TimeUnit.SECONDS);
        return s;
    }

    /** The line the page shows students (the command to join), once the port is known. */
    public void setJoinLine(String line) {
        this.joinLine = line;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public ClassRoom room() {
        return room;
    }

    private void handle(HttpExchange x) throws IOException {
        try {
            String path = x.getRequestURI().getPath();
            Map<String, String> query = query(x.getRequestURI().getRawQuery());
            String method = x.getRequestMethod();
            if (method.equals("POST") && (path.equals("/api/report") || path.equals("/api/join"))) {
                report(x, path.equals("/api/join"));
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                send(x, 405, "text/plain", "only GET, and POST to /api/report\n");
                return;
            }
            if (path.equals("/favicon.ico")) {
                send(x, 404, "text/plain", "");
                return;
            }
            if (!ClassCodes.sameKey(room.key(), query.get("key"))) {
                send(x, 403, "text/plain", "this class view needs its key: open the address 'class serve' printed\n");
                return;
            }
            Integer shown = lesson;
            if (query.containsKey("lesson")) {
                try {
                    shown = Integer.valueOf(query.get("lesson"));
                } catch (NumberFormatException e) {
                    send(x, 400, "text/plain", "lesson must be a number\n");
                    return;
                }
            }
            long now = clock.getAsLong();
            switch (path) {
                case "/" -> send(x, 200, "text/html; charset=utf-8", ClassPage.page(room, joinLine, shown, room.key(), now));
                case "/grid" -> send(x, 200, "text/html; charset=utf-8", ClassPage.grid(room, shown, now));
                case "/api/progress" -> send(x, 200, "application/json", progressJson(shown, now));
                case "/api/progress.csv" -> send(x, 200, "text/csv; charset=utf-8", ClassPage.csv(room, shown));
                default -> send(x, 404, "text/plain", "no such page\n");
            }
        } catch (RuntimeException e) {
            // One bad request must not stop the server.
        } finally {
            x.close();
        }
    }

    private void report(HttpExchange x, boolean joinOnly) throws IOException {
        if (!ClassCodes.sameCode(room.code(), x.getRequestHeaders().getFirst(CODE_HEADER))) {
            send(x, 403, "text/plain", "wrong join code\n");
            return;
        }
        byte[] body = readBounded(x.getRequestBody());
        if (body == null) {
            send(x, 413, "text/plain", "a report is at most " + MAX_BODY + " bytes\n");
            return;
        }
        if (joinOnly) {
            send(x, 204, "text/plain", "");
            return;
        }
        ProgressReport report;
        try {
            report = Json.MAPPER.readValue(body, ProgressReport.class);
        } catch (IOException e) {
            send(x, 400, "text/plain", "not a progress report\n");
            return;
        }
        String problem = report == null ? "empty report" : report.problem();
        if (problem != null) {
            send(x, 400, "text/plain", problem + "\n");
            return;
        }
        long now = clock.getAsLong();
        if (!withinRate(report.name(), now)) {
            send(x, 429, "text/plain", "too many reports: at most " + REPORTS_PER_WINDOW + " in 10 s\n");
            return;
        }
        String refused = room.accept(report, now);
        if (refused != null) {
            send(x, 429, "text/plain", refused + "\n");
            return;
        }
        send(x, 204, "text/plain", "");
    }

    /** A fixed window per student name: {count, window start}. */
    private boolean withinRate(String name, long now) {
        if (windows.size() > 4 * ClassRoom.MAX_STUDENTS) {
            windows.clear();
        }
        long[] w = windows.computeIfAbsent(name, n -> new long[] {0, now});
        synchronized (w) {
            if (now - w[1] >= WINDOW_MS) {
                w[0] = 0;
                w[1] = now;
            }
            return ++w[0] <= REPORTS_PER_WINDOW;
        }
    }

    private String progressJson(Integer shown, long now) throws IOException {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (shown != null) {
            root.put("lesson", shown);
        } else {
            root.putNull("lesson");
        }
        ArrayNode list = root.putArray("students");
        for (ClassRoom.Row row : room.rows(shown)) {
            ObjectNode s = list.addObject();
            s.put("name", row.name());
            s.put("lastSeen", java.time.Instant.ofEpochMilli(row.lastSeen()).toString());
            if (row.report() != null) {
                JsonNode r = Json.MAPPER.valueToTree(row.report());
                s.setAll((ObjectNode) r);
                s.put("passed", row.report().passed());
                s.put("hintsUsed", row.report().hints());
                s.put("secondsOnStep", Math.max(0, (now - row.onStepSince()) / 1000));
            }
        }
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    /** The body, or null when it is longer than {@link #MAX_BODY} (read no further than that). */
    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        return b.length > MAX_BODY ? null : b;
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        x.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'");
        boolean empty = status == 204 || x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, empty ? -1 : bytes.length);
        if (!empty) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private void saveQuietly() {
        try {
            room.save();
        } catch (RuntimeException e) {
            // tried again a second later; close() reports a failure that lasts
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops answering (waiting up to a second for requests under way) and saves the class. */
    @Override
    public void close() {
        server.stop(1);
        saver.shutdownNow();
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        room.save();
    }
}
