package dev.cwb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Json;
import dev.cwb.image.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image commands as a learner sees them: tables, teaching lines, JSON and one-line errors. */
class ImageCommandsTest {
    @TempDir
    Path home;
    CommandHarness cwb;

    @BeforeEach
    void setUp() {
        cwb = new CommandHarness(home);
        new TestImages()
                .layer("ADD rootfs.tar /", new TestImages.Layer().dir("etc").file("etc/motd", "hi\n").file("etc/hostname", "a\n"))
                .emptyStep("ENV PATH=/bin")
                .layer("RUN rm /etc/motd && echo b > /etc/hostname", new TestImages.Layer().dir("etc").whiteout("etc/motd").file("etc/hostname", "b\n"))
                .layer("COPY app /app", new TestImages.Layer().dir("app").file("app/run.sh", "echo\n"))
                .emptyStep("CMD [\"/app/run.sh\"]").cmd("/app/run.sh")
                .store(cwb.workbench().images(), "demo:1.0");
    }

    @Test
    void imagesListsNameIdAndLayers() {
        assertEquals(0, cwb.run("images"));
        String id = cwb.workbench().images().image("demo:1.0").id().shortId();
        assertTrue(cwb.out().contains("demo:1.0"), cwb.out());
        assertTrue(cwb.out().contains(id), cwb.out());
        assertTrue(cwb.out().lines().anyMatch(l -> l.contains("demo:1.0") && l.matches(".*\\b3 [|│]$")), cwb.out());
    }

    @Test
    void imagesJson() throws Exception {
        assertEquals(0, cwb.run("images", "--json"));
        JsonNode list = Json.mapper().readTree(cwb.out());
        assertEquals("docker.io/library/demo:1.0", list.get(0).get("reference").asText());
        assertEquals(3, list.get(0).get("layers").asInt());
    }

    @Test
    void inspectLayersCountsAddedModifiedRemoved() throws Exception {
        assertEquals(0, cwb.run("inspect", "layers", "demo:1.0", "--json"));
        JsonNode rows = Json.mapper().readTree(cwb.out());
        assertEquals(3, rows.size());
        assertEquals(3, rows.get(0).get("added").asInt());
        // layer 2: etc listed again and etc/hostname changed (modified), etc/motd whited out (removed)
        assertEquals(0, rows.get(1).get("added").asInt());
        assertEquals(2, rows.get(1).get("modified").asInt());
        assertEquals(1, rows.get(1).get("removed").asInt());
        assertEquals("RUN rm /etc/motd && echo b > /etc/hostname", rows.get(1).get("createdBy").asText());
        assertEquals(2, rows.get(2).get("added").asInt());
        cwb.reset();
        assertEquals(0, cwb.run("inspect", "layers", "demo:1.0"));
        assertTrue(cwb.out().contains("every blob digest and diff_id verified"), cwb.out());
        assertTrue(Files.isDirectory(home.resolve("cache/layer-stats")), "the stats are cached");
    }

    @Test
    void inspectExplainsEachPart() {
        assertEquals(0, cwb.run("inspect", "demo:1.0"));
        String out = cwb.out();
        assertTrue(out.contains("Manifest sha256:"), out);
        assertTrue(out.contains("[ \"/app/run.sh\" ]") || out.contains("[\"/app/run.sh\"]"), out);
        assertTrue(out.contains("the default command"), out);
    }

    @Test
    void inspectJsonHasManifestAndConfig() throws Exception {
        assertEquals(0, cwb.run("inspect", "--json", "demo:1.0"));
        JsonNode node = Json.mapper().readTree(cwb.out());
        assertEquals(3, node.get("manifest").get("layers").size());
        assertEquals("/app/run.sh", node.get("config").get("config").get("Cmd").get(0).asText());
    }

    @Test
    void historyIsNewestFirstWithEmptyStepsAtZeroBytes() {
        assertEquals(0, cwb.run("history", "--no-trunc", "demo:1.0"));
        String[] rows = cwb.out().lines().filter(l -> l.contains("CMD") || l.contains("COPY") || l.contains("ENV") || l.contains("ADD"))
                .toArray(String[]::new);
        assertEquals(4, rows.length, cwb.out());
        assertTrue(rows[0].contains("CMD") && rows[0].contains(" 0B "), rows[0]);
        assertTrue(rows[1].contains("COPY"), rows[1]);
        assertTrue(rows[3].contains("ADD rootfs.tar"), rows[3]);
        assertTrue(rows[2].contains("ENV") && rows[2].contains(" 0B "), rows[2]);
        assertTrue(rows[3].contains("<missing>"), rows[3]);
    }

    @Test
    void unknownImageIsOneErrorLine() {
        assertEquals(3, cwb.run("inspect", "nosuch"));
        assertEquals(1, cwb.err().lines().count(), cwb.err());
        assertTrue(cwb.err().startsWith("error: no such image 'nosuch'"), cwb.err());
        assertEquals("", cwb.out());
    }

    @Test
    void badOptionIsOneErrorLine() {
        assertEquals(2, cwb.run("images", "--bogus"));
        assertEquals(1, cwb.err().lines().count(), cwb.err());
        assertTrue(cwb.err().contains("help images"), cwb.err());
    }

    @Test
    void rmiRemovesTheImageAndItsBlobs() throws Exception {
        long blobsBefore = Files.list(home.resolve("images/blobs/sha256")).count();
        assertEquals(0, cwb.run("rmi", "demo:1.0"));
        assertTrue(cwb.out().startsWith("Untagged: demo:1.0"), cwb.out());
        assertEquals(blobsBefore, cwb.out().lines().filter(l -> l.startsWith("Deleted: sha256:")).count());
        assertEquals(0, Files.list(home.resolve("images/blobs/sha256")).count());
        cwb.reset();
        cwb.run("images");
        assertFalse(cwb.out().contains("demo"), cwb.out());
    }

    @Test
    void helpListsCommandsAndExplainsOne() {
        assertEquals(0, cwb.run("help"));
        assertTrue(cwb.out().contains("images") && cwb.out().contains("inspect"), cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("help", "inspect", "layers"));
        assertTrue(cwb.out().contains("Usage: cwb inspect layers"), cwb.out());
        cwb.reset();
        assertEquals(3, cwb.run("help", "nope"));
    }
}
