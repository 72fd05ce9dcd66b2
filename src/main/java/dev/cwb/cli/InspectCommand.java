package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code inspect IMAGE}: the manifest and config, each part explained; {@code inspect layers IMAGE}: a row per layer. */
@Command(name = "inspect", description = "Show an image's manifest and config, each part explained. 'inspect layers IMAGE' for its layers.",
        subcommands = InspectLayersCommand.class)
public final class InspectCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    String image;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("inspect: not yet implemented");
    }
}
