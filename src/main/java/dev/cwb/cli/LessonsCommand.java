package dev.cwb.cli;

import dev.cwb.lesson.Lesson;
import dev.cwb.lesson.LessonLibrary;
import dev.cwb.lesson.LessonVerifier;
import dev.cwb.lesson.LessonWorkspace;
import dev.cwb.lesson.ProgressStore;
import dev.cwb.lesson.check.CheckVocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code lessons}: the course. {@code lessons list} shows each lesson with the learner's progress;
 * {@code lessons verify [N]} plays one lesson (or all) headless, really running each step's commands and
 * checks, and exits non-zero naming the first step that fails: how a teacher tests a lesson file and a lab
 * machine before class. In the shell, {@code :lessons}, {@code :lesson N} and friends are the way to take them.
 */
@Command(name = "lessons", description = "List the lessons, or verify them by playing them headless.",
        subcommands = {LessonsCommand.ListLessons.class, LessonsCommand.VerifyLessons.class})
public final class LessonsCommand extends WorkbenchCommand {
    @Option(names = "--dir", paramLabel = "DIR", description = "The lessons directory (default: $CWB_LESSONS, else lessons/ of the workbench).")
    Path dir;

    @Mixin
    JsonOption json;

    @Override
    protected int run() {
        return list(this);
    }

    static LessonLibrary library(Path dir) {
        return dir == null ? LessonLibrary.open() : LessonLibrary.open(dir.toAbsolutePath().normalize(), CheckVocabulary.standard());
    }

    static int list(WorkbenchCommand command) {
        Path dir = command instanceof LessonsCommand l ? l.dir : ((ListLessons) command).dir;
        JsonOption json = command instanceof LessonsCommand l ? l.json : ((ListLessons) command).json;
        LessonLibrary library = library(dir);
        ProgressStore progress = ProgressStore.open(new LessonWorkspace(command.workbench).progressFile());
        if (json.enabled()) {
            List<java.util.Map<String, Object>> list = new java.util.ArrayList<>();
            for (Lesson lesson : library.all()) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                ProgressStore.Entry entry = progress.get(lesson.number());
                m.put("id", lesson.number());
                m.put("title", lesson.title());
                m.put("file", lesson.file().getFileName().toString());
                m.put("needsRoot", lesson.needsRoot());
                m.put("steps", lesson.stepCount());
                m.put("progress", progress.mark(lesson).name().toLowerCase(java.util.Locale.ROOT));
                m.put("step", entry.step() + 1);
                m.put("stepsPassed", entry.passed().stream().map(i -> i + 1).toList());
                java.util.Map<Integer, Integer> hints = new java.util.TreeMap<>();
                entry.hints().forEach((step, used) -> hints.put(step + 1, used));
                m.put("hintsUsed", hints);
                m.put("solutionsShown", entry.solutions().stream().map(i -> i + 1).toList());
                list.add(m);
            }
            command.out().println(dev.cwb.image.Json.pretty(list));
            return 0;
        }
        command.out().println("Lessons in " + library.dir() + "  (✓ done, • started):");
        for (Lesson lesson : library.all()) {
            command.out().printf("  %s %2d  %-45s %d steps%s%n", progress.mark(lesson).symbol, lesson.number(), lesson.title(), lesson.stepCount(),
                    lesson.needsRoot() ? "  (needs root)" : "");
        }
        command.out().println("In the shell: ':lesson N' starts or resumes one. Progress is kept in " + progress.file() + ".");
        return 0;
    }

    @Command(name = "list", description = "List the lessons with your progress (✓ done, • started).")
    static final class ListLessons extends WorkbenchCommand {
        @Option(names = "--dir", paramLabel = "DIR", description = "The lessons directory.")
        Path dir;

        @Mixin
        JsonOption json;

        @Override
        protected int run() {
            return list(this);
        }
    }

    @Command(name = "verify", description = "Play lesson N (default: all) headless: run each step's commands and checks; "
            + "exit non-zero naming the first failing step. Says how many steps it played, and which it could not and why. "
            + "A challenge is played by its hidden solution, after each of its wrong solutions, which its checks must reject.",
            footer = {"", "Each lesson is reset first (:reset): its own directory, the images it creates and its layer cache entries."})
    static final class VerifyLessons extends WorkbenchCommand {
        @Parameters(arity = "0..1", paramLabel = "N", description = "The lesson's number.")
        Integer number;

        @Option(names = "--dir", paramLabel = "DIR", description = "The lessons directory.")
        Path dir;

        @Option(names = {"-v", "--verbose"}, description = "Show each command and its output.")
        boolean verbose;

        @Option(names = "--skip-step", paramLabel = "K", hidden = true,
                description = "Do not run the commands of step K (its checks still run): shows that the checks see the state.")
        int skipStep;

        @Override
        protected int run() {
            LessonLibrary library = library(dir);
            List<Lesson> lessons = number == null ? library.all() : List.of(library.get(number));
            int played = 0;
            int steps = 0;
            int challenges = 0;
            int wrongs = 0;
            List<String> notPlayed = new java.util.ArrayList<>();
            try (LessonVerifier verifier = new LessonVerifier(workbench, CheckVocabulary.standard(), out(), verbose)) {
                for (Lesson lesson : lessons) {
                    LessonVerifier.Outcome outcome = verifier.verify(lesson, skipStep);
                    if (!outcome.passed()) {
                        Commands.printError(workbench, outcome.message());
                        return 1;
                    }
                    played += outcome.played();
                    steps += lesson.stepCount();
                    challenges += outcome.challenges();
                    wrongs += outcome.wrongsRejected();
                    outcome.notPlayed().forEach(s -> notPlayed.add("lesson " + lesson.number() + " " + s));
                }
            }
            if (lessons.size() > 1) {
                out().println("Verified " + lessons.size() + " lessons: " + played + " of " + steps + " steps played and passed"
                        + (challenges > 0 ? " (" + challenges + " challenges solved by their solutions, " + wrongs + " wrong solutions rejected)" : "")
                        + (notPlayed.isEmpty() ? "." : "; not played: " + String.join("; ", notPlayed)));
            }
            return 0;
        }
    }
}
