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
 * <p>A challenge step is played by its hidden {@code solution:}. Before that, each of its {@code wrong:}
 * solutions is played from the same state, and the step's checks must reject it (at least one fails); what the
 * wrong solution made is then taken back ({@link StepSnapshot#takeBack}), or, when it changed a container of
 * an earlier step or ran a host command while one exists, the lesson is reset and its earlier steps played
 * again. A wrong solution that passes every check fails the verification: the checks cannot tell it from a
 * solution.
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
    public record Outcome(Lesson lesson, boolean passed, int failedStep, String message, int played, List<NotPlayed> notPlayed,
                          int challenges, int wrongsRejected) {
        public Outcome {
            notPlayed = List.copyOf(notPlayed);
        }

        Outcome(Lesson lesson, boolean passed, int failedStep, String message, int played, List<NotPlayed> notPlayed) {
            this(lesson, passed, failedStep, message, played, notPlayed, 0, 0);
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
        StepChecks checks = new StepChecks(vocabulary);
        int n = lesson.stepCount();
        List<NotPlayed> notPlayed = new ArrayList<>();
        int played = 0;
        int challenges = 0;
        int wrongsRejected = 0;
        for (int i = 0; i < n; i++) {
            Step step = lesson.step(i);
            String label = (i + 1) + "/" + n + " " + step.title();
            List<String> missing = StepRequirements.missing(step, workbench.registryEnvironment());
            if (!missing.isEmpty()) {
                notPlayed.add(new NotPlayed(i + 1, step.title(), String.join(", ", missing)));
                out.println("  - " + label + ": not played (needs " + String.join(", ", missing) + ")");
                continue;
            }
            int rejected = 0;
            if (step.isChallenge() && i + 1 != skipStep) {
                for (Step.Wrong wrong : step.challenge().wrongs()) {
                    String problem = playWrong(lesson, i, wrong, placeholders, work, checks);
                    if (problem != null) {
                        return fail(lesson, i, label, problem, played, notPlayed);
                    }
                    rejected++;
                }
            }
            Optional<CheckContext.LastCommand> last = Optional.empty();
            if (i + 1 != skipStep) {
                try {
                    last = playAll(step, step.played(), placeholders, work, verbose ? "" : null);
                } catch (CwbException e) {
                    return fail(lesson, i, label, e.getMessage(), played, notPlayed);
                }
            }
            StepChecks.Verdict failure = StepChecks.firstFailure(checks.evaluate(step, placeholders, new CheckContext(workbench, last)));
            if (failure != null) {
                String commandNote = last.map(c -> " (last command '" + c.line() + "' exited with " + c.exitCode() + ")").orElse("");
                return fail(lesson, i, label, (step.isChallenge() && i + 1 != skipStep ? "its solution does not pass: " : "")
                        + StepChecks.describeFailure(failure) + commandNote + " — hint: " + placeholders.expandQuietly(step.hint()), played, notPlayed);
            }
            played++;
            if (step.isChallenge()) {
                challenges++;
                wrongsRejected += rejected;
                out.println("  ✓ " + label + "  (challenge: solution played" + (rejected > 0 ? "; " + rejected + " wrong solution"
                        + (rejected == 1 ? "" : "s") + " rejected" : "") + ")");
            } else {
                out.println("  ✓ " + label);
            }
        }
        out.println(notPlayed.isEmpty() ? "  all " + n + " steps played and passed"
                : "  " + played + " of " + n + " steps played and passed; not played: "
                + String.join(", ", notPlayed.stream().map(NotPlayed::toString).toList()));
        out.flush();
        return new Outcome(lesson, true, 0, notPlayed.isEmpty() ? "passed" : played + " of " + n + " steps played", played, notPlayed,
                challenges, wrongsRejected);
    }

    /**
     * Types {@code commands} of {@code step} (placeholders filled in), showing them after {@code note} when it is
     * not null, and stops at one the step's {@code refuse-unless:} guards refuse; returns the last one's result.
     * Throws when a placeholder cannot be filled in.
     */
    private Optional<CheckContext.LastCommand> playAll(Step step, List<StepCommand> commands, Placeholders placeholders, Path work, String note) {
        StepRunner runner = new StepRunner(workbench);
        StepChecks checks = new StepChecks(vocabulary);
        Optional<CheckContext.LastCommand> last = Optional.empty();
        for (StepCommand command : commands) {
            StepCommand expanded;
            try {
                expanded = new StepCommand(command.kind(), placeholders.expand(command.text()));
            } catch (CwbException e) {
                throw CwbException.badInput("cannot fill in '" + command.text() + "': " + e.getMessage(), null);
            }
            Writer screen = note != null ? out : new StringWriter();
            if (note != null) {
                out.println("    " + note + expanded.prompt() + expanded.text());
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
        return last;
    }

    /**
     * Plays a wrong solution of challenge {@code index} from the state before it; returns null when the checks
     * rejected it (and the state is back as it was), else why the verification fails.
     */
    private String playWrong(Lesson lesson, int index, Step.Wrong wrong, Placeholders placeholders, Path work, StepChecks checks) {
        Step step = lesson.step(index);
        StepSnapshot before = StepSnapshot.take(workbench, work);
        Optional<CheckContext.LastCommand> last;
        try {
            last = playAll(step, wrong.commands(), placeholders, work, verbose ? "(wrong: " + wrong.why() + ") " : null);
        } catch (CwbException e) {
            return "wrong solution '" + wrong.why() + "' (line " + wrong.line() + "): " + e.getMessage();
        }
        StepChecks.Verdict failure = StepChecks.firstFailure(checks.evaluate(step, placeholders, new CheckContext(workbench, last)));
        boolean replay = !before.goneContainers(workbench).isEmpty() || touchedEarlierContainer(wrong, before, placeholders);
        before.takeBack(workbench, work);
        if (replay) {
            replayBefore(lesson, index, placeholders, work);
        }
        if (failure == null) {
            return "wrong solution '" + wrong.why() + "' (line " + wrong.line() + ") passed every check: the checks cannot tell it from a solution";
        }
        out.println("    ✓ wrong solution rejected: " + wrong.why() + " — " + StepChecks.describeFailure(failure));
        return null;
    }

    /** True when a command of {@code wrong} may have changed a container that was there before it. */
    private boolean touchedEarlierContainer(Step.Wrong wrong, StepSnapshot before, Placeholders placeholders) {
        if (before.containers().isEmpty()) {
            return false;
        }
        for (StepCommand c : wrong.commands()) {
            if (c.kind() == StepCommand.Kind.HOST) {
                return true; // a host command can write into a container's files: nothing tells
            }
            String line = placeholders.expandQuietly(c.text());
            if (!StepLedger.changesContainer(line) || !workbench.hasContainers()) {
                continue;
            }
            List<String> words = dev.cwb.cli.LineSplitter.split(line);
            Optional<String> target = StepLedger.target(workbench, words.subList(1, words.size())).map(x -> x.name());
            if (target.isEmpty() || before.containers().contains(target.get())) {
                return true;
            }
        }
        return false;
    }

    /** Puts the lesson back as its steps before {@code index} leave it: a reset, then their commands again. */
    private void replayBefore(Lesson lesson, int index, Placeholders placeholders, Path work) {
        new LessonWorkspace(workbench).reset(lesson);
        for (int i = 0; i < index; i++) {
            Step earlier = lesson.step(i);
            if (StepRequirements.missing(earlier, workbench.registryEnvironment()).isEmpty()) {
                playAll(earlier, earlier.played(), placeholders, work, null);
            }
        }
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
