package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.List;

/**
 * Builds the picocli command tree for a session and runs one command line in it, turning every failure
 * into the one line a learner sees: {@code error: what failed, why — what to do}. Stack traces appear
 * only with {@code --debug}.
 */
public final class Commands {
    /** Exit code for a failure that is not a {@link CwbException} (a bug). */
    public static final int INTERNAL_ERROR = 1;
    /** Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it). */
    public static final int CANCELLED = 130;

    /**
     * Every command with its name, in the order 'help' lists them. The name is written here as well as in
     * the command's {@code @Command} (a test keeps the two the same): reading an annotation parses it and
     * loads every class it names, and looking a one-shot command up by the annotations cost all fifty of
     * them, a tenth of {@code ./cwb images}.
     */
    static final List<Named> COMMANDS = List.of(
            new Named("images", ImagesCommand.class),
            new Named("inspect", InspectCommand.class),
            new Named("history", HistoryCommand.class),
            new Named("load", LoadCommand.class),
            new Named("pull", PullCommand.class),
            new Named("push", PushCommand.class),
            new Named("save", SaveCommand.class),
            new Named("rmi", RmiCommand.class),
            new Named("tag", TagCommand.class),
            new Named("build", BuildCommand.class),
            new Named("builder", BuilderCommand.class),
            new Named("unpack", UnpackCommand.class),
            new Named("diff", DiffCommand.class),
            new Named("cat", CatCommand.class),
            new Named("samples", SamplesCommand.class),
            new Named("new", NewCommand.class),
            new Named("overlay", OverlayCommand.class),
            new Named("changes", ChangesCommand.class),
            new Named("commit", CommitCommand.class),
            new Named("unshare", UnshareCommand.class),
            new Named("ns", NsCommand.class),
            new Named("hostname", HostnameCommand.class),
            new Named("mount", MountCommand.class),
            new Named("cgroup", CgroupCommand.class),
            new Named("seccomp", SeccompCommand.class),
            new Named("caps", CapsCommand.class),
            new Named("nnp", NnpCommand.class),
            new Named("net", NetCommand.class),
            new Named("port", PortCommand.class),
            new Named("volume", VolumeCommand.class),
            new Named("chroot", ChrootCommand.class),
            new Named("pivot_root", PivotRootCommand.class),
            new Named("escape", EscapeCommand.class),
            new Named("exec", ExecCommand.class),
            new Named("status", StatusCommand.class),
            new Named("diagram", DiagramCommand.class),
            new Named("compare", CompareCommand.class),
            new Named("run", RunCommand.class),
            new Named("ps", PsCommand.class),
            new Named("logs", LogsCommand.class),
            new Named("stop", StopCommand.class),
            new Named("start", StartCommand.class),
            new Named("restart", RestartCommand.class),
            new Named("kill", KillCommand.class),
            new Named("stats", StatsCommand.class),
            new Named("top", TopCommand.class),
            new Named("rm", RmCommand.class),
            new Named("trace", TraceCommand.class),
            new Named("cleanup", CleanupCommand.class),
            new Named("lessons", LessonsCommand.class),
            new Named("class", ClassCommand.class),
            new Named("help", HelpCommand.class));

    /** A command's name and its class. */
    static final class Named {
        final String name;
        final Class<? extends WorkbenchCommand> type;

        Named(String name, Class<? extends WorkbenchCommand> type) {
            this.name = name;
            this.type = type;
        }
    }

    /** Longer than any command's name by more than a typo: no suggestion is looked for. */
    private static final int LONGEST_NAME = 24;

    private Commands() {
    }

    /** A fresh command tree with every command, printing to the workbench's current writers. */
    public static CommandLine create(Workbench workbench) {
        return create(workbench, null);
    }

