package dev.cwb.cli;

import picocli.CommandLine.Command;

/** {@code samples}: list or build the sample images from their recipes in sample-images/. */
@Command(name = "samples", description = "List or build the sample images (busybox, hello, layers-demo).")
public final class SamplesCommand extends WorkbenchCommand {
    @Override
    protected int run() {
        throw new UnsupportedOperationException("samples: not yet implemented");
    }
}
