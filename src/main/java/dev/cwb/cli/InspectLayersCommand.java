package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code inspect layers IMAGE}: a row per layer with sizes, file counts and the step that made it. */
@Command(name = "layers", description = "A row per layer: digest, diff_id, sizes, files added/modified/removed, created_by.")
public final class InspectLayersCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    String image;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("inspect layers: not yet implemented");
    }
}
