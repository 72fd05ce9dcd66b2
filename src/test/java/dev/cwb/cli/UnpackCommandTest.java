package dev.cwb.cli;

import dev.cwb.image.Image;
import dev.cwb.image.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code unpack} as a learner runs it: the layer cache shared between images, and --flat. */
class UnpackCommandTest {
    @TempDir
    Path home;
    @TempDir
    Path work;
    CommandHarness cwb;
    byte[] baseTar;

    @BeforeEach
    void setUp() {
        cwb = new CommandHarness(home);
        baseTar = new TestImages.Layer().dir("etc").file("etc/motd", "hi\n").file("etc/hostname", "base\n").tarBytes();
        new TestImages().layer("base", baseTar)
                .layer("change", new TestImages.Layer().whiteout("etc/motd").file("etc/hostname", "top\n"))
                .store(cwb.workbench().images(), "demo");
        new TestImages().layer("base", baseTar).layer("other", new TestImages.Layer().file("other", "o\n"))
                .store(cwb.workbench().images(), "other");
    }

    @Test
    void flatAppliesEveryLayerWithWhiteouts() throws IOException {
        Path rootfs = work.resolve("rootfs");
        assertEquals(0, cwb.run("unpack", "--flat", "demo", rootfs.toString()), cwb.err());
        assertEquals("top\n", Files.readString(rootfs.resolve("etc/hostname")));
        assertFalse(Files.exists(rootfs.resolve("etc/motd")), "the whiteout deleted it");
        assertFalse(Files.exists(rootfs.resolve("etc/.wh.motd")), "whiteouts never appear in the result");
        assertTrue(cwb.out().contains("layer 2/2"), cwb.out());
        assertEquals(List.of("rootfs"), names(work), "no temporary directory left beside it");
    }

    @Test
    void flatRefusesANonEmptyDirectory() throws IOException {
        Path mine = Files.createDirectory(work.resolve("mine"));
        Files.writeString(mine.resolve("precious"), "x");
        assertEquals(4, cwb.run("unpack", "--flat", "demo", mine.toString()));
        assertTrue(cwb.err().contains("is not empty"), cwb.err());
        assertEquals(List.of("precious"), names(mine));
    }

    @Test
    void layersAreCachedByDiffIdAndSharedBetweenImages() throws IOException {
        assertEquals(0, cwb.run("unpack", "demo"), cwb.err());
        Image demo = cwb.workbench().images().image("demo");
        Path baseDir = home.resolve("layers").resolve(demo.config().diffIds().get(0).encoded());
        assertEquals("base\n", Files.readString(baseDir.resolve("fs/etc/hostname")));
        assertTrue(Files.isRegularFile(baseDir.resolve("layer.json")));
        cwb.reset();
        assertEquals(0, cwb.run("unpack", "other"), cwb.err());
        assertTrue(cwb.out().lines().anyMatch(l -> l.contains("layer 1/2") && l.contains("already unpacked (shared)")), cwb.out());
        assertEquals(3, names(home.resolve("layers")).size(), "two images, three distinct layers");
    }

    @Test
    void aCorruptLayerLeavesNothingInTheCache() throws IOException {
        Image demo = cwb.workbench().images().image("demo");
        Path blob = cwb.workbench().images().blobPath(demo.layers().get(1).digest());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 10] ^= 0x55;
        Files.write(blob, bytes);
        assertEquals(5, cwb.run("unpack", "demo"));
        assertTrue(cwb.err().contains("layer 2 of demo:latest"), cwb.err());
        assertEquals(1, cwb.err().lines().count(), cwb.err());
        List<String> left = names(home.resolve("layers"));
        assertFalse(left.contains(demo.config().diffIds().get(1).encoded()), left.toString());
        assertTrue(left.stream().noneMatch(n -> n.startsWith(".tmp")), left.toString());
        cwb.reset();
        Path rootfs = work.resolve("flat");
        assertEquals(5, cwb.run("unpack", "--flat", "demo", rootfs.toString()));
        assertEquals(List.of(), names(work), "nothing half-written beside the target");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
