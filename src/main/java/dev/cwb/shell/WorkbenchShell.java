package dev.cwb.shell;

import dev.cwb.cli.LineSplitter;
import dev.cwb.Main;
import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.cli.Commands;
import dev.cwb.lesson.LessonLibrary;
import dev.cwb.lesson.LessonSession;
import dev.cwb.lesson.demo.RecordingWriter;
import org.jline.reader.EndOfFileException;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import org.jline.utils.InfoCmp.Capability;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The interactive workbench: a JLine line editor in front of the picocli commands.
 *
 * <p>Each line is split like a shell would ({@link LineSplitter}) and run as one workbench command on a
 * worker thread ({@link CancellableRunner}), so Ctrl-C cancels the command and the learner keeps the
 * shell. Lines starting with a colon are the shell's own commands ({@link MetaCommand}). Tab completes
 * commands, options, image names and paths ({@link CommandCompleter}); the command word is coloured as it
 * is typed ({@link CommandHighlighter}); history is kept in the workbench home ({@link ShellHistory}).
 *
 * <p>Start-up is kept short on purpose (the learner waits for the prompt): nothing reads the image store
 * and the command tree is built in the background, after the prompt is shown.
 */
public final class WorkbenchShell {
    /** How long Ctrl-C waits for a cancelled command before leaving it to finish in the background. */
    static final Duration CANCEL_GRACE = Duration.ofSeconds(2);
    /** How long leaving the shell waits for such a command to finish its clean-up. */
    static final Duration LEAVING_GRACE = Duration.ofSeconds(60);

    /** JLine reports trouble through java.util.logging; held here so the level sticks (loggers are weak). */
    private static final Logger JLINE_LOG = Logger.getLogger("org.jline");

    private final Workbench workbench;
    private final Terminal givenTerminal;
    private final CommandTree tree;
    private List<String> initialLines = List.of();
    private Supplier<LessonLibrary> lessonLibrary = LessonLibrary::open;

    public WorkbenchShell(Workbench workbench) {
        this(workbench, null, () -> Commands.create(workbench));
    }

    /** A shell on a terminal the caller owns (tests use an in-memory one) and a command tree of its choice. */
    WorkbenchShell(Workbench workbench, Terminal terminal, Supplier<CommandLine> commands) {
        this.workbench = workbench;
        this.givenTerminal = terminal;
        this.tree = new CommandTree(commands);
    }

    /** Lines to handle before the first prompt, as if typed ({@code cwb --demo 3} passes {@code :demo 3}). */
    public WorkbenchShell startingWith(List<String> lines) {
        this.initialLines = List.copyOf(lines);
        return this;
    }

    /** Where the lessons come from (tests hand in a directory of their own). */
    WorkbenchShell withLessons(Supplier<LessonLibrary> library) {
        this.lessonLibrary = library;
        return this;
    }

    /** Runs the shell until the learner leaves; returns 0, the exit code of a normal exit. */
    public int run() throws IOException {
        if (!workbench.debug()) {
            JLINE_LOG.setLevel(Level.OFF); // no JLine warnings with stack traces in the learner's terminal
        }
        PrintWriter savedOut = workbench.out();
        PrintWriter savedErr = workbench.err();
        java.io.OutputStream savedOutBytes = workbench.outBytes();
        java.io.OutputStream savedErrBytes = workbench.errBytes();
        Terminal terminal = givenTerminal != null ? givenTerminal : openSystemTerminal();
        try {
            return session(terminal);
        } finally {
            workbench.setOutput(savedOut, savedErr, savedOutBytes, savedErrBytes);
            if (givenTerminal == null) {
                terminal.close();
            }
        }
    }

    /** True when the terminal's encoding is UTF-8 (and the locale agrees): box drawing and arrows show. */
    private boolean unicodeTerminal(Terminal terminal) {
        java.nio.charset.Charset cs = terminal.encoding();
        boolean utf8 = cs != null && cs.name().toUpperCase(java.util.Locale.ROOT).contains("UTF");
        if (!utf8) {
            workbench.setUnicode(false);
        }
        return utf8 && workbench.unicode();
    }

