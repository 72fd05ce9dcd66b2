package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;
import dev.cwb.view.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tag SOURCE TARGET}: one more name for an image; no blob is copied. */
@Command(name = "tag", description = "Give an image another name: index.json gains an entry naming the same manifest.",
        footer = {"", "Nothing is copied: both names point at one manifest digest, so the image id is the same.",
                "Example: tag busybox my-busybox:v1"})
public final class TagCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "The image (name:tag or image id).")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "The new name[:tag].")
    String target;

    @Override
    protected int run() {
        ImageStore store = workbench.images();
        ImageStore.ImageEntry entry = store.find(source);
        if (!Reference.isValid(target) || Reference.parse(target).digest() != null) {
            throw CwbException.badInput("'" + Printable.of(target) + "' is not a name to tag with", "write NAME or NAME:TAG, e.g. my-app:v1");
        }
        Reference ref = Reference.parse(target);
        try (StoreTransaction tx = store.begin()) {
            tx.tag(ref, entry.descriptor().withAnnotations(null));
            tx.commit();
        }
        out().println("Tagged " + ref.familiar() + " → " + entry.reference().familiar() + " (manifest " + entry.descriptor().digest().shortId()
                + ", image id " + store.image(entry).id().shortId() + ")");
        return 0;
    }
}
