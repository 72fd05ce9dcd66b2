package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code images}: the images in the store. */
@Command(name = "images", description = "List the images in the store.")
public final class ImagesCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("images: not yet implemented");
    }
}
