package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.lesson.check.CheckVocabulary;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The lessons of a course: every {@code *.md} file of one directory, ordered by their {@code id:}.
 * The directory is {@code $CWB_LESSONS} when set, else {@code lessons/} of the workbench's project (beside
 * {@code target/}), else {@code lessons/} in the current directory: a teacher can keep a course of their own
 * anywhere and point {@code CWB_LESSONS} at it.
 */
public final class LessonLibrary {
    public static final String ENV = "CWB_LESSONS";

    private final Path dir;
    private final List<Lesson> lessons;

    private LessonLibrary(Path dir, List<Lesson> lessons) {
        this.dir = dir;
        this.lessons = lessons;
    }

    public static LessonLibrary open() {
        return open(locate(), CheckVocabulary.standard());
    }

    /** Reads every lesson in {@code dir}; the first malformed one is an error naming its file and line. */
    public static LessonLibrary open(Path dir, CheckVocabulary vocabulary) {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".md") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw CwbException.notFound("cannot read the lessons directory " + dir + ": " + e.getMessage(), "set " + ENV + " to a directory of lesson files");
        }
        List<Lesson> lessons = new ArrayList<>();
        Map<Integer, Path> seen = new HashMap<>();
        for (Path file : files) {
            Lesson lesson = new LessonParser(vocabulary).parse(file);
            Path other = seen.put(lesson.number(), file);
            if (other != null) {
                throw CwbException.badInput(file + " line 2: id " + lesson.number() + " is also the id of " + other,
                        "give each lesson its own number");
            }
            lessons.add(lesson);
        }
        lessons.sort(Comparator.comparingInt(Lesson::number));
        return new LessonLibrary(dir, List.copyOf(lessons));
    }

    public Path dir() {
        return dir;
    }

    public List<Lesson> all() {
        return lessons;
    }

    public Lesson get(int number) {
        return lessons.stream().filter(l -> l.number() == number).findFirst().orElseThrow(() -> CwbException.notFound(
                "there is no lesson " + number,
                lessons.isEmpty() ? "the directory " + dir + " has no lesson files" : "the lessons are numbered "
                        + String.join(", ", lessons.stream().map(l -> String.valueOf(l.number())).toList()) + " (:lessons lists them)"));
    }

    public static Path locate() {
        String explicit = System.getenv(ENV);
        if (explicit != null && !explicit.isBlank()) {
            Path dir = Path.of(explicit).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw CwbException.notFound(ENV + "=" + explicit + " is not a directory", "set " + ENV + " to a directory of lesson files, or unset it");
            }
            return dir;
        }
        List<Path> tried = new ArrayList<>();
        Path code = codeLocation();
        if (code != null && code.getParent() != null && code.getParent().getParent() != null) {
            tried.add(code.getParent().getParent().resolve("lessons")); // PROJECT/target/cwb.jar → PROJECT/lessons
        }
        tried.add(Path.of("lessons").toAbsolutePath());
        for (Path candidate : tried) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw CwbException.notFound("cannot find the lessons: no " + ENV + " and no directory "
                + String.join(" or ", tried.stream().map(Path::toString).toList()), "set " + ENV + "=/path/to/lessons");
    }

    private static Path codeLocation() {
        try {
            var source = LessonLibrary.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