    private int session(Terminal terminal) {
        // a terminal that cannot show Unicode gets ASCII look-alikes of the few symbols we print
        java.io.Writer terminalOut = unicodeTerminal(terminal) ? terminal.writer() : new dev.cwb.view.AsciiWriter(terminal.writer());
        RecordingWriter recording = new RecordingWriter(terminalOut);
        OutputCapture capture = new OutputCapture(recording);
        PrintWriter screen = new PrintWriter(recording, true);
        if (!supportsColor(terminal)) {
            workbench.setColor(false); // a dumb terminal would print escape sequences literally
        }
        // bytes passed through (a lesson step's container output) reach the terminal unchanged; checks and recordings get text
        ScreenBytes screenBytes = new ScreenBytes(capture, terminal.output(), capture.copyOnly(recording::recordOnly));
        workbench.setOutput(screen, screen, screenBytes, screenBytes);
        workbench.setTerminalWidth(terminal.getWidth());
        workbench.setConfirmer(question -> LessonCommands.askYesNo(terminal, screen, question)); // one key, as :solution asks
        printBanner(screen);
        ShellHistory history = new ShellHistory(screen);
        Path historyFile = history.usable(workbench.home().historyFile());
        LineReader reader = newReader(terminal, history, historyFile);
        CancellableRunner runner = new CancellableRunner(terminal, capture, screenBytes, CANCEL_GRACE);
        LessonSession lessons = new LessonSession(workbench, lessonLibrary);
        // After 'class join', each change of the learner's lesson goes to the teacher's class view; notes print above the prompt.
        dev.cwb.classroom.ClassReporter classView = new dev.cwb.classroom.ClassReporter(workbench.home().root(), reader::printAbove);
        lessons.setListener(classView);
        MetaCommands meta = new MetaCommands(terminal, reader, historyFile, screen,
                new LessonCommands(workbench, terminal, lessons, recording, screen));
        try {
            for (String first : initialLines) {
                handle(first, meta, runner, screen, screenBytes, lessons, capture);
            }
            while (true) {
                String line;
                String prompt = prompt(terminal, lessons);
                try {
                    line = reader.readLine(prompt);
                    recording.recordOnly(prompt + line + "\n"); // the line editor echoed it straight to the terminal
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C while typing: drop the line, as bash does
                } catch (EndOfFileException e) {
                    screen.println(); // Ctrl-D on an empty line
                    return 0;
                }
                workbench.setTerminalWidth(terminal.getWidth()); // tables fit the window as it is now
                if (!handle(line.strip(), meta, runner, screen, screenBytes, lessons, capture)) {
                    return 0;
                }
            }
        } finally {
            classView.close();
            saveHistory(history);
            finishCancelled(runner, screen);
            removeContainers(screen);
            recording.stopRecording();
        }
    }

    /** Leaving the shell waits for a cancelled command still cleaning up, so it leaves nothing half removed. */
    private static void finishCancelled(CancellableRunner runner, PrintWriter screen) {
        if (runner.hasAbandoned()) {
            screen.println("Waiting for the cancelled command to remove what it made...");
            screen.flush();
            if (!runner.awaitAbandoned(LEAVING_GRACE)) {
                screen.println("It did not finish within " + LEAVING_GRACE.toSeconds() + " s: 'cleanup' removes what it left.");
                screen.flush();
            }
        }
    }

    /** Leaving the shell takes down the containers made in it: processes, cgroups, mounts, workspaces. */
    private void removeContainers(PrintWriter screen) {
        sayDetachedStay(screen);
        if (!workbench.hasContainers()) {
            return;
        }
        var names = workbench.containers().all().stream().map(dev.cwb.container.Container::name).toList();
        screen.println("Removing this session's containers: " + String.join(", ", names));
        for (String problem : workbench.containers().removeAll()) {
            Commands.printError(workbench, problem);
        }
        screen.flush();
    }

    /**
     * Detached containers are not the session's: their shims keep them, on purpose, after the shell has gone.
     * Leaving says so, and how to reach them again.
     */
    private void sayDetachedStay(PrintWriter screen) {
        try {
            var running = new dev.cwb.container.DetachedContainers(workbench.containers()).all().stream()
                    .filter(e -> e.status() == dev.cwb.container.DetachedContainers.Status.RUNNING)
                    .map(dev.cwb.container.DetachedContainers.Entry::name).toList();
            if (!running.isEmpty()) {
                screen.println("Detached container" + (running.size() == 1 ? " " : "s ") + String.join(", ", running)
                        + " keep" + (running.size() == 1 ? "s" : "") + " running, each kept by its shim: ps, logs, exec, stop and rm reach "
                        + (running.size() == 1 ? "it" : "them") + " from the next workbench.");
                screen.flush();
            }
        } catch (RuntimeException e) {
            // no workspace directory to look in: nothing detached
        }
    }

