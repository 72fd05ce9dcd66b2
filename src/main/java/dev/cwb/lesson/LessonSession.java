package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.cli.LineSplitter;
import dev.cwb.lesson.check.CheckContext;
import dev.cwb.lesson.check.CheckVocabulary;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A learner taking lessons in the shell: the lesson and step they are on, the last command they ran in
 * this step, and their saved progress. The shell's {@code :lesson}, {@code :next}, {@code :back},
 * {@code :hint}, {@code :check}, {@code :run}, {@code :solution} and {@code :reset} call it; it prints to the
 * writer it is given.
 *
 * <p>A challenge step ({@link Step#isChallenge()}) shows its goal and checks only: {@code :run} refuses, its
 * hints come one tier at a time, and its solution is shown on {@code :solution} after a confirmation and
 * recorded in the progress as "solution shown".
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
    /** This session's steps of the open lesson whose last check said "not yet" (hints used are kept with the progress). */
    private final java.util.Set<Integer> failed = new java.util.TreeSet<>();
    /** Per step (0-based) of the open lesson, what of its commands is done: kept while the lesson is open. */
    private final Map<Integer, StepLedger> ledgers = new HashMap<>();
    /** The state when the learner came onto the current step, for :undo. */
    private StepSnapshot snapshot;
    /** Placeholders of the step's text that could not be filled when it was shown ({@code {upper:web6}} before web6 exists). */
    private final List<String> pending = new ArrayList<>();

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
            ProgressStore.Entry entry = progress().get(lesson.number());
            listener.progressed(lesson, entry.passed(), step, java.util.Set.copyOf(failed), java.util.Map.copyOf(entry.hints()),
                    java.util.Set.copyOf(entry.solutions()));
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

    /**
     * The shell tells the session about each workbench command the learner ran: for the output checks, and so
     * that {@code :run} does not run a step's command the learner already ran.
     */
    public void commandRan(String line, int exitCode, String output) {
        if (lesson != null) {
            last = Optional.of(new CheckContext.LastCommand(line, exitCode, output));
            ledger().ran(stepCommandIndex(line, StepCommand.Kind.WORKBENCH), new StepLedger.Ran(line, exitCode, targetOf(line)));
        }
    }

    /**
     * {@code !CMD}: runs CMD on the host with {@code /bin/sh -c}, as the workbench's own user, in the lesson's
     * directory (the current directory outside a lesson) with {@code CWB_HOME} set and the step's placeholders
     * filled in. Its output and exit code are what the step's checks see, as for a workbench command.
     */
    public int host(String command, PrintWriter out) {
        String line = lesson == null ? command : expand(command);
        Path dir = lesson == null ? Path.of("").toAbsolutePath() : workspace.work(lesson);
        if (lesson != null && stepCommandIndex(line, StepCommand.Kind.HOST) >= 0) {
            Optional<String> refused = refusal(lesson.step(step));
            if (refused.isPresent()) {
                out.println(refused.get());
                out.flush();
                last = Optional.of(new CheckContext.LastCommand("!" + line, 1, refused.get()));
                return 1;
            }
        }
        CheckContext.LastCommand ran = new StepRunner(workbench).run(new StepCommand(StepCommand.Kind.HOST, line), dir, out);
        out.flush();
        if (lesson != null) {
            last = Optional.of(ran);
            ledger().ran(stepCommandIndex(line, StepCommand.Kind.HOST), new StepLedger.Ran("!" + line, ran.exitCode(), null));
            announceFilled(out);
        }
        return ran.exitCode();
    }

    /**
     * True when {@code line} is one of the current step's workbench commands, as written in the lesson (with
     * this machine's values filled in). The shell runs such a line as {@code :run} would: a container's
     * output goes through the workbench instead of straight to the terminal, so the step's output checks
     * see it. A step's commands never need a terminal: {@code lessons verify} plays them without one.
     */
    public boolean isStepCommand(String line) {
        return stepCommandIndex(line, StepCommand.Kind.WORKBENCH) >= 0;
    }

    /**
     * Why the shell must not run {@code line}, a command of the current step, here: a {@code refuse-unless:}
     * guard of the step fails (see {@link StepChecks#refusal}). Empty for any other line.
     */
    public Optional<String> refusal(String line) {
        if (stepCommandIndex(line, StepCommand.Kind.WORKBENCH) < 0) {
            return Optional.empty();
        }
        Optional<String> refused = refusal(lesson.step(step));
        refused.ifPresent(r -> last = Optional.of(new CheckContext.LastCommand(line, 1, r)));
        return refused;
    }

    private Optional<String> refusal(Step s) {
        return new StepChecks(vocabulary).refusal(s, workspace.placeholders(lesson), new CheckContext(workbench, last));
    }

    /** Which of the current step's commands of {@code kind} {@code line} is (the same words), or -1. */
    private int stepCommandIndex(String line, StepCommand.Kind kind) {
        if (lesson == null) {
            return -1;
        }
        try {
            List<String> typed = LineSplitter.split(line);
            List<StepCommand> commands = lesson.step(step).played();
            for (int i = 0; i < commands.size(); i++) {
                StepCommand c = commands.get(i);
                if (c.kind() == kind && !typed.isEmpty() && LineSplitter.split(expand(c.text())).equals(typed)) {
                    return i;
                }
            }
        } catch (IllegalArgumentException e) {
            return -1; // an unclosed quote: not a step's command
        }
        return -1;
    }

    public void list(PrintWriter out) {
        out.println("Lessons (✓ done, • started):");
        for (Lesson l : library().all()) {
            out.printf("  %s %2d  %s%s%s%n", progress().mark(l).symbol, l.number(), l.title(), l.needsRoot() ? "  (needs root)" : "",
                    progress().mark(l) == ProgressStore.Mark.STARTED ? "  " + checkedCount(l) : "");
        }
        out.println("':lesson N' starts or resumes a lesson. Progress is kept in " + progress().file() + ".");
    }

    public void start(int number, PrintWriter out) {
        Lesson chosen = library().get(number);
        if (lesson == null || lesson.number() != chosen.number()) {
            failed.clear();
            ledgers.clear();
        }
        lesson = chosen;
        ProgressStore.Entry entry = progress().get(number);
        step = Math.min(entry.step(), lesson.stepCount() - 1);
        last = Optional.empty();
        arrive();
        out.println(bold("Lesson " + lesson.number() + ": " + lesson.title()));
        out.println();
        out.println(render(lesson.goal()));
        if (!lesson.concept().isBlank()) {
            out.println();
            out.println(render(expand(lesson.concept())));
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
            out.println("That was the last step of lesson " + l.number() + ". " + (progress().done(l)
                    ? "Lesson " + l.number() + " is done: ':lessons' shows what comes next." : stillToCheck(l)));
            if (!l.exercises().isBlank()) {
                out.println();
                out.println(bold("Exercises"));
                out.println(render(workspace.placeholders(l).expandQuietly(l.exercises())));
            }
            if (!l.documentation().isBlank()) {
                out.println();
                out.println(bold("Relevant documentation"));
                out.println(render(l.documentation()));
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

    /**
     * {@code :hint}: the next tier of the step's hints (1/3, 2/3, ...), never all at once; once all were shown,
     * the last one again. How many were used is kept with the progress (and reaches the class view).
     */
    public void hint(PrintWriter out) {
        Lesson l = requireLesson();
        Step s = l.step(step);
        int total = s.hints().size();
        int used = progress().get(l.number()).hintsUsed(step);
        int tier = Math.min(used + 1, total);
        out.println(render((total == 1 ? "Hint: " : "Hint " + tier + "/" + total + ": ") + expand(s.hints().get(tier - 1))));
        if (tier < total) {
            out.println(dim("(':hint' again for the next one)"));
        } else if (s.isChallenge()) {
            out.println(dim("(" + (total == 1 ? "that is the only hint" : "that was the last hint") + "; ':solution' shows a solution, after asking)"));
        } else if (used >= total && total > 1) {
            out.println(dim("(that was the last hint)"));
        }
        progress().hintsShown(l, step, tier);
        publish();
    }

    /**
     * {@code :solution}: a challenge's solution, after {@code confirm} says yes (the first time), recorded in the
     * progress as "solution shown" and reported to the class view. The learner still types it: {@code :run}
     * does not run a challenge.
     */
    public void solution(PrintWriter out, java.util.function.Predicate<String> confirm) {
        Lesson l = requireLesson();
        Step s = l.step(step);
        if (!s.isChallenge()) {
            out.println("Step " + (step + 1) + " is no challenge: its commands are shown with it (':run' runs what is left).");
            return;
        }
        ProgressStore.Entry entry = progress().get(l.number());
        int hintsLeft = s.hints().size() - entry.hintsUsed(step);
        if (!entry.solutions().contains(step) && !confirm.test("Show the solution of this challenge? Your progress records it as"
                + " \"solution shown\"" + (hintsLeft > 0 ? " (" + hintsLeft + " hint" + (hintsLeft == 1 ? " is" : "s are") + " left: ':hint')" : "") + ".")) {
            out.println("Not shown. ':hint' gives " + (hintsLeft > 0 ? "the next hint" : "the last hint again") + "; ':solution' asks again.");
            return;
        }
        progress().solutionShown(l, step);
        out.println(bold("Solution of step " + (step + 1) + ": " + s.title()));
        if (!s.challenge().explanation().isBlank()) {
            out.println(render(expand(s.challenge().explanation())));
        }
        for (StepCommand c : s.challenge().solution()) {
            out.println("    " + c.prompt() + expand(c.text()));
        }
        out.println("Type " + (s.challenge().solution().size() == 1 ? "it" : "them") + " (a $ line after a '!'), or your own way; ':check' when it is done.");
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
            boolean wasDone = progress().done(l);
            progress().passed(l, step);
            failed.remove(step);
            publish();
            boolean lastStep = step + 1 >= l.stepCount();
            if (progress().done(l) && !wasDone) {
                out.println("Step " + (step + 1) + " done — that completes lesson " + l.number() + "."
                        + (lastStep ? " ':next' shows the exercises." : " ':next' for the next step."));
            } else if (!lastStep) {
                out.println("Step " + (step + 1) + " done — ':next' for the next one.");
            } else if (wasDone) {
                out.println("Step " + (step + 1) + " done — lesson " + l.number() + " was already complete. ':next' shows the exercises.");
            } else {
                out.println("Step " + (step + 1) + " done — the last one. " + stillToCheck(l));
            }
            return true;
        }
        failed.add(step);
        publish();
        long failures = verdicts.stream().filter(v -> !v.passed()).count();
        int used = progress().get(l.number()).hintsUsed(step);
        int total = s.hints().size();
        String next = used < total ? "':hint' for a hint" + (total == 1 ? "" : " (" + (used + 1) + "/" + total + ")")
                : "':hint' shows the last hint again" + (s.isChallenge() ? ", ':solution' a solution" : "");
        out.println("Not yet: " + (verdicts.size() == 1 ? "the check" : failures + " of " + verdicts.size() + " checks") + " failed (✗ above, with what the"
                + " workbench saw). " + next + ".");
        List<String> missing = StepRequirements.missing(s, workbench.registryEnvironment());
        if (!missing.isEmpty()) {
            out.println("This step is optional here (it needs " + String.join(", ", missing) + "): ':next' skips it.");
        }
        return false;
    }

    /**
     * {@code :run}: runs what the step still needs, in order. A command already done — run with success in
     * this session (typed, after {@code !}, or by an earlier {@code :run}), or whose effect is there — is
     * skipped and said so, so nothing has its side effect twice. {@code :run $} runs only the host ({@code $})
     * lines, {@code :run cwb} only the workbench lines. Stops at the first command that fails.
     */
    public void run(String which, PrintWriter out) {
        Lesson l = requireLesson();
        StepCommand.Kind only = switch (which.strip()) {
            case "" -> null;
            case "$", "sh" -> StepCommand.Kind.HOST;
            case "cwb" -> StepCommand.Kind.WORKBENCH;
            default -> throw new CwbException(CwbException.USAGE, "':run " + which.strip() + "' is not a choice",
                    "':run' runs what is left of the step, ':run $' only its $ lines, ':run cwb' only its cwb> lines");
        };
        if (l.step(step).isChallenge()) {
            out.println("Step " + (step + 1) + " is a challenge: there is nothing to ':run' — you decide what to type. ':hint' gives a hint,"
                    + " one at a time; ':solution' shows a solution.");
            return;
        }
        StepRunner runner = new StepRunner(workbench);
        List<StepCommand> commands = l.step(step).commands();
        int ran = 0;
        int skipped = 0;
        for (int i = 0; i < commands.size(); i++) {
            StepCommand command = commands.get(i);
            if (only != null && command.kind() != only) {
                continue;
            }
            StepCommand expanded = new StepCommand(command.kind(), workspace.placeholders(l).expand(command.text()));
            Optional<String> why = ledger().done(i) ? Optional.of("done already in this step")
                    : command.kind() == StepCommand.Kind.WORKBENCH ? StepLedger.effectPresent(workbench, expanded.text()) : Optional.empty();
            if (why.isPresent()) {
                out.println(dim("(skipped, " + why.get() + ": " + expanded.prompt() + expanded.text() + ")"));
                skipped++;
                continue;
            }
            out.println(expanded.prompt() + expanded.text());
            out.flush();
            Optional<String> refused = refusal(l.step(step));
            if (refused.isPresent()) {
                out.println(refused.get());
                last = Optional.of(new CheckContext.LastCommand(expanded.text(), 1, refused.get()));
                return;
            }
            CheckContext.LastCommand result = runner.run(expanded, workspace.work(l), out);
            last = Optional.of(result);
            ledger().ran(i, new StepLedger.Ran(expanded.text(), result.exitCode(), command.kind() == StepCommand.Kind.WORKBENCH ? targetOf(expanded.text()) : null));
            ran++;
            announceFilled(out);
            out.flush();
            // a workbench command that fails leaves the state the next ones need unmade; a host line's exit code
            // is the checks' business (grep -c exits 1 when it counts nothing, which can be the point)
            if (result.exitCode() != 0 && command.kind() == StepCommand.Kind.WORKBENCH && i + 1 < commands.size()) {
                out.println("(stopped: that command failed with exit code " + result.exitCode() + "; the rest of the step did not run."
                        + " Fix it and ':run' again, or ':undo' to take the step back.)");
                return;
            }
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
        if (ran == 0) {
            out.println(skipped > 0 ? "Nothing left to run: every command of this step is done. ':check' looks at the result."
                    : "This step has no " + (only == StepCommand.Kind.HOST ? "$ lines" : only == StepCommand.Kind.WORKBENCH ? "cwb> lines" : "commands") + " to run.");
        }
    }

    /** {@code :run} outside the shell's meta-command parsing (tests, scripts): everything still to do. */
    public void run(PrintWriter out) {
        run("", out);
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
        ledgers.clear();
        arrive();
        out.println("Lesson " + l.number() + " starts again at step 1.");
        out.println();
        show(out);
        publish();
    }

    /**
     * {@code :undo}: takes back what was made since the learner came onto this step, and nothing else: the
     * containers made since are removed, and so are the images, the layer cache entries (unless mounted) and the
     * files in the lesson's directory. A container of an earlier step that this step changed (or removed) is
     * made again as the earlier steps left it, by running their workbench commands again. The step is no longer
     * passed.
     */
    public void undo(PrintWriter out) {
        Lesson l = requireLesson();
        StepSnapshot before = snapshot;
        List<String> report = new ArrayList<>();
        Set<String> rebuild = new TreeSet<>(before.goneContainers(workbench));
        for (StepLedger.Ran r : ledger().ranThisVisit()) {
            if (r.container() != null && before.containers().contains(r.container()) && StepLedger.changesContainer(r.line())) {
                rebuild.add(r.container());
            }
        }
        Path work = workspace.work(l);
        report.addAll(before.takeBack(workbench, work));
        if (!rebuild.isEmpty()) {
            rebuild(l, rebuild, report);
        }
        ledger().forget();
        progress().unpassed(l, step);
        publish();
        last = Optional.empty();
        snapshot = StepSnapshot.take(workbench, work);
        report.forEach(out::println);
        out.println(report.isEmpty() ? "Nothing to undo: this step has made nothing yet." : "Step " + (step + 1) + " is back as it was when you came to it.");
    }

    /**
     * Makes containers of earlier steps again as those steps left them: removes every container that the
     * steps from the first {@code new NAME} on make, then runs those steps' workbench commands again.
     */
    private void rebuild(Lesson l, Set<String> names, List<String> report) {
        int from = -1;
        for (int i = 0; i < step && from < 0; i++) {
            for (StepCommand c : l.step(i).played()) {
                String made = madeBy(c);
                if (made != null && names.contains(made)) {
                    from = i;
                    break;
                }
            }
        }
        if (from < 0) {
            report.add("kept container " + String.join(", ", names) + " as it is: no earlier step of this lesson makes it");
            return;
        }
        for (int i = from; i < step; i++) {
            for (StepCommand c : l.step(i).played()) {
                String made = madeBy(c);
                if (made != null && workbench.hasContainers() && workbench.containers().find(made).isPresent()) {
                    workbench.containers().remove(made);
                }
            }
        }
        StepRunner runner = new StepRunner(workbench);
        int count = 0;
        List<String> failed = new ArrayList<>();
        for (int i = from; i < step; i++) {
            for (StepCommand c : l.step(i).played()) {
                if (c.kind() != StepCommand.Kind.WORKBENCH) {
                    continue;
                }
                String line = workspace.placeholders(l).expandQuietly(c.text());
                java.io.StringWriter quiet = new java.io.StringWriter();
                CheckContext.LastCommand r = runner.run(new StepCommand(StepCommand.Kind.WORKBENCH, line), workspace.work(l), quiet);
                count++;
                if (r.exitCode() != 0 && !line.startsWith("rm ")) {
                    failed.add("step " + (i + 1) + ": cwb> " + line + " (exit " + r.exitCode() + ")");
                }
            }
        }
        report.add("made " + String.join(", ", names) + " again as step" + (from + 1 == step ? " " + step : "s " + (from + 1) + "–" + step)
                + " left " + (names.size() == 1 ? "it" : "them") + " (" + count + " commands run again"
                + (failed.isEmpty() ? ")" : "; these failed: " + String.join("; ", failed) + ")"));
    }

    /** The container a step's {@code new NAME ...} line makes, or null. */
    private String madeBy(StepCommand c) {
        if (c.kind() != StepCommand.Kind.WORKBENCH) {
            return null;
        }
        try {
            List<String> words = LineSplitter.split(c.text());
            return words.size() >= 2 && words.get(0).equals("new") ? words.get(1) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Before a demo of {@code demo}: puts the lesson's own state back to its start (its directory, the images it
     * creates, its layer cache entries, its containers), so the projector never opens on what the last run left.
     * Containers of this session that the reset would take down are named first and {@code confirm} asked; a
     * no leaves everything as it is and returns false.
     */
    public boolean resetForDemo(Lesson demo, PrintWriter out, java.util.function.Predicate<String> confirm) {
        List<String> mine = demo.containers().stream()
                .filter(n -> workbench.hasContainers() && workbench.containers().find(n).isPresent()).toList();
        if (!mine.isEmpty() && !confirm.test("The demo starts lesson " + demo.number() + " from a clean state: that removes container"
                + (mine.size() == 1 ? " " : "s ") + String.join(", ", mine) + " of this session. Go on?")) {
            out.println("Demo not started: nothing was removed. (':demo " + demo.number() + "' again when you are ready.)");
            return false;
        }
        List<String> done = workspace.reset(demo);
        for (String name : demo.containers()) {
            if (workbench.containers().others().stream().anyMatch(o -> o.name().equals(name))) {
                out.println("Note: container " + name + " belongs to another workbench that is still running: the demo's 'new "
                        + name + "' will fail until it is removed there (rm " + name + ", or leave that workbench).");
            }
        }
        if (!done.isEmpty()) {
            out.println(dim(render("(lesson " + demo.number() + " reset for the demo: " + String.join("; ", done) + ")")));
        }
        if (lesson != null && lesson.number() == demo.number()) {
            ledgers.clear();
            arrive();
        }
        return true;
    }

    public void leave() {
        lesson = null;
        last = Optional.empty();
        ledgers.clear();
    }

    private void moveTo(int index, PrintWriter out) {
        step = index;
        last = Optional.empty(); // output checks look only at what ran in this step
        arrive();
        progress().at(lesson, step);
        show(out);
        publish();
    }

    /** The learner comes onto {@code step}: a new visit, and the state to go back to on :undo. */
    private void arrive() {
        ledger().newVisit();
        snapshot = StepSnapshot.take(workbench, workspace.work(lesson));
    }

    private StepLedger ledger() {
        return ledgers.computeIfAbsent(step, k -> new StepLedger());
    }

    /** The container a workbench line acted on ({@code -c NAME}, else the current one), or null. */
    private String targetOf(String line) {
        if (!workbench.hasContainers()) {
            return null;
        }
        try {
            List<String> words = LineSplitter.split(line);
            return words.isEmpty() ? null : StepLedger.target(workbench, words.subList(1, words.size())).map(c -> c.name()).orElse(null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** "(steps 1, 2 and 3 are not checked yet: ':lesson N' then ':back' ...)" for a lesson not done. */
    private String stillToCheck(Lesson l) {
        List<Integer> left = progress().unchecked(l);
        List<String> numbers = left.stream().map(i -> Integer.toString(i + 1)).toList();
        String list = numbers.size() == 1 ? "step " + numbers.get(0) + " is"
                : "steps " + String.join(", ", numbers.subList(0, numbers.size() - 1)) + " and " + numbers.get(numbers.size() - 1) + " are";
        return "Lesson " + l.number() + " is not done yet: " + list + " not checked (':back' returns to them, ':check' there).";
    }

    /** "3 of 6 steps checked". */
    private String checkedCount(Lesson l) {
        return progress().get(l.number()).passed().size() + " of " + l.stepCount() + " steps checked";
    }

    /** Prints the current step: title, text, what to type, and what comes next. */
    public void show(PrintWriter out) {
        Step s = lesson.step(step);
        out.println(bold("Step " + (step + 1) + "/" + lesson.stepCount() + ": " + s.title()));
        pending.clear();
        if (!s.text().isBlank()) {
            Placeholders.Filled text = workspace.placeholders(lesson).fill(s.text());
            out.println(render(text.text()));
            pending.addAll(text.unfilled());
            if (!pending.isEmpty()) {
                out.println(dim("(" + String.join(", ", pending) + ": filled in once " + (pending.size() == 1 ? "it exists" : "they exist")
                        + " — the workbench says so then)"));
            }
        }
        List<String> missing = StepRequirements.missing(s, workbench.registryEnvironment());
        if (!missing.isEmpty()) {
            out.println("(optional here: it needs " + String.join(", ", missing) + ")");
        }
        boolean host = s.commands().stream().anyMatch(c -> c.kind() == StepCommand.Kind.HOST);
        out.println();
        if (s.isChallenge()) {
            int tiers = s.hints().size();
            out.println("A challenge: no commands are given — work out what to type (a host command after a '!'),");
            out.println("then ':check'. ':hint' gives " + (tiers == 1 ? "a hint" : "a hint at a time (" + tiers + " in all)") + "; ':solution' shows a solution.");
            progress().at(lesson, step);
            return;
        }
        out.println("':check' when it is done, ':hint' if you are stuck, ':run' runs what is left.");
        if (host) {
            out.println("$ lines run on the host: type one after a '!' (!ls ...), or ':run $'.");
        }
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

    /**
     * After a command: the step's placeholders that can now be filled in (the container they name was just made),
     * each printed once with its value.
     */
    public void announceFilled(PrintWriter out) {
        if (lesson == null || pending.isEmpty()) {
            return;
        }
        for (java.util.Iterator<String> it = pending.iterator(); it.hasNext(); ) {
            String placeholder = it.next();
            Placeholders.Filled now = workspace.placeholders(lesson).fill(placeholder);
            if (now.unfilled().isEmpty()) {
                out.println(dim("(" + placeholder + " is " + now.text() + ")"));
                it.remove();
            }
        }
        out.flush();
    }

    /** Lesson Markdown as this terminal shows it: wrapped to its width, emphasis and tables rendered. */
    private String render(String markdown) {
        int width = workbench.terminalWidth() > 0 ? workbench.terminalWidth() : 80;
        return StepText.render(markdown, width, workbench.color());
    }

    private String dim(String text) {
        return workbench.color() ? "\u001b[2m" + text + "\u001b[0m" : text;
    }
}
