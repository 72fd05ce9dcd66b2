package dev.cwb.shell;

import dev.cwb.image.Descriptor;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;
import dev.cwb.Workbench;
import org.jline.terminal.Terminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkbenchShellTest {
    /** A full terminal: line editing, Tab, Ctrl-C and Ctrl-D work as on a learner's screen. */
    private static final String XTERM = "xterm-256color";
    /** JLine's plain terminal, what TERM=dumb gets: no editing keys and no escape sequences. */
    private static final String DUMB = Terminal.TYPE_DUMB;

    @TempDir
    Path home;

    @Test
    void tabCompletesACommandPrefix() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.type("he\t\n");
            String screen = shell.awaitPrompt(2);
            assertTrue(screen.contains("Commands (type 'help COMMAND'"), "Tab turned 'he' into 'help', which listed the commands:\n" + screen);
            assertEquals(0, shell.endInput());
        }
        assertEquals(List.of("help"), historyLines());
    }

    @Test
    void tabCompletesSubcommandsAndOptions() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.type("inspect l\t");
            shell.awaitScreen("inspect layers ", 1);
            shell.type("\u0003"); // Ctrl-C throws the typed line away, unrun
            shell.awaitPrompt(2);
            shell.type("rmi --fo\t");
            shell.awaitScreen("rmi --force ", 1);
            shell.type("\u0003");
            shell.awaitPrompt(3);
            assertEquals(0, shell.endInput());
        }
        assertEquals(List.of(), historyLines(), "a line cancelled with Ctrl-C is not run and not remembered");
    }

    @Test
    void tabCompletesImageNamesFromTheStore() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> tree.addSubcommand("probe", new Probe()))) {
            storeEmptyImage(shell.workbench(), "alpine");
            storeEmptyImage(shell.workbench(), "ghcr.io/example/tools:1.0");
            shell.awaitPrompt(1);
            shell.type("probe alpine:l\t\n");
            shell.awaitScreen("probe got [alpine:latest]", 1);
            shell.type("probe ghcr\t\n");
            shell.awaitScreen("probe got [ghcr.io/example/tools:1.0]", 1);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void unknownCommandIsOneErrorLineAndTheShellKeepsRunningOnADumbTerminal() throws Exception {
        try (ShellSession shell = new ShellSession(home, DUMB, tree -> tree.addSubcommand("probe", new Probe()))) {
            shell.awaitPrompt(1);
            shell.type("imagez\n");
            shell.awaitPrompt(2);
            shell.type("probe x\n");
            String screen = shell.awaitPrompt(3);
            List<String> errors = screen.lines().filter(l -> l.contains("error:")).map(l -> l.substring(l.indexOf("error:"))).toList();
            assertEquals(List.of("error: unknown command 'imagez' — did you mean 'images'? type 'help' to list the commands"), errors);
            assertTrue(screen.contains("probe got [x]"), "the next command still runs:\n" + screen);
            assertFalse(shell.rawScreen().contains("\u001b"), "a dumb terminal gets no escape sequences:\n" + shell.rawScreen());
            assertFalse(shell.hasExited());
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void unknownMetaCommandIsOneErrorLine() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.type(":foo\n");
            String screen = shell.awaitPrompt(2);
            List<String> errors = screen.lines().filter(l -> l.contains("error:")).map(l -> l.substring(l.indexOf("error:"))).toList();
            assertEquals(List.of("error: unknown shell command ':foo' — type ':help' for the shell commands, 'help' for the workbench commands"), errors);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void unterminatedQuoteIsOneErrorLine() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.type("inspect 'alpine\n");
            String screen = shell.awaitPrompt(2);
            assertTrue(screen.contains("error: unterminated single quote — close the quote"), screen);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void historyIsWrittenToTheFileAndReloadedByTheNextShell() throws Exception {
        try (ShellSession first = new ShellSession(home, XTERM)) {
            first.awaitPrompt(1);
            first.type("help images\n");
            first.awaitPrompt(2);
            first.type("help rmi\n");
            first.awaitPrompt(3);
            assertEquals(List.of("help images", "help rmi"), historyLines(), "history is saved as each command is entered");
            first.type(":quit\n");
            assertEquals(0, first.exitCode());
        }
        try (ShellSession second = new ShellSession(home, XTERM)) {
            second.awaitPrompt(1);
            second.type(":history\n");
            String screen = second.awaitPrompt(2);
            assertTrue(screen.contains("  1  help images\n  2  help rmi\n  3  :quit\n  4  :history\n"), screen);
            second.type("exit\n");
            assertEquals(0, second.exitCode());
        }
    }

    @Test
    void unusableHistoryFileWarnsOnceAndKeepsHistoryInMemory() throws Exception {
        Files.createDirectory(home.resolve("history")); // a directory where the file should be: unusable even for root
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.type("help images\n");
            shell.awaitPrompt(2);
            shell.type(":history\n");
            String screen = shell.awaitPrompt(3);
            List<String> warnings = screen.lines().filter(l -> l.startsWith("warning: the command history will not be kept")).toList();
            assertEquals(List.of("warning: the command history will not be kept after this session (cannot read it: "
                    + "Is a directory) — set CWB_HOME to a directory you can write to keep it"), warnings);
            assertTrue(screen.contains("  1  help images\n  2  :history\n"), screen);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void historyInAHomeThatCannotBeCreatedWarnsOnce() throws Exception {
        Path blocked = home.resolve("not-a-dir");
        Files.writeString(blocked, "a file where the home directory should be");
        try (ShellSession shell = new ShellSession(blocked.resolve("cwb"), DUMB)) {
            shell.awaitPrompt(1);
            shell.type("help images\n");
            String screen = shell.awaitPrompt(2);
            List<String> warnings = screen.lines().filter(l -> l.startsWith("warning: the command history will not be kept")).toList();
            assertEquals(1, warnings.size(), screen);
            assertTrue(warnings.get(0).contains("(cannot create " + blocked.resolve("cwb") + ": Not a directory"), warnings.get(0));
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void endOfInputOnAnEmptyLineLeavesWithCodeZero() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            String screen = shell.awaitPrompt(1);
            assertTrue(screen.startsWith("Container Workbench "), screen);
            assertTrue(screen.contains("':help'") && screen.contains(home.resolve("images").toString()), screen);
            // the banner fits an 80-column terminal, with the home's path as long as the usual /var/lib/cwb
            for (String line : screen.split("\r?\n")) {
                String usual = line.replace(home.toString(), "/var/lib/cwb");
                if (!line.startsWith("cwb")) {
                    assertTrue(usual.length() <= 80, usual.length() + " columns: " + usual);
                }
            }
            shell.type("\u0004"); // Ctrl-D
            assertEquals(0, shell.exitCode());
        }
    }

    @Test
    void quitWordsLeave() throws Exception {
        for (String word : List.of(":quit", ":q", ":exit", "exit", "quit", ":quit now")) {
            try (ShellSession shell = new ShellSession(home, XTERM)) {
                shell.awaitPrompt(1);
                shell.type(word + "\n");
                assertEquals(0, shell.exitCode(), word);
            }
        }
    }

    @Test
    void metaHelpListsKeysAndShellCommands() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.type(":help\n");
            String screen = shell.awaitPrompt(2);
            for (String expected : List.of("Ctrl-C", "Ctrl-D", "Tab", ":history", ":clear", ":quit", home.resolve("history").toString())) {
                assertTrue(screen.contains(expected), expected + " missing from:\n" + screen);
            }
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void ctrlCCancelsARunningCommandAndTheShellCarriesOn() throws Exception {
        Nap nap = new Nap();
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> {
            tree.addSubcommand("nap", nap);
            tree.addSubcommand("probe", new Probe());
        })) {
            shell.awaitPrompt(1);
            shell.type("nap\n");
            assertTrue(nap.started.await(10, TimeUnit.SECONDS), "nap started");
            shell.terminal().raise(Terminal.Signal.INT);
            shell.awaitPrompt(2);
            assertTrue(nap.interrupted.get(), "the command's thread was interrupted");
            shell.type("probe after\n");
            String screen = shell.awaitPrompt(3);
            assertTrue(screen.contains("napping\n"), screen);
            assertTrue(screen.lines().anyMatch(line -> line.endsWith("^C cancelled")), screen);
            assertTrue(screen.contains("probe got [after]"), screen);
            assertFalse(screen.contains("woke up") || screen.contains("internal error"),
                    "nothing a cancelled command prints reaches the screen:\n" + screen);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void aCommandThatIgnoresCtrlCIsLeftBehindAndTheShellCarriesOn() throws Exception {
        Stubborn stubborn = new Stubborn();
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> tree.addSubcommand("stubborn", stubborn))) {
            shell.awaitPrompt(1);
            shell.type("stubborn\n");
            assertTrue(stubborn.started.await(10, TimeUnit.SECONDS));
            shell.terminal().raise(Terminal.Signal.INT);
            shell.terminal().raise(Terminal.Signal.INT); // the second Ctrl-C: stop waiting for it
            String screen = shell.awaitPrompt(2);
            assertTrue(screen.contains("it finishes in the background"), screen);
            stubborn.release.countDown();
            assertEquals(0, shell.endInput());
            assertFalse(shell.screen().contains("stubborn done"), shell.screen());
        }
    }

    @Test
    void commandOutputGoesToTheTerminalNotToTheOldWriters() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM, tree -> tree.addSubcommand("probe", new Probe()))) {
            shell.awaitPrompt(1);
            shell.type("probe 'two words'\n");
            assertTrue(shell.awaitPrompt(2).contains("probe got [two words]"));
            assertEquals("", shell.outside());
            assertEquals(0, shell.endInput());
        }
    }

    private List<String> historyLines() throws Exception {
        Path file = home.resolve("history");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** Stores a config-only image (no layers) under {@code name}, as a load would. */
    static void storeEmptyImage(Workbench workbench, String name) {
        try (StoreTransaction tx = workbench.images().begin()) {
            Descriptor config = tx.putBlob(MediaTypes.OCI_CONFIG, """
                    {"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""
                    .getBytes(StandardCharsets.UTF_8), "config");
            String manifest = """
                    {"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},"layers":[]}"""
                    .formatted(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG, config.digest(), config.size());
            Descriptor manifestDescriptor = tx.putBlob(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8), "manifest");
            tx.tag(Reference.parse(name), manifestDescriptor);
            tx.commit();
        }
    }

    /** Prints the words it was given, so a test sees exactly what completion produced. */
    @Command(name = "probe")
    static final class Probe implements Runnable {
        @CommandLine.Parameters(paramLabel = "IMAGE", arity = "0..*")
        List<String> words = List.of();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().getOut().println("probe got " + words);
        }
    }

    /** Sleeps until interrupted, like a long unpack that checks for cancellation. */
    @Command(name = "nap")
    static final class Nap implements java.util.concurrent.Callable<Integer> {
        final CountDownLatch started = new CountDownLatch(1);
        final AtomicBoolean interrupted = new AtomicBoolean();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println("napping");
            spec.commandLine().getOut().flush();
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e; // reported as an error line, which the shell must keep off the screen
            }
            spec.commandLine().getOut().println("woke up");
            return 0;
        }
    }

    /** Ignores interruption until released: a command that does not check for cancellation. */
    @Command(name = "stubborn")
    static final class Stubborn implements Runnable {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            started.countDown();
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    // ignored on purpose
                }
            }
            spec.commandLine().getOut().println("stubborn done");
        }
    }
}
