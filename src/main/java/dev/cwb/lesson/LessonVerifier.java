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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plays a lesson headless, start to finish, as a learner would: resets what the lesson made, then for each
 * step types its commands (really runs them) and runs its checks. It stops at the first failing check and
 * names the step. {@code lessons verify} uses it, and so does the test suite, for every lesson.
 *
 * <p>Nothing is counted as passed that was not played. A step whose {@code requires:} are not met here (a
 * program not installed, root) is not played: it is named with the reason, and the lesson's last line says
 * how many steps were played. Steps that need a registry are always played: while it verifies, the
 * verifier points {@code docker.io} at its own loopback registry ({@link LessonRegistry}), started the first
 * time a lesson needs it, so their pulls never leave the machine.
 */
public final class LessonVerifier implements AutoCloseable {
    /** A step not played, and why; step 0 stands for the whole lesson. */
    public record NotPlayed(int step, String title, String why) {
        @Override
        public String toString() {
            return (step == 0 ? "all steps" : "step " + step + " '" + title + "'") + " (needs " + why + ")";
        }
    }

    /**
     * How a verification ended: {@code passed} when no check failed; {@code failedStep} is 1-based, 0 when
     * nothing failed; {@code played} steps were played, {@code notPlayed} were not.
     */
    public record Outcome(Lesson lesson, boolean passed, int failedStep, String message, int played, List<NotPlayed> notPlayed) {
        public Outcome {
            notPlayed = List.copyOf(notPlayed);
        }

        /** Every step was played and passed. */
        public boolean complete() {
            return passed && notPlayed.isEmpty();
        }
    }

    private final Workbench workbench;
    private final CheckVocabulary vocabulary;
    private final PrintWriter out;
    private final boolean verbose;
    private LessonRegistry registry;

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
        int n = lesson.stepCount();
        if (lesson.needsRoot() && !WorkbenchHome.isRoot()) {
            NotPlayed whole = new NotPlayed(0, null, "root: run the verification with sudo");
            out.println("  not played: the lesson needs root (run the verification with sudo)");
            out.println("  0 of " + n + " steps played");
            out.flush();
            return new Outcome(lesson, true, 0, "not played: needs root", 0, List.of(whole));
        }
        for (String image : lesson.images()) {
            try {
                workbench.images().find(image);
            } catch (CwbException e) {
                String message = "lesson " + lesson.number() + " starts from image " + image + ", which is not in the store — run 'samples build'";
                out.println("  ✗ " + message);
                return new Outcome(lesson, false, 1, message, 0, List.of());
            }
        }
        if (needsRegistry(lesson)) {
            workbench.setRegistryMirror(registry().url());
        }
        try {
            return play(lesson, skipStep);
        } finally {
            workbench.setRegistryMirror(null);
        }
    }

    private Outcome play(Lesson lesson, int skipStep) {
        LessonWorkspace workspace = new LessonWorkspace(workbench);
        workspace.reset(lesson);
        Placeholders placeholders = workspace.placeholders(lesson);
        Path work = workspace.work(lesson);
        StepRunner runner = new StepRunner(workbench);
        StepChecks checks = new StepChecks(vocabulary);
        int n = lesson.stepCount();
        List<NotPlayed> notPlayed = new ArrayList<>();
        int played = 0;
        for (int i = 0; i < n; i++) {
            Step step = lesson.step(i);
            String label = (i + 1) + "/" + n + " " + step.title();
            List<String> missing = StepRequirements.missing(step, workbench.registryEnvironment());
            if (!missing.isEmpty()) {
                notPlayed.add(new NotPlayed(i + 1, step.title(), String.join(", ", missing)));
                out.println("  - " + label + ": not played (needs " + String.join(", ", missing) + ")");
                continue;
            }
            Optional<CheckContext.LastCommand> last = Optional.empty();
            if (i + 1 != skipStep) {
                for (StepCommand command : step.commands()) {
                    StepCommand expanded;
                    try {
                        expanded = new StepCommand(command.kind(), placeholders.expand(command.text()));
                    } catch (CwbException e) {
                        return fail(lesson, i, label, "cannot fill in '" + command.text() + "': " + e.getMessage(), played, notPlayed);
                    }
                    Writer screen = verbose ? out : new StringWriter();
                    if (verbose) {
                        out.println("    " + expanded.prompt() + expanded.text());
                    }
                    Optional<String> refused = checks.refusal(step, placeholders, new CheckContext(workbench, last));
                    if (refused.isPresent()) {
                        out.println("    " + refused.get());
                        last = Optional.of(new CheckContext.LastCommand(expanded.text(), 1, refused.get()));
                        break;
                    }
                    last = Optional.of(runner.run(expanded, work, screen));
                    out.flush();
                }
            }
            StepChecks.Verdict failure = StepChecks.firstFailure(checks.evaluate(step, placeholders, new CheckContext(workbench, last)));
            if (failure != null) {
                String commandNote = last.map(c -> " (last command '" + c.line() + "' exited with " + c.exitCode() + ")").orElse("");
                return fail(lesson, i, label, StepChecks.describeFailure(failure) + commandNote + " — hint: "
                        + placeholders.expandQuietly(step.hint()), played, notPlayed);
            }
            played++;
            out.println("  ✓ " + label);
        }
        out.println(notPlayed.isEmpty() ? "  all " + n + " steps played and passed"
                : "  " + played + " of " + n + " steps played and passed; not played: "
                + String.join(", ", notPlayed.stream().map(NotPlayed::toString).toList()));
        out.flush();
        return new Outcome(lesson, true, 0, notPlayed.isEmpty() ? "passed" : played + " of " + n + " steps played", played, notPlayed);
    }

    private static boolean needsRegistry(Lesson lesson) {
        for (int i = 0; i < lesson.stepCount(); i++) {
            if (lesson.step(i).requires().contains("registry")) {
                return true;
            }
        }
        return false;
    }

    /** The loopback registry, started the first time a lesson needs it. */
    private LessonRegistry registry() {
        if (registry == null) {
            registry = LessonRegistry.start(workbench.home().root().resolve("lessons").resolve("registry"));
            out.println("  (steps that pull from Docker Hub pull from the workbench's own registry at " + registry.url()
                    + " instead: it serves " + LessonRegistry.REPOSITORY + ", built from the hello sample's program)");
        }
        return registry;
    }

    /** Stops the loopback registry, if one was started. */
    @Override
    public void close() {
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }

    private Outcome fail(Lesson lesson, int index, String label, String why, int played, List<NotPlayed> notPlayed) {
        out.println("  ✗ " + label);
        String message = "lesson " + lesson.number() + " step " + (index + 1) + " '" + lesson.step(index).title() + "': " + why;
        out.flush();
        return new Outcome(lesson, false, index + 1, message, played, notPlayed);
    }
}
