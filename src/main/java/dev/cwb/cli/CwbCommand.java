package dev.cwb.cli;

import picocli.CommandLine.Command;

/**
 * The root of the command tree: {@code cwb COMMAND}. In the shell the learner types the subcommands alone.
 * The subcommands are added by {@link Commands}, which keeps their list.
 */
@Command(name = "cwb",
        description = "Container Workbench: build a real Linux container by hand, one step at a time.")
public final class CwbCommand implements Runnable {
    @Override
    public void run() {
        // no command given: the shell or Main decides what to do
    }
}
