package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.cli.CommandHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a learner sees from {@code load} and {@code save}. */
class LoadSaveCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void loadPrintsALinePerImageWithItsId() throws IOException {
        ImageFixture image = ImageFixture.twoLayers();
        Path tar = ImageFixture.writeTar(tmp.resolve("docker.tar"), image.dockerSaveFiles("busybox:latest"));
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(0, cwb.run("load", tar.toString()), cwb.err());
        assertEquals("Loaded image: busybox:latest (sha256:" + image.configDigest.shortId() + ")\n", cwb.out());
    }

    @Test
    void loadOfABareTagSaysWhereTheNameCameFrom() throws IOException {
        ImageFixture image = ImageFixture.twoLayers();
        Path dir = ImageFixture.writeDirectory(tmp.resolve("tools"), image.ociLayoutFiles("latest"));
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(0, cwb.run("load", dir.toString()), cwb.err());
        assertTrue(cwb.out().startsWith("note: the archive names its image only 'latest'"), cwb.out());
        assertTrue(cwb.out().endsWith("Loaded image: tools:latest (sha256:" + image.configDigest.shortId() + ")\n"), cwb.out());
    }

    @Test
    void aBigLoadPrintsALinePerBlob() throws IOException {
        // 16 MB of random letters gzip to about 9.4 MB: above the threshold for progress lines
        java.util.Random random = new java.util.Random(7);
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 16_000_000; i++) {
            big.append((char) ('a' + random.nextInt(26)));
        }
        ImageFixture image = new ImageFixture("amd64", big.toString(), "small\n");
        Path tar = ImageFixture.writeTar(tmp.resolve("big.tar"), image.ociLayoutFiles("v1"));
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(0, cwb.run("load", tar.toString(), "--name", "big"), cwb.err());
        java.util.List<String> lines = cwb.out().lines().toList();
        assertTrue(lines.get(0).startsWith("Copying 2 blobs ("), lines.get(0));
        assertTrue(lines.get(1).startsWith("  [1/2] sha256:"), lines.get(1));
        assertTrue(lines.get(2).startsWith("  [2/2] sha256:"), lines.get(2));
        assertEquals("Loaded image: big:v1 (sha256:" + image.configDigest.shortId() + ")", lines.get(3));
    }

    @Test
    void loadOfANonImageTarPrintsOneErrorLine() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("music.tar"), Map.of("song.ogg", new byte[]{9}));
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(CwbException.BAD_INPUT, cwb.run("load", tar.toString()));
        assertEquals("", cwb.out());
        assertTrue(cwb.err().startsWith("error: " + tar + " is a tar, but neither"), cwb.err());
        assertEquals(1, cwb.err().lines().count());
    }

    @Test
    void saveWritesTheFileAndRefusesToOverwriteIt() throws IOException {
        ImageFixture image = ImageFixture.twoLayers();
        CommandHarness cwb = new CommandHarness(tmp.resolve("home"));
        cwb.run("load", ImageFixture.writeTar(tmp.resolve("in.tar"), image.dockerSaveFiles("app:1")).toString());
        cwb.reset();
        Path out = tmp.resolve("out.tar");
        assertEquals(0, cwb.run("save", "app:1", out.toString()), cwb.err());
        assertTrue(cwb.out().startsWith("Saved app:1 (sha256:" + image.configDigest.shortId() + ") to " + out + ": 4 blobs"), cwb.out());
        assertTrue(Files.size(out) > 0);
        cwb.reset();
        assertEquals(CwbException.BAD_INPUT, cwb.run("save", "app:1", out.toString()));
        assertTrue(cwb.err().contains("already exists — choose another file name, or add --force"), cwb.err());
        assertEquals(0, cwb.run("save", "--force", "app:1", out.toString()), cwb.err());
    }
}
