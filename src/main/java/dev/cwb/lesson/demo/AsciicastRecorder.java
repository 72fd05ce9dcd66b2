package dev.cwb.lesson.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

/**
 * Writes a terminal session as an asciicast v2 file, the format {@code asciinema play FILE} replays
 * (https://docs.asciinema.org/manual/asciicast/v2/): a first line with a JSON header
 * {@code {"version": 2, "width": W, "height": H, "timestamp": UNIX_SECONDS}}, then one JSON array per
 * output event, {@code [SECONDS_SINCE_START, "o", "TEXT"]}. A player writes the text to a terminal as it
 * is, so line ends are written as a terminal receives them, CR LF.
 */
public final class AsciicastRecorder implements Closeable {
    private final Path file;
    private final BufferedWriter writer;
    private final LongSupplier nanoClock;
    private final long start;
    private boolean lastWasCr;

    public AsciicastRecorder(Path file, int width, int height, long unixSeconds, LongSupplier nanoClock) {
        this.file = file;
        this.nanoClock = nanoClock;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            ObjectNode header = Json.mapper().createObjectNode();
            header.put("version", 2);
            header.put("width", width);
            header.put("height", height);
            header.put("timestamp", unixSeconds);
            header.putObject("env").put("TERM", "xterm-256color");
            writer.write(Json.mapper().writeValueAsString(header));
            writer.write('\n');
            writer.flush();
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot write the recording " + file + ": " + CwbException.reason(e), "choose a writable path", e);
        }
        this.start = nanoClock.getAsLong();
    }

    public static AsciicastRecorder start(Path file, int width, int height) {
        return new AsciicastRecorder(file, width, height, System.currentTimeMillis() / 1000, System::nanoTime);
    }

    public Path file() {
        return file;
    }

    /** Records text the terminal showed now. */
    public synchronized void output(String text) {
        if (text.isEmpty()) {
            return;
        }
        double seconds = (nanoClock.getAsLong() - start) / 1e9;
        ArrayNode event = Json.mapper().createArrayNode();
        event.add(Math.round(seconds * 1e6) / 1e6);
        event.add("o");
        event.add(terminalLineEnds(text));
        try {
            writer.write(Json.mapper().writeValueAsString(event));
            writer.write('\n');
            writer.flush();
        } catch (IOException e) {
            // a full disk must not stop the lesson; the recording simply ends here
        }
    }

    /** LF as a tty's output processing (ONLCR) turns it into CR LF; an existing CR LF stays as it is. */
    private String terminalLineEnds(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' && !lastWasCr) {
                out.append('\r');
            }
            out.append(c);
            lastWasCr = c == '\r';
        }
        return out.toString();
    }

    @Override
    public synchronized void close() {
        try {
            writer.close();
        } catch (IOException e) {
            // nothing more to save
        }
    }
}
