package dev.cwb.cli;

import picocli.CommandLine.Command;

/** The root of the command tree: {@code cwb COMMAND}. In the shell the learner types the subcommands alone. */
@Command(name = "cwb",
        description = "Container Workbench: build a real Linux container by hand, one step at a time.",
        subcommands = {
                ImagesCommand.class,
                InspectCommand.class,
                HistoryCommand.class,
                LoadCommand.class,
                PullCommand.class,
                PushCommand.class,
                SaveCommand.class,
                RmiCommand.class,
                UnpackCommand.class,
                DiffCommand.class,
                CatCommand.class,
                SamplesCommand.class,
                CleanupCommand.class,
                LessonsCommand.class,
                HelpCommand.class,
        })
public final class CwbCommand implements Runnable {
    @Override
    public void run() {
        // no command given: the shell or Main decides what to do
    }
}
