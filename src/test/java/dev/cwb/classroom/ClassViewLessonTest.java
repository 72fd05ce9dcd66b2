package dev.cwb.classroom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.image.Json;
import dev.cwb.lesson.LessonLibrary;
import dev.cwb.lesson.LessonSession;
import dev.cwb.lesson.check.CheckVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A learner's lesson, played through {@link LessonSession} as the shell does, reaches the teacher's class
 * server: the step they are on, a check that said "not yet", a hint, a step passed, and nothing at all
 * before {@code class join} or after {@code class leave}.
 */
class ClassViewLessonTest {
    @TempDir
    Path tmp;

    @Test
    void eachChangeOfTheLearnersPlaceReachesTheClassView() throws Exception {
        Path lessons = Files.createDirectory(tmp.resolve("lessons"));
        Files.writeString(lessons.resolve("01-one.md"), """
                ---
                id: 1
                title: One
                ---
                ## Goal
                Test.
                ## Steps
                ### Make a file
                ```sh
                touch {work}/made
                ```
                check: file-exists {work}/made
                hint: touch it
                ### Second
                ```sh
                true
                ```
                check: last-exit 0
                hint: anything
                """);
        Path home = tmp.resolve("home");
        Workbench workbench = new Workbench(new WorkbenchHome(home), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        ClassRoom room = ClassRoom.open(tmp.resolve("teacher").resolve("room.json"), false);
        CopyOnWriteArrayList<String> notes = new CopyOnWriteArrayList<>();
        try (ClassServer server = ClassServer.start(room, "127.0.0.1", 0, null, null, System::currentTimeMillis);
             ClassReporter reporter = new ClassReporter(home, notes::add)) {
            LessonSession session = new LessonSession(workbench, () -> LessonLibrary.open(lessons, CheckVocabulary.standard()));
            session.setListener(reporter);
            PrintWriter out = new PrintWriter(new StringWriter());

            session.start(1, out);
            Thread.sleep(300);
            assertEquals(0, room.size(), "nothing is sent before 'class join'");

            new ClassMembership("http://127.0.0.1:" + server.port(), room.code(), "ana").save(home);
            session.check(out); // the file is not there yet: "not yet"
            session.hint(out);
            JsonNode ana = waitFor(server, room, a -> a.get("steps").get(0).get("hints").asInt() == 1, "a failed check, then a hint");
            assertEquals("failed", ana.get("steps").get(0).get("state").asText());
            assertEquals(0, ana.get("current").asInt());
            assertEquals(1, ana.get("steps").get(0).get("hints").asInt());
            assertEquals("not-started", ana.get("steps").get(1).get("state").asText());

            Path work = home.resolve("lessons").resolve("work").resolve("1");
            Files.createDirectories(work);
            Files.writeString(work.resolve("made"), "");
            session.check(out);
            session.next(out);
            ana = waitFor(server, room, a -> a.get("current").asInt() == 1, "step 2");
            assertEquals("passed", ana.get("steps").get(0).get("state").asText());
            assertEquals(1, ana.get("current").asInt());
            assertEquals("working", ana.get("steps").get(1).get("state").asText());

            ClassMembership.forget(home);
            session.back(out);
            Thread.sleep(300);
            assertEquals(1, waitFor(server, room, a -> true, "a row").get("current").asInt(), "after 'class leave' nothing more is sent");
            assertTrue(notes.isEmpty(), notes.toString());
        }
    }

    /** A challenge's hints and its solution reach the class view: hints used, then "solution shown" once it passes. */
    @Test
    void hintsUsedAndASolutionShownReachTheClassView() throws Exception {
        Path lessons = Files.createDirectory(tmp.resolve("lessons"));
        Files.writeString(lessons.resolve("01-one.md"), """
                ---
                id: 1
                title: One
                ---
                ## Goal
                Test.
                ## Steps
                ### Challenge: make a file
                check: file-exists {work}/made
                hint: a file
                hint: touch
                solution:
                ```sh
                touch made
                ```
                wrong: another file
                ```sh
                touch other
                ```
                """);
        Path home = tmp.resolve("home");
        Workbench workbench = new Workbench(new WorkbenchHome(home), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        ClassRoom room = ClassRoom.open(tmp.resolve("teacher").resolve("room.json"), false);
        try (ClassServer server = ClassServer.start(room, "127.0.0.1", 0, null, null, System::currentTimeMillis);
             ClassReporter reporter = new ClassReporter(home, n -> { })) {
            new ClassMembership("http://127.0.0.1:" + server.port(), room.code(), "ana").save(home);
            LessonSession session = new LessonSession(workbench, () -> LessonLibrary.open(lessons, CheckVocabulary.standard()));
            session.setListener(reporter);
            PrintWriter out = new PrintWriter(new StringWriter());
            session.start(1, out);
            session.hint(out);
            session.hint(out);
            JsonNode ana = waitFor(server, room, a -> a.get("steps").get(0).get("hints").asInt() == 2, "two hints used");
            assertEquals("working", ana.get("steps").get(0).get("state").asText());
            session.solution(out, question -> true);
            session.host("touch made", out);
            session.check(out);
            ana = waitFor(server, room, a -> a.get("steps").get(0).get("state").asText().equals("solution"), "solution shown");
            assertEquals(2, ana.get("steps").get(0).get("hints").asInt());
        }
    }

    /** ana's row once it satisfies {@code wanted}. */
    private static JsonNode waitFor(ClassServer server, ClassRoom room, java.util.function.Predicate<JsonNode> wanted, String what) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            JsonNode students = Json.MAPPER.readTree(ClassServerTest.get(server, "/api/progress?key=" + room.key()).body()).get("students");
            if (students.size() == 1) {
                last = students.get(0);
                if (wanted.test(last)) {
                    return last;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("ana's row never showed " + what + "; last seen: " + last);
    }
}
