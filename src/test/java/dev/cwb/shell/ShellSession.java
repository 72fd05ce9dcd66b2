package dev.cwb.shell;

import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.cli.Commands;
import dev.cwb.lesson.LessonLibrary;
import dev.cwb.lesson.check.CheckVocabulary;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.jline.terminal.impl.ExternalTerminal;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The real {@link WorkbenchShell} on an in-memory dumb terminal: the test types into a pipe, as a learner
 * types on the keyboard, and reads what the terminal would show.
 */
final class ShellSession implements AutoCloseable {
    private final PipedOutputStream keyboard = new PipedOutputStream();
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final StringWriter outsideOut = new StringWriter();
    private final Workbench workbench;
    private final Terminal terminal;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    /**
     * A shell in {@code home} on a terminal of {@code type}: {@code dumb} is JLine's plain terminal (no line
     * editing, no escape sequences), {@code xterm-256color} a full one with Tab, Ctrl-C and Ctrl-D bound.
     * {@code extraCommands} may add test-only commands to each fresh command tree.
     */
    ShellSession(Path home, String type, Consumer<CommandLine> extraCommands) throws IOException {
        this(home, type, extraCommands, null, List.of());
    }

    /**
     * A shell whose lessons come from {@code lessons} (null: the repository's lessons/), handling {@code firstLines}
     * before its first prompt as {@code cwb --demo N} does.
     */
    ShellSession(Path home, String type, Consumer<CommandLine> extraCommands, Path lessons, List<String> firstLines) throws IOException {
        PrintWriter outside = new PrintWriter(outsideOut, true);
        workbench = new Workbench(new WorkbenchHome(home), outside, outside);
        workbench.setColor(true); // as Main decides for a console; the shell must turn it off for a dumb terminal
        PipedInputStream keys = new PipedInputStream(keyboard, 1 << 16);
        terminal = type.equals(Terminal.TYPE_DUMB)
                ? new DumbTerminal("test", type, keys, screen, StandardCharsets.UTF_8)
                : new ExternalTerminal(null, "test", type, keys, screen, StandardCharsets.UTF_8,
                        Terminal.SignalHandler.SIG_DFL, false, keyboardAttributes(), new Size(120, 40));
        WorkbenchShell shell = new WorkbenchShell(workbench, terminal, () -> {
            CommandLine tree = Commands.create(workbench);
            extraCommands.accept(tree);
            tree.setOut(workbench.out()); // reach the commands added after create() too
            tree.setErr(workbench.err());
            return tree;
        });
        if (lessons != null) {
            shell.withLessons(() -> LessonLibrary.open(lessons, CheckVocabulary.standard()));
        }
        shell.startingWith(firstLines);
        Thread thread = new Thread(() -> {
            try {
                exit.complete(shell.run());
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        }, "shell-under-test");
        thread.setDaemon(true);
        thread.start();
    }

    /** What a tty's line discipline starts with (stty sane): Ctrl-C raises SIGINT, Ctrl-D is end of file. */
    private static Attributes keyboardAttributes() {
        Attributes attributes = new Attributes();
        attributes.setLocalFlags(EnumSet.of(Attributes.LocalFlag.ISIG, Attributes.LocalFlag.ICANON, Attributes.LocalFlag.ECHO), true);
        attributes.setInputFlag(Attributes.InputFlag.ICRNL, true);
        attributes.setControlChar(Attributes.ControlChar.VINTR, 3);
        attributes.setControlChar(Attributes.ControlChar.VEOF, 4);
        attributes.setControlChar(Attributes.ControlChar.VERASE, 127);
        return attributes;
    }

    ShellSession(Path home, String type) throws IOException {
        this(home, type, tree -> { });
    }

    Workbench workbench() {
        return workbench;
    }

    Terminal terminal() {
        return terminal;
    }

    /** Sends keys; {@code \t} is Tab, {@code \n} is Enter. */
    ShellSession type(String keys) throws IOException {
        keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        return this;
    }

    /** Waits until the screen shows {@code text} {@code times} times (prompts repeat, so counting matters). */
    String awaitScreen(String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (count(screen(), text) < times) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the screen never showed '" + text + "' " + times + " time(s); it shows:\n" + rawScreen().replace("\u001b", "ESC"));
            }
            Thread.sleep(10);
        }
        return screen();
    }

    private static final java.util.regex.Pattern ENDS_IN_PROMPT = java.util.regex.Pattern.compile("(?s).*\ncwb( \\[[^\\]\n]*\\])?> $");

    /**
     * Types {@code line} and Enter, and waits until the shell has handled it: the screen ends in a new prompt
     * ({@code cwb> }, or inside a lesson {@code cwb [3·2/6]> }). Returns what the line printed, its echo first.
     */
    String command(String line) throws Exception {
        int from = screen().length();
        type(line + "\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            String screen = screen();
            String shown = screen.substring(Math.min(from, screen.length()));
            if (ENDS_IN_PROMPT.matcher(shown).matches()) {
                return shown;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + line + "' never came back to a prompt; the screen shows:\n" + screen);
            }
            Thread.sleep(20);
        }
    }

    /** Waits for the n-th prompt, i.e. until the shell has handled everything typed before it. */
    String awaitPrompt(int n) throws InterruptedException {
        return awaitScreen("cwb> ", n);
    }

    /** The terminal output with escape sequences and carriage returns removed: the text a learner reads. */
    String screen() {
        return rawScreen().replaceAll("\u001b\\[[0-9;?]*[A-Za-z]|\u001b[=>]", "").replace("\r", "");
    }

    /** The bytes the terminal received, escape sequences included. */
    String rawScreen() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    /** What was printed to the writers the workbench had before the shell took over the terminal. */
    String outside() {
        return outsideOut.toString();
    }

    /** Closes the keyboard (Ctrl-D on an empty line reads as end of input) and returns the shell's exit code. */
    int endInput() throws Exception {
        keyboard.close();
        return exitCode();
    }

    int exitCode() throws Exception {
        return exit.get(10, TimeUnit.SECONDS);
    }

    boolean hasExited() {
        return exit.isDone();
    }

    @Override
    public void close() throws IOException {
        keyboard.close();
        terminal.close();
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
