package dev.cwb.registry;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry the launcher's CDS training pulls from must serve a pull that succeeds on every path the
 * training means to record: a manifest, an index, and an image that is already there.
 */
class TrainingRegistryTest {
    @TempDir
    Path tmp;

    @Test
    void servesAnImageThatPullsByTagThroughAnIndexAndUpToDate() throws Exception {
        try (TrainingRegistry registry = TrainingRegistry.start()) {
            assertTrue(registry.host().startsWith("127.0.0.1:") || registry.host().startsWith("[::1]:"), registry.host());
            CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
            String image = registry.host() + "/" + TrainingRegistry.REPOSITORY;

            assertEquals(0, cwb.run("pull", image + ":single"), cwb.err());
            assertTrue(cwb.out().contains("Status: Downloaded newer image for " + image + ":single"), cwb.out());
            assertEquals(0, cwb.run("pull", image + ":index"), cwb.err());
            assertEquals(0, cwb.run("pull", image + ":single"), cwb.err());
            assertTrue(cwb.out().contains("Status: Image is up to date for " + image + ":single"), cwb.out());

            ImageStore store = cwb.workbench().images();
            Image single = store.image(image + ":single");
            assertEquals(2, single.manifest().layers().size());
            long bytes = single.manifest().layers().stream().mapToLong(Descriptor::size).sum();
            assertTrue(bytes > 2 << 20, "the big layer takes several socket reads: " + bytes);
            assertEquals(single.manifest(), store.image(image + ":index").manifest());
            // the config names the layers' uncompressed digests, as a real image's does
            assertEquals(2, single.config().diffIds().size());
        }
    }
}
