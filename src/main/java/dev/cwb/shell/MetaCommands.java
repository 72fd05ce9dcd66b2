package dev.cwb.shell;

import dev.cwb.Workbench;
import dev.cwb.cli.Commands;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Carries out the shell's colon commands ({@link MetaCommand}); leaving is handled by the loop itself. */
final class MetaCommands {
    private final Terminal terminal;
    private final LineReader reader;
    private final Path historyFile;
    private final PrintWriter screen;
    private final LessonCommands lessons;

    /**
     * @param historyFile where history is kept, or {@code null} when it is kept in memory only
     * @param screen      the terminal's writer (recorded while {@code :record} runs)
     */
    MetaCommands(Terminal terminal, LineReader reader, Path historyFile, PrintWriter screen, LessonCommands lessons) {
        this.terminal = terminal;
        this.reader = reader;
        this.historyFile = historyFile;
        this.screen = screen;
        this.lessons = lessons;
    }

    void run(String line, Workbench workbench) {
        String word = line.split("\\s+", 2)[0];
        MetaCommand meta = MetaCommand.named(word).orElse(null);
        if (meta == null) {
            Commands.printError(workbench, "unknown shell command '" + word + "' — type ':help' for the shell commands, 'help' for the workbench commands");
            return;
        }
        PrintWriter out = screen;
        String argument = line.strip().length() > word.length() ? line.strip().substring(word.length()).strip() : "";
        try {
            switch (meta) {
                case HELP -> help(out);
                case HISTORY -> history(out);
                case CLEAR -> clear();
                case QUIT -> { } // the loop leaves before it gets here
                default -> lessons.run(meta, argument);
            }
        } catch (RuntimeException e) {
            out.flush();
            Commands.report(workbench, e); // one error line; the shell goes on
        }
        out.flush();
    }

    private void help(PrintWriter out) {
        out.println("""
                Keys:
                  Tab          complete a command, option, image name or file path (Tab twice lists the choices)
                  Up, Down     step through the commands you typed before
                  Ctrl-R       search them: type part of an old command, Enter runs it
                  Ctrl-A, E    jump to the start, the end of the line
                  Ctrl-W, U    delete the word, the whole line before the cursor
                  Ctrl-L       clear the screen
                  Ctrl-C       forget the line you are typing, or cancel the command that is running
                  Ctrl-D       leave (on an empty line)
                Shell commands:""".stripTrailing());
        for (MetaCommand meta : MetaCommand.values()) {
            out.printf("  %-12s %s%n", meta.primaryName() + switch (meta) {
                case LESSON, DEMO -> " N";
                case RECORD -> " FILE";
                default -> "";
            }, meta.description());
        }
        out.printf("  %-12s %s%n", "!CMD", "run CMD on the host (/bin/sh, as you, in the lesson's directory); :check sees its output");
        out.println("History is kept in " + (historyFile != null ? historyFile : "memory only, for this session") + ".");
        out.println("Type 'help' for the workbench commands, 'help COMMAND' for one of them.");
    }

    private void history(PrintWriter out) {
        History history = reader.getHistory();
        int width = String.valueOf(history.last() + 1).length();
        for (History.Entry entry : history) {
            out.printf("%" + Math.max(width, 3) + "d  %s%n", entry.index() + 1, entry.line());
        }
    }

    private void clear() {
        if (terminal.puts(Capability.clear_screen)) {
            terminal.flush();
        }
    }
}
