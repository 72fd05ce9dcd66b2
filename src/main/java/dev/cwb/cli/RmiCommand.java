package dev.cwb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rmi IMAGE}: remove an image and the blobs nothing else uses. */
@Command(name = "rmi", description = "Remove an image, and every blob no other image uses.")
public final class RmiCommand extends WorkbenchCommand {
    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "The images to remove (name:tag or image id).")
    String[] images;

    @Option(names = {"-f", "--force"}, description = "Remove an image id under all of its tags.")
    boolean force;

    @Override
    protected int run() {
        throw new UnsupportedOperationException("rmi: not yet implemented");
    }
}
