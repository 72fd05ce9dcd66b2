package dev.cwb.classroom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The teacher's class server and the students' clients, over loopback: reports arrive and show, the
 * secrets are needed, a flood and a huge body are refused while the page keeps answering, and a server
 * restarted while students work catches up with them.
 */
class ClassServerTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    static ProgressReport report(String name, int lesson, int current, String... states) {
        List<ProgressReport.Step> steps = new ArrayList<>();
        for (String s : states) {
            steps.add(new ProgressReport.Step(s, 0));
        }
        return new ProgressReport(name, lesson, "Lesson " + lesson, current, steps);
    }

    private ClassServer serve(ClassRoom room, int port) {
        ClassServer s = ClassServer.start(room, "127.0.0.1", port, null, "join line", System::currentTimeMillis);
        open.add(s);
        return s;
    }

    private ClassClient student(ClassServer s, String code, String name) {
        ClassClient c = new ClassClient(new ClassMembership("http://127.0.0.1:" + s.port(), code, name), notes::add);
        open.add(c);
        return c;
    }

    record Reply(int status, String body) {
    }

    static Reply get(ClassServer s, String pathAndQuery) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + s.port() + pathAndQuery).toURL().openConnection();
        c.setConnectTimeout(3000);
        c.setReadTimeout(5000);
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Reply(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static int post(ClassServer s, String code, byte[] body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + s.port() + "/api/report").toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty(ClassServer.CODE_HEADER, code);
        c.setConnectTimeout(3000);
        c.setReadTimeout(5000);
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        } catch (IOException e) {
            // the server may answer 413 and close before the whole body is written
        }
        return c.getResponseCode();
    }

    @Test
    void twoStudentsShowInTheApiAndOnThePageWithTheirNamesAsText() throws Exception {
        ClassRoom room = ClassRoom.open(dir.resolve("room.json"), false);
        ClassServer s = serve(room, 0);
        ClassClient ana = student(s, room.code(), "ana");
        ClassClient bo = student(s, room.code().toLowerCase().replace("-", ""), "<b>bo</b>");
        ana.offer(report("ana", 3, 2, "passed", "passed", "failed", "not-started"));
        bo.offer(report("<b>bo</b>", 3, 0, "working", "not-started", "not-started", "not-started"));
        assertTrue(ana.flush(Duration.ofSeconds(10)) && bo.flush(Duration.ofSeconds(10)), "reports sent; notes: " + notes);

        JsonNode progress = Json.MAPPER.readTree(get(s, "/api/progress?key=" + room.key()).body());
        assertEquals(2, progress.get("students").size());
        JsonNode first = null;
        for (JsonNode n : progress.get("students")) {
            first = n.get("name").asText().equals("ana") ? n : first;
        }
        assertTrue(first != null, progress.toString());
        assertEquals(2, first.get("passed").asInt());
        assertEquals("failed", first.get("steps").get(2).get("state").asText());

        String page = get(s, "/?key=" + room.key()).body();
        assertTrue(page.contains("&lt;b&gt;bo&lt;/b&gt;"), page);
        assertFalse(page.contains("<b>bo</b>"), "a student's name is never markup");
        assertTrue(page.contains("class=\"cell failed current\""), page);
        String csv = get(s, "/api/progress.csv?key=" + room.key()).body();
        assertTrue(csv.lines().anyMatch(l -> l.startsWith("ana,3,Lesson 3,2,4,0,0,3,check failed,")), csv);

        // The secrets: no key, no view; the file that keeps them is the teacher's alone.
        assertEquals(403, get(s, "/?key=wrong").status());
        assertEquals(403, get(s, "/api/progress").status());
        room.save();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(room.file())));
    }

    @Test
    void aWrongCodeIsRefusedOnceAndNothingIsStored() throws Exception {
        ClassRoom room = ClassRoom.open(dir.resolve("room.json"), false);
        ClassServer s = serve(room, 0);
        ClassMembership wrong = new ClassMembership("http://127.0.0.1:" + s.port(), "AAAA-AAAA", "eve");
        assertEquals(ClassClient.Answer.WRONG_CODE, ClassClient.checkJoin(wrong));
        assertEquals(ClassClient.Answer.TAKEN, ClassClient.checkJoin(new ClassMembership(wrong.url(), room.code(), "ana")));

        ClassClient eve = student(s, "AAAA-AAAA", "eve");
        eve.offer(report("eve", 1, 0, "passed"));
        eve.flush(Duration.ofSeconds(5));
        assertEquals(0, room.size());
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("refused the join code"), notes.toString());
        eve.offer(report("eve", 1, 0, "passed"));
        Thread.sleep(300);
        assertEquals(1, notes.size(), "refused once, then quiet: " + notes);
    }

    @Test
    void aHugeBodyOrAFloodIsRefusedAndThePageKeepsAnswering() throws Exception {
        ClassRoom room = ClassRoom.open(dir.resolve("room.json"), false);
        ClassServer s = serve(room, 0);
        assertEquals(413, post(s, room.code(), new byte[100 * 1024]));
        assertEquals(400, post(s, room.code(), "{\"name\":\"x\",\"lesson\":1,\"current\":0,\"steps\":[{\"state\":\"hacked\"}]}".getBytes()));
        assertEquals(400, post(s, room.code(), "not json".getBytes()));

        byte[] one = Json.MAPPER.writeValueAsBytes(report("flood", 1, 0, "working"));
        int taken = 0;
        int refused = 0;
        for (int i = 0; i < 60; i++) {
            int status = post(s, room.code(), one);
            if (status == 204) {
                taken++;
            } else if (status == 429) {
                refused++;
            }
        }
        assertEquals(ClassServer.REPORTS_PER_WINDOW, taken, "the first reports in a window are taken");
        assertEquals(60 - ClassServer.REPORTS_PER_WINDOW, refused);
        long start = System.nanoTime();
        assertEquals(200, get(s, "/?key=" + room.key()).status());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000, "the page still answers at once");
        assertEquals(1, room.size());
    }

    @Test
    void aServerRestartedWhileStudentsWorkCatchesUpWithThem() throws Exception {
        Path file = dir.resolve("room.json");
        ClassRoom room = ClassRoom.open(file, false);
        ClassServer first = ClassServer.start(room, "127.0.0.1", 0, null, null, System::currentTimeMillis);
        int port = first.port();
        ClassClient ana = new ClassClient(new ClassMembership("http://127.0.0.1:" + port, room.code(), "ana"), notes::add);
        open.add(ana);
        ana.offer(report("ana", 2, 0, "passed", "working"));
        assertTrue(ana.flush(Duration.ofSeconds(10)));
        first.close();

        // The teacher's server is down: the student works on, and is told once.
        ana.offer(report("ana", 2, 1, "passed", "passed"));
        assertFalse(ana.flush(Duration.ofSeconds(2)), "nothing can be sent while the server is down");
        assertTrue(notes.stream().anyMatch(n -> n.contains("cannot reach")), notes.toString());

        ClassRoom again = ClassRoom.open(file, false);
        assertEquals(room.code(), again.code(), "the same class, the same code");
        ClassServer second = serve(again, port);
        assertTrue(ana.flush(Duration.ofSeconds(40)), "the waiting report is sent once the server is back; notes: " + notes);
        JsonNode progress = Json.MAPPER.readTree(get(second, "/api/progress?key=" + again.key()).body());
        assertEquals("passed", progress.get("students").get(0).get("steps").get(1).get("state").asText());
        assertTrue(notes.stream().anyMatch(n -> n.contains("answers again")), notes.toString());
    }

    @Test
    void reportsAreCheckedFieldByField() {
        assertEquals(null, report("ana", 1, 0, "passed").problem());
        assertTrue(report("a\u001b[31m", 1, 0, "passed").problem().contains("control character"));
        assertTrue(report("x".repeat(41), 1, 0, "passed").problem().contains("longer"));
        assertTrue(report("ana", 1, 3, "passed").problem().contains("current step"));
        assertTrue(report("ana", 1, 0).problem().contains("1 to"));
        assertEquals("'=HYPERLINK(1)", ClassPage.csvField("=HYPERLINK(1)"));
        assertEquals("\"a,\"\"b\"\"\"", ClassPage.csvField("a,\"b\""));
    }
}
