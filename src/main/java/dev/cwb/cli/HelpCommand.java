package dev.cwb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code help} lists the commands; {@code help CMD} prints a command's usage. */
@Command(name = "help", description = "List the commands, or show how to use one: help COMMAND.")
public final class HelpCommand extends WorkbenchCommand {
    @Parameters(arity = "0..2", paramLabel = "COMMAND", description = "The command (and subcommand) to explain.")
    String[] topic = new String[0];

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
                String[] desc = e.getValue().getCommandSpec().usageMessage().description();
                out().printf("  %-10s %s%n", e.getKey(), desc.length > 0 ? desc[0] : "");
            }
        } else {
            target.usage(out(), spec.commandLine().getColorScheme());
        }
        return 0;
    }
}
