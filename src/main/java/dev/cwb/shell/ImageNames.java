package dev.cwb.shell;

import dev.cwb.Workbench;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Reference;
import org.jline.reader.Candidate;

import java.nio.file.Files;
import java.util.List;

/**
 * The image names Tab offers: each image's familiar name ({@code alpine:latest}, as {@code docker images}
 * shows it) and, for the {@code latest} tag, the short form a learner types ({@code alpine}), which the
 * Docker reference grammar expands back to {@code :latest}.
 *
 * <p>The store's index.json is read on every Tab, not at start-up: it is one small file, and the list is
 * then never stale after a {@code load} or {@code rmi}. A store that does not exist yet is not created
 * just because someone pressed Tab.
 */
final class ImageNames {
    private static final String GROUP = "images";

    private final Workbench workbench;

    ImageNames(Workbench workbench) {
        this.workbench = workbench;
    }

    void addTo(List<Candidate> candidates) {
        if (!Files.isRegularFile(workbench.home().imageLayout().resolve("index.json"))) {
            return;
        }
        List<ImageStore.ImageEntry> entries;
        try {
            entries = workbench.images().list();
        } catch (RuntimeException e) {
            return; // a damaged store: completion offers nothing, and the command itself will say why
        }
        for (ImageStore.ImageEntry entry : entries) {
            Reference ref = entry.reference();
            candidates.add(new Candidate(ref.familiar(), ref.familiar(), GROUP, null, null, null, true));
            if (Reference.DEFAULT_TAG.equals(ref.tag()) && ref.digest() == null) {
                candidates.add(new Candidate(ref.familiarName(), ref.familiarName(), GROUP, null, null, null, true));
            }
        }
    }
}
