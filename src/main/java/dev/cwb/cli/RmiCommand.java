package dev.cwb.cli;

import dev.cwb.image.Digest;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Reference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rmi IMAGE}: remove an image and the blobs nothing else uses. */
@Command(name = "rmi", description = "Remove an image, and every blob no other image uses.",
        footer = {"", "A blob (layer, config, manifest) is deleted only when no remaining image refers to it:",
                "layers shared with another image stay."})
public final class RmiCommand extends WorkbenchCommand {
    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "The images to remove (name:tag or image id).")
    String[] images;

    @Option(names = {"-f", "--force"}, description = "Remove an image id under all of its tags.")
    boolean force;

    @Override
    protected int run() {
        for (String image : images) {
            ImageStore.Removal removal = workbench.images().remove(image, force);
            for (Reference ref : removal.untagged()) {
                out().println("Untagged: " + ref.familiar());
            }
            for (Digest d : removal.deletedBlobs()) {
                out().println("Deleted: " + d);
            }
        }
        return 0;
    }
}