    /** Handles one typed line; returns false when the learner asked to leave. */
    private boolean handle(String line, MetaCommands meta, CancellableRunner runner, PrintWriter screen, ScreenBytes screenBytes,
                           LessonSession lessons, OutputCapture capture) {
        if (line.isEmpty() || line.startsWith("#")) {
            return true;
        }
        if (MetaCommand.isQuit(line.split("\\s+", 2)[0])) {
            return false;
        }
        if (line.startsWith(":")) {
            meta.run(line, workbench);
            return true;
        }
        if (line.startsWith("!")) {
            host(line.substring(1).strip(), runner, screen, lessons);
            return true;
        }
        List<String> words;
        try {
            words = LineSplitter.split(line);
        } catch (IllegalArgumentException e) {
            Commands.printError(workbench, e.getMessage() + " — close the quote, or put a backslash before the character");
            return true;
        }
        if (!tree.isCommand(words.get(0))) {
            Commands.printError(workbench, unknownCommand(words.get(0), line));
            return true;
        }
        java.util.Optional<String> refused = lessons.refusal(line);
        if (refused.isPresent()) { // the step's attempt would really change this machine: not run at all
            screen.println(refused.get());
            screen.flush();
            return true;
        }
        boolean terminal = workbench.terminalStdio();
        if (lessons.isStepCommand(line)) {
            workbench.setTerminalStdio(false); // as :run runs it: a container's output reaches the step's output checks
        }
        capture.start();
        CancellableRunner.Outcome outcome;
        try {
            outcome = runner.run(words.get(0), (out, bytes) -> runCommand(words, out, bytes));
        } finally {
            workbench.setTerminalStdio(terminal);
        }
        workbench.setOutput(screen, screen, screenBytes, screenBytes);
        lessons.commandRan(line, outcome.exitCode(), capture.stop());
        lessons.announceFilled(screen);
        // the tty has usually echoed ^C already; the carriage return writes over it so it shows once either way
        switch (outcome.ending()) {
            case CANCELLED -> screen.println("\r^C cancelled");
            case ABANDONED -> screen.println("\r^C cancelled — the command did not stop at once; it finishes in the background"
                    + " and its output is discarded");
            case FINISHED -> { }
        }
        screen.flush();
        return true;
    }

    /**
     * {@code !CMD}: a host command, run with /bin/sh as the workbench's user (Ctrl-C stops it); inside a lesson its
     * output and exit code feed the step's checks.
     */
    private void host(String command, CancellableRunner runner, PrintWriter screen, LessonSession lessons) {
        if (command.isEmpty()) {
            Commands.printError(workbench, "'!' needs a command after it — for example: !ls -l " + workbench.home().imageLayout());
            return;
        }
        CancellableRunner.Outcome outcome = runner.run("!", (out, err) -> lessons.host(command, out));
        workbench.setOutput(screen, screen);
        if (outcome.ending() != CancellableRunner.Ending.FINISHED) {
            screen.println("\r^C cancelled");
        }
        screen.flush();
    }

    /** "unknown command 'X' — ..." with what the learner probably meant: a shell command, a host program, a near name. */
    private String unknownCommand(String word, String line) {
        String head = "unknown command '" + dev.cwb.view.Excerpt.of(word) + "' — ";
        java.util.Optional<MetaCommand> meta = MetaCommand.named(":" + word);
        if (meta.isPresent() && meta.get() != MetaCommand.QUIT) {
            return head + "the shell's own command is ':" + word + "' (" + meta.get().description() + ")";
        }
        if (dev.cwb.lesson.StepRequirements.which(word) != null) {
            return head + "'" + word + "' is a program on the host: type '!" + dev.cwb.view.Excerpt.of(line) + "' to run it there";
        }
        return head + tree.closest(word).map(name -> "did you mean '" + name + "'? ").orElse("") + "type 'help' to list the commands";
    }

    /** Runs on the worker thread: one command in a fresh tree, every failure turned into one line. */
    private int runCommand(List<String> words, PrintWriter out, java.io.OutputStream bytes) {
        workbench.setOutput(out, out, bytes, bytes);
        try {
            return tree.fresh().execute(words.toArray(String[]::new));
        } catch (RuntimeException | Error e) {
            return Commands.report(workbench, e);
        } finally {
            out.flush();
        }
    }

