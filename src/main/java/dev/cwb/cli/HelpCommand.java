package dev.cwb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code help} lists the commands; {@code help CMD} prints a command's usage. */
@Command(name = "help", description = "List the commands, or show how to use one: help COMMAND.")
public final class HelpCommand extends WorkbenchCommand {
    @Parameters(arity = "0..2", paramLabel = "COMMAND", description = "The command (and subcommand) to explain.")
    String[] topic = new String[0];

    /** One command per entry, its description wrapped at the terminal's width under itself. */
    private void printWrapped(String name, String description) {
        int width = workbench.terminalWidth() > 40 ? workbench.terminalWidth() : Integer.MAX_VALUE;
        String indent = " ".repeat(13);
        StringBuilder line = new StringBuilder(String.format("  %-10s", name));
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
                    continue; // an alias (pivot-root): listed once, under the command's own name
                }
                String[] desc = e.getValue().getCommandSpec().usageMessage().description();
                printWrapped(e.getKey(), desc.length > 0 ? desc[0] : "");
            }
        } else {
            target.usage(out(), spec.commandLine().getColorScheme());
        }
        return 0;
    }
}
