package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code history IMAGE}: the build steps, newest first, like docker history. */
@Command(name = "history", description = "Show how an image was built, newest step first.")
public final class HistoryCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    String image;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("history: not yet implemented");
    }
}
