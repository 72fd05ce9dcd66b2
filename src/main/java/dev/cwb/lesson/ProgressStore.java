package dev.cwb.lesson;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.cwb.image.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A learner's progress: per lesson, the step they are on and the steps whose checks passed. Kept in
 * {@code $CWB_HOME/lessons/progress.json}, beside the images the checks look at: progress only means
 * something together with that store (root's /var/lib/cwb and a user's ~/.local/share/cwb are different
 * stores, and so are different progress files), a lab gives each student a CWB_HOME and so a progress file
 * the instructor can collect, and deleting CWB_HOME starts everything afresh. Written by an atomic rename,
 * so a killed session never leaves half a file.
 */
public final class ProgressStore {
    /**
     * One lesson's progress. {@code step} is 0-based; {@code passed} holds 0-based step indexes; {@code hints}
     * says, per step, how many of its hint tiers were shown; {@code solutions} holds the challenges whose
     * solution the learner asked for ("solution shown"). A file written before hints and solutions were kept
     * reads as none of either.
     */
    public record Entry(@JsonProperty("step") int step, @JsonProperty("passed") TreeSet<Integer> passed,
                        @JsonProperty("completed") boolean completed, @JsonProperty("hints") TreeMap<Integer, Integer> hints,
                        @JsonProperty("solutions") TreeSet<Integer> solutions) {
        public Entry {
            passed = passed == null ? new TreeSet<>() : new TreeSet<>(passed);
            hints = hints == null ? new TreeMap<>() : new TreeMap<>(hints);
            solutions = solutions == null ? new TreeSet<>() : new TreeSet<>(solutions);
        }

        private Entry(int step, TreeSet<Integer> passed, boolean completed) {
            this(step, passed, completed, null, null);
        }

        /** How many hint tiers of step {@code index} were shown. */
        public int hintsUsed(int index) {
            return hints.getOrDefault(index, 0);
        }

        private Entry with(int newStep, TreeSet<Integer> newPassed, boolean newCompleted) {
            return new Entry(newStep, newPassed, newCompleted, hints, solutions);
        }
    }

    /** How a lesson shows in a list: done (✓), started (•) or not yet. */
    public enum Mark {
        DONE("✓"), STARTED("•"), NONE(" ");

        public final String symbol;

        Mark(String symbol) {
            this.symbol = symbol;
        }
    }

    private final Path file;
    private final Map<Integer, Entry> entries;

    private ProgressStore(Path file, Map<Integer, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    public static ProgressStore open(Path file) {
        Map<Integer, Entry> entries = new TreeMap<>();
        if (Files.isRegularFile(file)) {
            try {
                entries.putAll(Json.mapper().readValue(file.toFile(), new TypeReference<Map<Integer, Entry>>() { }));
            } catch (IOException e) {
                // A damaged progress file must not lock a learner out of the lessons: start afresh, keep the old one aside.
                try {
                    Files.move(file, file.resolveSibling(file.getFileName() + ".damaged"), StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException ignored) {
                    // left as it is; it is rewritten on the next save
                }
            }
        }
        return new ProgressStore(file, entries);
    }

    public Path file() {
        return file;
    }

    public Entry get(int lesson) {
        return entries.getOrDefault(lesson, new Entry(0, new TreeSet<>(), false));
    }

    /**
     * Done, started or not yet, decided from the steps passed (the one source of truth): a file written by an
     * older workbench that says "completed" beside steps that never passed is not believed.
     */
    public Mark mark(Lesson lesson) {
        Entry e = entries.get(lesson.number());
        if (e == null) {
            return Mark.NONE;
        }
        return done(lesson) ? Mark.DONE : Mark.STARTED;
    }

    /** True when every step that needs nothing special has passed its checks. */
    public boolean done(Lesson lesson) {
        return allRequiredPassed(lesson, get(lesson.number()).passed());
    }

    /** The steps (0-based) that still have to pass before the lesson is done, in order. */
    public List<Integer> unchecked(Lesson lesson) {
        Set<Integer> passed = get(lesson.number()).passed();
        List<Integer> left = new java.util.ArrayList<>();
        for (int i = 0; i < lesson.stepCount(); i++) {
            if (!passed.contains(i) && lesson.step(i).requires().isEmpty()) {
                left.add(i);
            }
        }
        return left;
    }

    public void at(Lesson lesson, int step) {
        Entry e = get(lesson.number());
        put(lesson.number(), e.with(step, e.passed(), e.completed()));
    }

    /** Step {@code step}'s hint tier {@code tiers} was shown: that many are used (never fewer than before). */
    public void hintsShown(Lesson lesson, int step, int tiers) {
        Entry e = get(lesson.number());
        TreeMap<Integer, Integer> hints = new TreeMap<>(e.hints());
        hints.merge(step, tiers, Math::max);
        put(lesson.number(), new Entry(e.step(), e.passed(), e.completed(), hints, e.solutions()));
    }

    /** The learner asked for challenge {@code step}'s solution and saw it. */
    public void solutionShown(Lesson lesson, int step) {
        Entry e = get(lesson.number());
        TreeSet<Integer> solutions = new TreeSet<>(e.solutions());
        solutions.add(step);
        put(lesson.number(), new Entry(e.step(), e.passed(), e.completed(), e.hints(), solutions));
    }

    public void passed(Lesson lesson, int step) {
        Entry e = get(lesson.number());
        TreeSet<Integer> passed = new TreeSet<>(e.passed());
        passed.add(step);
        put(lesson.number(), e.with(e.step(), passed, allRequiredPassed(lesson, passed)));
    }

    /** The step's checks no longer hold (its effects were undone): it is not passed any more. */
    public void unpassed(Lesson lesson, int step) {
        Entry e = get(lesson.number());
        TreeSet<Integer> passed = new TreeSet<>(e.passed());
        if (passed.remove(step)) {
            put(lesson.number(), e.with(e.step(), passed, allRequiredPassed(lesson, passed)));
        }
    }

    /**
     * A lesson is done when every step that needs nothing special has passed: a step with {@code requires:}
     * (a registry, a program, root) can be impossible on a lab machine, so it never holds a learner back.
     */
    private static boolean allRequiredPassed(Lesson lesson, Set<Integer> passed) {
        for (int i = 0; i < lesson.stepCount(); i++) {
            if (!passed.contains(i) && lesson.step(i).requires().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    public void forget(Lesson lesson) {
        entries.remove(lesson.number());
        save();
    }

    public List<Integer> started() {
        return List.copyOf(entries.keySet());
    }

    private void put(int lesson, Entry entry) {
        entries.put(lesson, entry);
        save();
    }

    private void save() {
        try {
            dev.cwb.AtomicFile.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(entries));
        } catch (IOException e) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "cannot save lesson progress to " + file + ": " + e.getMessage(),
                    "check that CWB_HOME is writable");
        }
    }
}