    /**
     * A fresh command tree; with {@code only} naming a command, the tree holds just that one. picocli reads
     * each command class's annotations when the tree is built, and a one-shot {@code ./cwb pull ...} need
     * not pay for fourteen commands it will not run.
     */
    static CommandLine create(Workbench workbench, String only) {
        CommandFactory factory = new CommandFactory(workbench);
        CommandLine cmd = new CommandLine(new CwbCommand(), factory);
        for (Named c : COMMANDS) {
            if (only == null || only.equals(c.name)) {
                cmd.addSubcommand(c.name, c.type);
                if (TakesACommand.class.isAssignableFrom(c.type)) {
                    cmd.getSubcommands().get(c.name).setStopAtPositional(true); // exec sh -c '...': -c is sh's
                }
            }
        }
        if (workbench.terminalWidth() > 0) {
            cmd.setUsageHelpWidth(Math.max(55, Math.min(workbench.terminalWidth(), 120))); // picocli's floor is 55
        }
        cmd.setOut(workbench.out());
        cmd.setErr(workbench.err());
        cmd.setColorScheme(CommandLine.Help.defaultColorScheme(workbench.color() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        ErrorHandlers handlers = new ErrorHandlers(workbench, cmd);
        cmd.setExecutionExceptionHandler(handlers);
        cmd.setParameterExceptionHandler(handlers);
        return cmd;
    }

    /**
     * How a failed command and a mistyped command line are reported: one {@code error:} line each.
     * A class rather than two lambdas: picocli's interfaces are compiled for Java 5, and a lambda that
     * implements one makes the CDS dump link it, which keeps it (and classes using it) out of the
     * archive, so every start loaded them from the jar and generated the lambdas anew.
     */
    private static final class ErrorHandlers implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
        private final Workbench workbench;
        private final CommandLine cmd;

        ErrorHandlers(Workbench workbench, CommandLine cmd) {
            this.workbench = workbench;
            this.cmd = cmd;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
            return report(workbench, ex);
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            if (ex instanceof CommandLine.UnmatchedArgumentException u && ex.getCommandLine() == cmd && args.length > 0
                    && !args[0].startsWith("-")) {
                // a mistyped command in one-shot or script mode: the same help the shell gives
                // picocli compares every command with the word's letter pairs: not worth it for a word no name is near
                List<String> near = args[0].length() > LONGEST_NAME ? List.of() : u.getSuggestions();
                String guess = near.isEmpty() ? "" : "did you mean '" + near.get(0) + "'? ";
                String word = args[0].startsWith(":") ? "'" + args[0] + "' is a shell command (open the shell with ./cwb)" : "unknown command '" + args[0] + "'";
                printError(workbench, word + " — " + guess + "type 'help' to list the commands");
                return CwbException.USAGE;
            }
            String habit = dockerHabit(ex);
            if (habit != null) {
                printError(workbench, habit);
                return CwbException.USAGE;
            }
            // "cwb inspect layers" -> "inspect layers": the words 'help' takes
            String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ").replaceFirst("^cwb ?", "");
            String help = ex.getCommandLine() == cmd ? "type 'help' to list the commands" : "type 'help " + name + "' for its usage";
            printError(workbench, ex.getMessage() + " — " + help);
            return CwbException.USAGE;
        }
    }

    /**
     * Habits a learner brings (docker's options, {@code history} for the typed commands), each explained in one line: what the workbench does
     * instead. Null for any other mistake.
     */
    static String dockerHabit(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.MissingParameterException && ex.getCommandLine().getCommandName().equals("history")) {
            return "history shows how an IMAGE was built: history busybox — the commands you typed are ':history' in the shell";
        }
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
            return null;
        }
        String option = u.getUnmatched().get(0);
        String command = ex.getCommandLine().getCommandName();
        return switch (option) {
            case "-it", "-ti", "-i", "-t", "--interactive", "--tty" -> "'" + option + "' is docker's: " + command
                    + " needs no option for it — a command started at the workbench's terminal gets a terminal of its container (" + command
                    + (command.equals("run") ? " busybox sh" : " sh") + ")";
            case "--rm" -> "'--rm' is docker's: run always removes its container when the command ends — leave it out";
            default -> null;
        };
    }

    /** Runs one command line (already split into words) and returns its exit code. */
    public static int run(Workbench workbench, String... args) {
        try {
            return create(workbench, knownCommand(args)).execute(args);
        } catch (OutOfMemoryError e) {
            return report(workbench, e); // picocli lets Errors through; this one still gets its one line
        } finally {
            workbench.out().flush();
            workbench.err().flush();
        }
    }

    /** The command the words start with, when it is one that needs no other command ('help' needs them all). */
    private static String knownCommand(String... args) {
        if (args.length == 0 || args[0].equals("help")) {
            return null;
        }
        for (Named c : COMMANDS) {
            if (c.name.equals(args[0])) {
                return args[0];
            }
        }
        return null;
    }

    /** Prints an exception as one line (and its stack trace with --debug); returns the exit code it maps to. */
    public static int report(Workbench workbench, Throwable ex) {
        if (workbench.debug()) {
            ex.printStackTrace(workbench.err());
        }
        if (ex instanceof InterruptedException || ex instanceof java.io.InterruptedIOException
                || ex instanceof java.nio.channels.ClosedByInterruptException) {
            printError(workbench, "cancelled");
            return CANCELLED;
        }
        if (ex instanceof OutOfMemoryError) {
            printError(workbench, "out of memory: the input is too large or crafted to exhaust memory; nothing was kept"
                    + " — give Java more heap (CWB_JAVA_OPTS=-Xmx4g) only if you trust the input");
            return INTERNAL_ERROR;
        }
        if (ex instanceof CwbException c) {
            printError(workbench, c.oneLine());
            return c.exitCode();
        }
        printError(workbench, "internal error: " + ex + (workbench.debug() ? "" : " — run with --debug for the stack trace, and please report it"));
        return INTERNAL_ERROR;
    }

    public static void printError(Workbench workbench, String message) {
        // names in messages may come from an image (a tar entry, a tag): never let them drive the terminal;
        // and what the user typed is quoted in part (cut before escaping, which can only lengthen it, and after)
        String line = dev.cwb.view.Excerpt.of(dev.cwb.view.Printable.of(dev.cwb.view.Excerpt.of(message)));
        PrintWriter err = workbench.err();
        err.println(workbench.color() ? "\u001b[1;31merror:\u001b[0m " + line : "error: " + line);
        err.flush();
    }
}
