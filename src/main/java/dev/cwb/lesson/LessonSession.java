package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.cli.LineSplitter;
import dev.cwb.lesson.check.CheckContext;
import dev.cwb.lesson.check.CheckVocabulary;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A learner taking lessons in the shell: the lesson and step they are on, the last command they ran in
 * this step, and their saved progress. The shell's {@code :lesson}, {@code :next}, {@code :back},
 * {@code :hint}, {@code :check}, {@code :run} and {@code :reset} call it; it prints to the writer it is given.
 */
public final class LessonSession {
    private final Workbench workbench;
    private final Supplier<LessonLibrary> librarySource;
    private final CheckVocabulary vocabulary = CheckVocabulary.standard();
    private final LessonWorkspace workspace;
    private LessonLibrary library;
    private ProgressStore progress;
    private Lesson lesson;
    private int step;
    private Optional<CheckContext.LastCommand> last = Optional.empty();
    private ProgressListener listener = ProgressListener.NONE;
    /** This session's steps of the open lesson whose last check said "not yet", and hints shown per step. */
    private final java.util.Set<Integer> failed = new java.util.TreeSet<>();
    private final java.util.Map<Integer, Integer> hints = new java.util.HashMap<>();

    public LessonSession(Workbench workbench, Supplier<LessonLibrary> librarySource) {
        this.workbench = workbench;
        this.librarySource = librarySource;
        this.workspace = new LessonWorkspace(workbench);
    }

    /** Who is told of each change of the learner's place (the class view); none by default. */
    public void setListener(ProgressListener listener) {
        this.listener = listener == null ? ProgressListener.NONE : listener;
    }

    private void publish() {
        if (lesson != null) {
            listener.progressed(lesson, progress().get(lesson.number()).passed(), step, java.util.Set.copyOf(failed), java.util.Map.copyOf(hints));
        }
    }

    public LessonLibrary library() {
        if (library == null) {
            library = librarySource.get();
        }
        return library;
    }

    private ProgressStore progress() {
        if (progress == null) {
            progress = ProgressStore.open(workspace.progressFile());
        }
        return progress;
    }

    /** "3·2/5": lesson 3, step 2 of 5, for the prompt; empty outside a lesson. */
    public Optional<String> promptTag() {
        return lesson == null ? Optional.empty() : Optional.of(lesson.number() + "·" + (step + 1) + "/" + lesson.stepCount());
    }

    public Optional<Lesson> current() {
        return Optional.ofNullable(lesson);
    }

    /** The shell tells the session about each workbench command the learner ran, for the output checks. */
    public void commandRan(String line, int exitCode, String output) {
        if (lesson != null) {
            last = Optional.of(new CheckContext.LastCommand(line, exitCode, output));
        }
    }

    /**
     * True when {@code line} is one of the current step's workbench commands, as written in the lesson (with
     * this machine's values filled in). The shell runs such a line as {@code :run} would: a container's
     * output goes through the workbench instead of straight to the terminal, so the step's output checks
     * see it. A step's commands never need a terminal: {@code lessons verify} plays them without one.
     */
    public boolean isStepCommand(String line) {
        if (lesson == null) {
            return false;
        }
        try {
            List<String> typed = LineSplitter.split(line);
            for (StepCommand c : lesson.step(step).commands()) {
                if (c.kind() == StepCommand.Kind.WORKBENCH
                        && LineSplitter.split(workspace.placeholders(lesson).expandQuietly(c.text())).equals(typed)) {
                    return true;
                }
            }
        } catch (IllegalArgumentException e) {
            return false; // an unclosed quote: not a step's command
        }
        return false;
    }

    public void list(PrintWriter out) {
        out.println("Lessons (✓ done, • started):");
        for (Lesson l : library().all()) {
            out.printf("  %s %2d  %s%s%n", progress().mark(l).symbol, l.number(), l.title(), l.needsRoot() ? "  (needs root)" : "");
        }
        out.println("':lesson N' starts or resumes a lesson. Progress is kept in " + progress().file() + ".");
    }

    public void start(int number, PrintWriter out) {
        Lesson chosen = library().get(number);
        if (lesson == null || lesson.number() != chosen.number()) {
            failed.clear();
            hints.clear();
        }
        lesson = chosen;
        ProgressStore.Entry entry = progress().get(number);
        step = Math.min(entry.step(), lesson.stepCount() - 1);
        last = Optional.empty();
        out.println(bold("Lesson " + lesson.number() + ": " + lesson.title()));
        out.println();
        out.println(lesson.goal());
        if (!lesson.concept().isBlank()) {
            out.println();
            out.println(lesson.concept());
        }
        if (lesson.needsRoot() && !dev.cwb.WorkbenchHome.isRoot()) {
            out.println();
            out.println("This lesson needs root: leave (:quit) and start the workbench with 'sudo ./cwb'.");
        }
        missingImages().ifPresent(out::println);
        if (step > 0) {
            out.println();
            out.println("(resuming at step " + (step + 1) + "; ':lesson " + number + "' again with ':reset' starts over)");
        }
        out.println();
        show(out);
        publish();
    }

