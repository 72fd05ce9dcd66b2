package dev.cwb.cli;

import dev.cwb.classroom.ClassMembership;
import dev.cwb.classroom.ClassRoom;
import dev.cwb.classroom.ClassServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code class join}, {@code leave} and {@code show} as a student and a teacher type them. */
class ClassCommandTest {
    @TempDir
    Path student;

    @TempDir
    Path teacher;

    @Test
    void joinChecksTheCodeAndLeaveForgetsIt() {
        ClassRoom room = ClassRoom.open(teacher.resolve("class").resolve("room.json"), false);
        try (ClassServer server = ClassServer.start(room, "127.0.0.1", 0, null, null, System::currentTimeMillis)) {
            String url = "http://127.0.0.1:" + server.port();
            CommandHarness h = new CommandHarness(student);

            assertEquals(4, h.run("class", "join", url, "WRNG-CODE", "--name", "ana"));
            assertEquals(1, h.err().lines().count(), h.err());
            assertTrue(h.err().contains("refused the code WRNG-CODE"), h.err());
            assertFalse(Files.exists(ClassMembership.file(student)), "a refused join keeps nothing");

            h.reset();
            assertEquals(0, h.run("class", "join", url + "/", room.code().toLowerCase(), "--name", "ana"));
            assertTrue(h.out().startsWith("Joined the class at " + url + " as ana."), h.out());
            assertEquals("ana", ClassMembership.read(student).orElseThrow().name());

            h.reset();
            assertEquals(0, h.run("class"));
            assertTrue(h.out().contains("Joined the class at " + url + " as ana"), h.out());
            h.reset();
            assertEquals(0, h.run("class", "leave"));
            assertFalse(Files.exists(ClassMembership.file(student)));
        }
    }

    @Test
    void anUnreachableServerIsOneLineAndTheJoinIsKeptForLater() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        CommandHarness h = new CommandHarness(student);
        assertEquals(0, h.run("class", "join", "http://127.0.0.1:" + port, "ABCD-EFGH", "--name", "bo"));
        assertEquals(1, h.err().lines().count(), h.err());
        assertTrue(h.err().contains("cannot reach http://127.0.0.1:" + port + " now; joined anyway as bo"), h.err());
        assertTrue(ClassMembership.read(student).isPresent());
    }

    @Test
    void badAddressesAndNamesAreOneLineEach() {
        CommandHarness h = new CommandHarness(student);
        assertEquals(4, h.run("class", "join", "ftp://example/", "ABCD-EFGH"));
        assertTrue(h.err().contains("is not a class server's address"), h.err());
        h.reset();
        assertEquals(4, h.run("class", "join", "http://127.0.0.1:9/path?x", "ABCD-EFGH"));
        assertTrue(h.err().contains("is not a class server's address"), h.err());
        h.reset();
        assertEquals(4, h.run("class", "join", "http://127.0.0.1:9", "ABCD-EFGH", "--name", "x".repeat(60)));
        assertTrue(h.err().contains("cannot use the name"), h.err());
        assertEquals(1, h.err().lines().count(), h.err());
        assertFalse(Files.exists(ClassMembership.file(student)));
    }

    @Test
    void showPrintsTheSavedClassAndItsCsv() {
        ClassRoom room = ClassRoom.open(teacher.resolve("class").resolve("room.json"), false);
        room.accept(dev.cwb.classroom.ClassServerTestAccess.report("ana", 3, 1, "passed", "failed", "not-started"), 1_000);
        room.save();
        CommandHarness h = new CommandHarness(teacher);
        assertEquals(0, h.run("class", "show"));
        assertTrue(h.out().lines().anyMatch(l -> l.matches("\\s+ana\\s+3\\s+✓✗·")), h.out());
        h.reset();
        assertEquals(0, h.run("class", "show", "--csv"));
        assertTrue(h.out().contains("\nana,3,Lesson 3,1,3,0,0,2,check failed,1970-01-01T00:00:01Z"), h.out());
        h.reset();
        assertEquals(3, new CommandHarness(student).run("class", "show"));
    }
}
