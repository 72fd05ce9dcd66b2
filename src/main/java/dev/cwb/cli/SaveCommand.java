package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code save IMAGE FILE}: write an image as a tar that docker load and skopeo read. */
@Command(name = "save", description = "Write an image to a tar file (docker-archive and oci-archive in one).")
public final class SaveCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to save.")
    String image;

    @Parameters(index = "1", paramLabel = "FILE", description = "The tar file to write.")
    Path file;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("save: not yet implemented");
    }
}