    private LineReader newReader(Terminal terminal, History history, Path historyFile) {
        DefaultParser parser = new DefaultParser();
        parser.setEofOnUnclosedQuote(false); // an open quote is reported as one error line, not a second prompt
        parser.setEofOnEscapedNewLine(false);
        return LineReaderBuilder.builder()
                .appName("cwb")
                .terminal(terminal)
                .parser(parser)
                .history(history)
                .completer(new CommandCompleter(tree, new ImageNames(workbench), new ImagePaths(workbench), () -> workbench.hasContainers()
                        ? workbench.containers().all().stream().map(dev.cwb.container.Container::name).toList() : List.of()))
                .highlighter(new CommandHighlighter(tree, workbench.color()))
                .variable(LineReader.HISTORY_FILE, historyFile) // null keeps the history in memory only
                .variable(LineReader.HISTORY_SIZE, 1000)
                .variable(LineReader.HISTORY_FILE_SIZE, 2000)
                .option(LineReader.Option.HISTORY_TIMESTAMPED, false) // a plain file of commands an instructor can read
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is just a character
                .build();
    }

    private void printBanner(PrintWriter screen) {
        // short lines: a projector or a split terminal is often 80 columns or fewer
        screen.println("Container Workbench " + Main.VERSION + " — 'help' lists the commands, ':help' the shell's keys.");
        screen.println("Images are kept in " + workbench.home().imageLayout());
        if (!WorkbenchHome.isRoot()) {
            screen.println("You are not root: every image command works; 'unpack' keeps your uid");
            screen.println("and skips device nodes ('sudo ./cwb' keeps them).");
        }
        screen.flush();
    }

    /** {@code cwb> }, or inside a lesson {@code cwb [3·2/5]> }: lesson 3, step 2 of 5. */
    private String prompt(Terminal terminal, LessonSession lessons) {
        String tag = lessons.promptTag().map(t -> " [" + t + "]").orElse("");
        if (!workbench.color()) {
            return "cwb" + tag + "> ";
        }
        return new AttributedString("cwb", AttributedStyle.BOLD.foreground(AttributedStyle.BLUE)).toAnsi(terminal)
                + (tag.isEmpty() ? "" : new AttributedString(tag, AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW)).toAnsi(terminal))
                + "> ";
    }

    private void saveHistory(ShellHistory history) {
        try {
            history.save();
        } catch (IOException e) {
            // ShellHistory already warned
        }
    }

    /**
     * JLine asks {@code infocmp -x $TERM} (a process, two with Java's spawn helper) for the terminal's
     * capabilities on every start, and falls back to the descriptions it ships, ncurses' own for xterm,
     * xterm-256color, screen, rxvt and a few more. For those types the shipped one is used at once; any
     * other type is still asked of the host's terminfo.
     */
    static void preferBundledDescription(String type) {
        if (type != null && !type.isEmpty() && org.jline.utils.InfoCmp.getLoadedInfoCmp(type) == null) {
            String bundled = org.jline.utils.InfoCmp.getDefaultInfoCmp(type);
            if (bundled != null) {
                org.jline.utils.InfoCmp.setLoadedInfoCmp(type, bundled);
            }
        }
    }

    private static boolean supportsColor(Terminal terminal) {
        Integer colors = terminal.getNumericCapability(Capability.max_colors);
        return colors != null && colors >= 8 && !terminal.getType().startsWith(Terminal.TYPE_DUMB);
    }

    private static Terminal openSystemTerminal() throws IOException {
        preferBundledDescription(System.getenv("TERM"));
        return TerminalBuilder.builder()
                .name("cwb")
                .system(true)
                // JNA, which the workbench loads anyway for its system calls, from the copy the launcher made
                // (kernel.JnaStart). JLine loads and probes every provider not switched off, whatever the
                // order, so the others are off: FFM needs Java 22, Jansi is not shipped, JNI's first use
                // writes a library into /tmp on every start and leaves it there, and exec's probe is a
                // process (test -t 1). Without JNA the workbench cannot run a container anyway; the shell
                // would still work, as a plain terminal (dumb, below).
                .ffm(false)
                .jni(false)
                .jansi(false)
                .exec(false)
                .jna(true)
                .provider("jna")
                .dumb(true) // no tty (or an unknown one): fall back to a plain terminal without a warning
                .encoding(StandardCharsets.UTF_8)
                // Ctrl-C, Ctrl-\ and Ctrl-Z must never stop the JVM: the shell decides what they mean
                .nativeSignals(true)
                .signalHandler(Terminal.SignalHandler.SIG_IGN)
                .build();
    }
}
