package dev.cwb.lesson;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.image.Json;
import dev.cwb.lesson.check.CheckVocabulary;
import dev.cwb.lesson.demo.AsciicastRecorder;
import dev.cwb.lesson.demo.DemoMode;
import dev.cwb.lesson.demo.RecordingWriter;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Demo mode driven by keys on an in-memory terminal, recorded, and the recording read back as asciicast v2. */
class DemoModeTest {
    @TempDir
    Path home;

    private static final String LESSON = """
            ---
            id: 9
            title: Two steps
            ---
            ## Goal
            Make two directories.
            > instructor: warm up the room
            ## Steps
            ### Make a
            ```sh
            mkdir -p made-a && echo made a
            ```
            check: file-exists {work}/made-a
            hint: mkdir
            > instructor: note for step one
            ### Make b
            ```sh
            mkdir -p made-b && echo made b
            ```
            check: file-exists {work}/made-b
            hint: mkdir
            """;

    private Lesson lesson() {
        return new LessonParser(CheckVocabulary.standard()).parse(home.resolve("09-two.md"), LESSON);
    }

    /** Plays the lesson with {@code keys} typed in advance; returns the demo (for the steps it visited). */
    private DemoMode play(String keys, Path recording) throws Exception {
        ByteArrayOutputStream screenBytes = new ByteArrayOutputStream();
        Attributes attributes = new Attributes();
        attributes.setLocalFlags(EnumSet.of(Attributes.LocalFlag.ICANON, Attributes.LocalFlag.ECHO), true);
        Terminal terminal = new ExternalTerminal(null, "test", "xterm-256color", new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)),
                screenBytes, StandardCharsets.UTF_8, Terminal.SignalHandler.SIG_DFL, false, attributes, new Size(100, 30));
        RecordingWriter recorder = new RecordingWriter(terminal.writer());
        if (recording != null) {
            recorder.startRecording(recording, 100, 30);
        }
        Workbench workbench = new Workbench(new WorkbenchHome(home), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        DemoMode demo = new DemoMode(workbench, terminal, new PrintWriter(recorder, true), 0);
        demo.play(lesson());
        recorder.stopRecording();
        terminal.close();
        return demo;
    }

    @Test
    void enterSpaceAndPageDownAdvancePageUpAndBackspaceGoBack() throws Exception {
        // title: Enter | step 1: Space runs mkdir, PageDown → step 2 | step 2: PageUp back before running
        // | step 1: Enter runs, Enter → step 2 | step 2: Enter runs, Backspace → step 1 | step 1: q leaves
        DemoMode demo = play("\r" + " " + "\u001b[6~" + "\u001b[5~" + "\r\r" + "\r\u007f" + "q", null);
        assertEquals(List.of(0, 1, 0, 1, 0), demo.visited());
        Path work = home.resolve("lessons/work/9");
        assertTrue(Files.isDirectory(work.resolve("made-a")), "the command of step 1 really ran");
        assertTrue(Files.isDirectory(work.resolve("made-b")), "the command of step 2 really ran");
    }

    @Test
    void theRecordingIsAnAsciicastV2FileWithTheDemoInIt() throws Exception {
        Path cast = home.resolve("demo.cast");
        play("\r\r\r\r\r\r", cast);
        List<String> lines = Files.readAllLines(cast);
        JsonNode header = Json.mapper().readTree(lines.get(0));
        assertEquals(2, header.get("version").asInt());
        assertEquals(100, header.get("width").asInt());
        assertEquals(30, header.get("height").asInt());
        assertTrue(header.get("timestamp").asLong() > 1_600_000_000L);
        StringBuilder shown = new StringBuilder();
        double previous = -1;
        for (String line : lines.subList(1, lines.size())) {
            JsonNode event = Json.mapper().readTree(line);
            assertEquals(3, event.size(), line);
            assertTrue(event.get(0).isNumber(), line);
            assertTrue(event.get(0).asDouble() >= previous, "times never go back: " + line);
            previous = event.get(0).asDouble();
            assertEquals("o", event.get(1).asText());
            shown.append(event.get(2).asText());
        }
        String text = shown.toString();
        assertTrue(text.contains("Lesson 9 · step 1/2: Make a"), text);
        assertTrue(text.contains("Instructor: note for step one"), text);
        assertTrue(text.contains("$ mkdir -p made-a && echo made a"), text);
        assertTrue(text.contains("made a\r\n"), "line ends are a terminal's CR LF: " + text);
        assertTrue(text.contains("✓ " + home.resolve("lessons/work/9/made-b") + " exists"), text);
        assertTrue(text.contains("End of lesson 9"), text);
        assertTrue(text.contains("\u001b[H\u001b[2J"), "the screen is cleared between steps");
        assertFalse(text.replace("\r\n", "").contains("\n"), "no bare LF");
    }

    @Test
    void recorderTimesEventsFromItsStart() throws Exception {
        Path cast = home.resolve("t.cast");
        AtomicLong now = new AtomicLong(5_000_000_000L);
        List<String> events = new ArrayList<>();
        try (AsciicastRecorder recorder = new AsciicastRecorder(cast, 80, 24, 1_700_000_000L, now::get)) {
            now.addAndGet(1_500_000_000L);
            recorder.output("hello\n");
            now.addAndGet(250_000_000L);
            recorder.output("\r\nbye");
        }
        events.addAll(Files.readAllLines(cast));
        assertEquals("{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1700000000,\"env\":{\"TERM\":\"xterm-256color\"}}", events.get(0));
        assertEquals("[1.5,\"o\",\"hello\\r\\n\"]", events.get(1));
        assertEquals("[1.75,\"o\",\"\\r\\nbye\"]", events.get(2));
    }
}