    public void next(PrintWriter out) {
        Lesson l = requireLesson();
        if (step + 1 >= l.stepCount()) {
            out.println("That was the last step of lesson " + l.number() + "."
                    + (progress().mark(l) == ProgressStore.Mark.DONE ? " Lesson " + l.number() + " is done: ':lessons' shows what comes next." : ""));
            if (!l.exercises().isBlank()) {
                out.println();
                out.println(bold("Exercises"));
                out.println(workspace.placeholders(l).expandQuietly(l.exercises()));
            }
            if (!l.documentation().isBlank()) {
                out.println();
                out.println(bold("Relevant documentation"));
                out.println(l.documentation());
            }
            return;
        }
        if (!progress().get(l.number()).passed().contains(step)) {
            out.println("(step " + (step + 1) + " is not checked yet: ':back' returns to it)");
        }
        moveTo(step + 1, out);
    }

    public void back(PrintWriter out) {
        requireLesson();
        if (step == 0) {
            out.println("This is the first step.");
            return;
        }
        moveTo(step - 1, out);
    }

    public void hint(PrintWriter out) {
        Step s = requireLesson().step(step);
        out.println("Hint: " + expand(s.hint()));
        hints.merge(step, 1, Integer::sum);
        publish();
    }

    /** Runs the current step's checks against the state now; a pass is saved as progress. */
    public boolean check(PrintWriter out) {
        Lesson l = requireLesson();
        Step s = l.step(step);
        List<StepChecks.Verdict> verdicts = new StepChecks(vocabulary).evaluate(s, workspace.placeholders(l), new CheckContext(workbench, last));
        for (StepChecks.Verdict v : verdicts) {
            out.println("  " + (v.passed() ? "✓ " : "✗ ") + v.expectation() + (v.passed() ? "" : "\n      saw: " + v.result().saw()));
        }
        if (StepChecks.firstFailure(verdicts) == null) {
            progress().passed(l, step);
            failed.remove(step);
            publish();
            out.println(step + 1 < l.stepCount() ? "Step " + (step + 1) + " done — ':next' for the next one."
                    : "Step " + (step + 1) + " done — that completes lesson " + l.number() + ". ':next' shows the exercises.");
            return true;
        }
        failed.add(step);
        publish();
        out.println("Not yet. Hint: " + expand(s.hint()));
        List<String> missing = StepRequirements.missing(s, workbench.registryEnvironment());
        if (!missing.isEmpty()) {
            out.println("This step is optional here (it needs " + String.join(", ", missing) + "): ':next' skips it.");
        }
        return false;
    }

    /** Runs the current step's commands for the learner (how host commands can be run without a second terminal). */
    public void run(PrintWriter out) {
        Lesson l = requireLesson();
        StepRunner runner = new StepRunner(workbench);
        for (StepCommand command : l.step(step).commands()) {
            StepCommand expanded = new StepCommand(command.kind(), workspace.placeholders(l).expand(command.text()));
            out.println(expanded.prompt() + expanded.text());
            out.flush();
            last = Optional.of(runner.run(expanded, workspace.work(l), out));
            out.flush();
        }
    }

    /** Undoes what the current lesson made and starts it again from step 1. */
    public void reset(PrintWriter out) {
        Lesson l = requireLesson();
        List<String> done = workspace.reset(l);
        progress().forget(l);
        out.println(done.isEmpty() ? "Nothing to undo for lesson " + l.number() + "." : String.join("\n", done));
        step = 0;
        last = Optional.empty();
        failed.clear();
        hints.clear();
        out.println("Lesson " + l.number() + " starts again at step 1.");
        out.println();
        show(out);
        publish();
    }

    public void leave() {
        lesson = null;
        last = Optional.empty();
    }

    private void moveTo(int index, PrintWriter out) {
        step = index;
        last = Optional.empty(); // output checks look only at what ran in this step
        progress().at(lesson, step);
        show(out);
        publish();
    }

    /** Prints the current step: title, text, what to type, and what comes next. */
    public void show(PrintWriter out) {
        Step s = lesson.step(step);
        out.println(bold("Step " + (step + 1) + "/" + lesson.stepCount() + ": " + s.title()));
        if (!s.text().isBlank()) {
            out.println(StepText.render(expand(s.text())));
        }
        List<String> missing = StepRequirements.missing(s, workbench.registryEnvironment());
        if (!missing.isEmpty()) {
            out.println("(optional here: it needs " + String.join(", ", missing) + ")");
        }
        boolean host = s.commands().stream().anyMatch(c -> c.kind() == StepCommand.Kind.HOST);
        out.println();
        out.println("Type ':check' when you have done it, ':hint' if you are stuck"
                + (host ? ", ':run' to let the workbench run the $ lines." : "."));
        progress().at(lesson, step);
    }

    private String expand(String text) {
        return workspace.placeholders(lesson).expandQuietly(text);
    }

    private Optional<String> missingImages() {
        for (String image : lesson.images()) {
            try {
                workbench.images().find(image);
            } catch (CwbException e) {
                return Optional.of("Image " + image + " is not in the store: type 'samples build' first.");
            }
        }
        return Optional.empty();
    }

    private Lesson requireLesson() {
        if (lesson == null) {
            throw CwbException.badInput("no lesson is open", "start one with ':lesson N' (':lessons' lists them)");
        }
        return lesson;
    }

    private String bold(String text) {
        return workbench.color() ? "\u001b[1m" + text + "\u001b[0m" : text;
    }
}
