package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code load PATH}: add images from a docker-save tar, an OCI archive tar or an OCI layout directory. */
@Command(name = "load", description = "Add images from a 'docker save' tar, an OCI archive tar, or an OCI layout directory.")
public final class LoadCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "PATH", description = "The tar file or OCI layout directory.")
    Path path;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("load: not yet implemented");
    }
}
