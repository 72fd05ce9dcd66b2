package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.lesson.check.CheckContext;
import dev.cwb.lesson.check.CheckVocabulary;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Plays a lesson headless, start to finish, as a learner would: resets what the lesson made, then for each
 * step types its commands (really runs them) and runs its checks. It stops at the first failing check and
 * names the step. {@code lessons verify} uses it, and so does the test suite, for every lesson.
 */
public final class LessonVerifier {
    /** How a verification ended; {@code failedStep} is 1-based, 0 when nothing failed. */
    public record Outcome(Lesson lesson, boolean passed, boolean skipped, int failedStep, String message) {
    }

    private final Workbench workbench;
    private final CheckVocabulary vocabulary;
    private final PrintWriter out;
    private final boolean verbose;

    public LessonVerifier(Workbench workbench, CheckVocabulary vocabulary, PrintWriter out, boolean verbose) {
        this.workbench = workbench;
        this.vocabulary = vocabulary;
        this.out = out;
        this.verbose = verbose;
    }

    public Outcome verify(Lesson lesson) {
        return verify(lesson, 0);
    }

    /** Plays the lesson, leaving out the commands of step {@code skipStep} (1-based; 0 runs them all) but not its checks. */
    public Outcome verify(Lesson lesson, int skipStep) {
        out.println("Lesson " + lesson.number() + ": " + lesson.title() + "  (" + lesson.file().getFileName() + ")");
        if (lesson.needsRoot() && !WorkbenchHome.isRoot()) {
            out.println("  skipped: it needs root (run the verification with sudo)");
            return new Outcome(lesson, true, true, 0, "needs root");
        }
        for (String image : lesson.images()) {
            try {
                workbench.images().find(image);
            } catch (CwbException e) {
                String message = "lesson " + lesson.number() + " starts from image " + image + ", which is not in the store — run 'samples build'";
                out.println("  ✗ " + message);
                return new Outcome(lesson, false, false, 1, message);
            }
        }
        LessonWorkspace workspace = new LessonWorkspace(workbench);
        workspace.reset(lesson);
        Placeholders placeholders = workspace.placeholders(lesson);
        Path work = workspace.work(lesson);
        StepRunner runner = new StepRunner(workbench);
        StepChecks checks = new StepChecks(vocabulary);
        int n = lesson.stepCount();
        for (int i = 0; i < n; i++) {
            Step step = lesson.step(i);
            String label = (i + 1) + "/" + n + " " + step.title();
            List<String> missing = StepRequirements.missing(step);
            if (!missing.isEmpty()) {
                out.println("  - " + label + ": optional, not played (needs " + String.join(", ", missing) + ")");
                continue;
            }
            Optional<CheckContext.LastCommand> last = Optional.empty();
            if (i + 1 != skipStep) {
                for (StepCommand command : step.commands()) {
                    StepCommand expanded;
                    try {
                        expanded = new StepCommand(command.kind(), placeholders.expand(command.text()));
                    } catch (CwbException e) {
                        return fail(lesson, i, label, "cannot fill in '" + command.text() + "': " + e.getMessage());
                    }
                    Writer screen = verbose ? out : new StringWriter();
                    if (verbose) {
                        out.println("    " + expanded.prompt() + expanded.text());
                    }
                    last = Optional.of(runner.run(expanded, work, screen));
                    out.flush();
                }
            }
            StepChecks.Verdict failure = StepChecks.firstFailure(checks.evaluate(step, placeholders, new CheckContext(workbench, last)));
            if (failure != null) {
                String commandNote = last.map(c -> " (last command '" + c.line() + "' exited with " + c.exitCode() + ")").orElse("");
                return fail(lesson, i, label, StepChecks.describeFailure(failure) + commandNote + " — hint: " + placeholders.expandQuietly(step.hint()));
            }
            out.println("  ✓ " + label);
        }
        out.println("  all " + n + " steps passed");
        out.flush();
        return new Outcome(lesson, true, false, 0, "passed");
    }

    private Outcome fail(Lesson lesson, int index, String label, String why) {
        out.println("  ✗ " + label);
        String message = "lesson " + lesson.number() + " step " + (index + 1) + " '" + lesson.step(index).title() + "': " + why;
        out.flush();
        return new Outcome(lesson, false, false, index + 1, message);
    }
}
