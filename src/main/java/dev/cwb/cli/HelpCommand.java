package dev.cwb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code help} lists the commands; {@code help CMD} prints a command's usage. */
@Command(name = "help", description = "List the commands, or show how to use one: help COMMAND.")
public final class HelpCommand extends WorkbenchCommand {
    @Parameters(arity = "0..2", paramLabel = "COMMAND", description = "The command (and subcommand) to explain.")
    String[] topic = new String[0];

    /** The commands that open a group in the list, and the group's heading. */
    private static final java.util.Map<String, String> SECTIONS = java.util.Map.of(
            "images", " Images and layers:",
            "new", " A container, step by step (new, then the steps, in any order the kernel allows):",
            "run", " Containers, all at once:",
            "cleanup", " The workbench:");

    /** One command per entry, its description wrapped at the terminal's width under itself. */
    private void printWrapped(String name, String description) {
        int width = workbench.terminalWidth() > 40 ? workbench.terminalWidth() : Integer.MAX_VALUE;
        String indent = " ".repeat(14);
        StringBuilder line = new StringBuilder(String.format("  %-11s", name));
        for (String word : description.split(" ")) {
            if (line.length() + 1 + word.length() > width && line.length() > indent.length()) {
                out().println(line);
                line = new StringBuilder(indent.substring(1));
            }
            line.append(' ').append(word);
        }
        out().println(line);
    }

    @Override
    protected int run() {
        CommandLine target = spec.parent().commandLine();
        for (String word : topic) {
            CommandLine sub = target.getSubcommands().get(word);
            if (sub == null) {
                throw dev.cwb.CwbException.notFound("no such command '" + word + "'", "type 'help' to list the commands");
            }
            target = sub;
        }
        if (target == spec.parent().commandLine()) {
            out().println("Commands (type 'help COMMAND' for details; ':help' for the shell's own commands):");
            for (var e : target.getSubcommands().entrySet()) {
                if (!e.getKey().equals(e.getValue().getCommandName())) {
                    continue; // an alias (pivot-root): listed under its command's own name
                }
                String section = SECTIONS.get(e.getKey());
                if (section != null) {
                    out().println(section);
                }
                String[] desc = e.getValue().getCommandSpec().usageMessage().description();
                printWrapped(e.getKey(), desc.length > 0 ? desc[0] : "");
            }
            out().println(" On the host, in the shell:");
            printWrapped("!CMD", "Run CMD on the host with /bin/sh, as your own user, in the lesson's directory (e.g. !ls -l, "
                    + "!sha256sum FILE): its output and exit code count for the step's checks.");
        } else {
            target.usage(out(), spec.commandLine().getColorScheme());
        }
        return 0;
    }
}
