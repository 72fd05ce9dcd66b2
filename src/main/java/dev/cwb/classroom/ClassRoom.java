package dev.cwb.classroom;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cwb.CwbException;
import dev.cwb.image.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The teacher's side of a class: its join code and viewer key, and the latest report of each student for
 * each lesson. Kept in one file ({@code $CWB_HOME/class/room.json}, mode 0600: it holds the secrets), so a
 * restarted {@code class serve} is the same class with the same code, and the students' workbenches, which
 * resend their latest snapshot until it is taken, catch it up by themselves.
 *
 * <p>Bounded on purpose: at most {@link #MAX_STUDENTS} names, each report checked by
 * {@link ProgressReport#problem()}. Thread-safe: the HTTP server's threads call it concurrently.
 */
public final class ClassRoom {
    public static final int MAX_STUDENTS = 500;

    /** One student: every lesson they reported, the lesson they reported last, and since when they are on its step. */
    public record Student(@JsonProperty("reports") TreeMap<Integer, ProgressReport> reports,
                          @JsonProperty("lastLesson") int lastLesson,
                          @JsonProperty("lastSeen") long lastSeen,
                          @JsonProperty("onStepSince") long onStepSince) {
        public Student {
            reports = reports == null ? new TreeMap<>() : new TreeMap<>(reports);
        }
    }

    /** The file's shape. */
    record Saved(@JsonProperty("code") String code, @JsonProperty("key") String key,
                 @JsonProperty("students") TreeMap<String, Student> students) {
    }

    /** A student's row as the page shows it: their report for the lesson shown, and when it changed. */
    public record Row(String name, ProgressReport report, long lastSeen, long onStepSince) {
    }

    private final Path file;
    private final String code;
    private final String key;
    private final TreeMap<String, Student> students;
    private boolean dirty;

    private ClassRoom(Path file, String code, String key, TreeMap<String, Student> students) {
        this.file = file;
        this.code = code;
        this.key = key;
        this.students = students;
    }

    /** The class kept in {@code file}, or a new one (new code and key) when there is none or {@code fresh}. */
    public static ClassRoom open(Path file, boolean fresh) {
        if (!fresh && Files.isRegularFile(file)) {
            try {
                Saved saved = Json.MAPPER.readValue(file.toFile(), Saved.class);
                if (saved.code() != null && saved.key() != null) {
                    return new ClassRoom(file, saved.code(), saved.key(), saved.students() == null ? new TreeMap<>() : saved.students());
                }
            } catch (IOException e) {
                throw new CwbException(CwbException.CORRUPT, "cannot read the class in " + file + ": " + e.getMessage(),
                        "start a new class with 'class serve --new' (the old file is replaced)");
            }
        }
        ClassRoom room = new ClassRoom(file, ClassCodes.newJoinCode(), ClassCodes.newViewerKey(), new TreeMap<>());
        room.dirty = true;
        room.save();
        return room;
    }

    public String code() {
        return code;
    }

    public String key() {
        return key;
    }

    public Path file() {
        return file;
    }

    /**
     * Takes a checked report at time {@code now} (epoch ms). Returns null when taken, else why not (the class
     * is full). The time on a step restarts when the student's lesson or step changes.
     */
    public synchronized String accept(ProgressReport report, long now) {
        Student old = students.get(report.name());
        if (old == null && students.size() >= MAX_STUDENTS) {
            return "the class already has " + MAX_STUDENTS + " students";
        }
        TreeMap<Integer, ProgressReport> reports = old == null ? new TreeMap<>() : new TreeMap<>(old.reports());
        ProgressReport before = reports.put(report.lesson(), report);
        boolean sameStep = old != null && old.lastLesson() == report.lesson() && before != null && before.current() == report.current();
        students.put(report.name(), new Student(reports, report.lesson(), now, sameStep ? old.onStepSince() : now));
        dirty = true;
        return null;
    }

    /**
     * One row per student, by name: their report for {@code lesson}, or (null) their latest lesson. A student
     * who has not reported that lesson is shown with no report.
     */
    public synchronized List<Row> rows(Integer lesson) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Student> e : students.entrySet()) {
            Student s = e.getValue();
            int shown = lesson == null ? s.lastLesson() : lesson;
            ProgressReport r = s.reports().get(shown);
            rows.add(new Row(e.getKey(), r, s.lastSeen(), shown == s.lastLesson() ? s.onStepSince() : s.lastSeen()));
        }
        rows.sort(Comparator.comparing(Row::name, String.CASE_INSENSITIVE_ORDER));
        return rows;
    }

    public synchronized int size() {
        return students.size();
    }

    /** Writes the class to its file if anything changed: a temporary file (0600), then an atomic rename. */
    public synchronized void save() {
        if (!dirty) {
            return;
        }
        try {
            PrivateFile.write(file, Json.MAPPER.writeValueAsBytes(new Saved(code, key, students)));
            dirty = false;
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot save the class to " + file + ": " + e.getMessage(),
                    "check that CWB_HOME is writable and has space");
        }
    }
}
