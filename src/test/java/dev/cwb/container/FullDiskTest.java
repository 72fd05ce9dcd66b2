package dev.cwb.container;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.ImageStore;
import dev.cwb.image.TestImages;
import dev.cwb.testing.Requirements;
import dev.cwb.testing.TinyRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code CWB_HOME} on a small tmpfs that fills up: {@code load}, {@code pull} and {@code unpack} say "no space
 * left on device" with the file system, its free space and what was needed — never that the image is damaged —
 * and leave nothing half-written; a container whose own write fills it gets ENOSPC itself, and the workbench
 * blames nobody.
 */
@Timeout(120)
class FullDiskTest {
    @TempDir
    Path tmp;
    Path mount;

    @BeforeEach
    void aSmallTmpfs() throws Exception {
        Requirements.requireRoot();
        mount = Files.createDirectory(tmp.resolve("small"));
    }

    private void mountTmpfs(String size) throws Exception {
        sh("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "cwb-test-full", mount.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null && dev.cwb.kernel.MountInfo.isMountPoint(mount)) {
            // lazily: the session keeps run/cwb-init open (InitBinary), so the tmpfs goes when that descriptor does
            sh("umount", "--lazy", mount.toString());
            assertFalse(dev.cwb.kernel.MountInfo.isMountPoint(mount), "the tmpfs is out of the mount table");
        }
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    /** An image in a layout directory on the real disk: one file of {@code bytes}, random (incompressible) or zeros. */
    private Path image(String ref, int bytes, boolean random) {
        byte[] data = new byte[bytes];
        if (random) {
            new Random(11).nextBytes(data);
        }
        Path layout = tmp.resolve("source-" + ref.replaceAll("[^a-z]", ""));
        new TestImages().layer("ADD data /", new TestImages.Layer().file("data", new String(data, StandardCharsets.ISO_8859_1)))
                .store(ImageStore.open(layout), ref);
        return layout;
    }

    /** What a learner must read: the cause, the file system, its free space, what was needed — and no blame. */
    private void assertSaysNoSpace(CommandHarness cwb, int code) {
        String err = cwb.err();
        assertEquals(6, code, err);
        assertTrue(err.contains("no space left on device: "), err);
        assertTrue(err.contains("the file system at " + mount + " (tmpfs) has "), "names the mount and its free space: " + err);
        assertTrue(err.contains(" needs "), "says what was needed: " + err);
        assertFalse(err.contains("truncated") || err.contains("damaged") || err.contains("malformed"), "the image is not to blame: " + err);
        assertEquals(1, err.lines().filter(l -> l.startsWith("error:")).count(), err);
    }

    private static List<Path> under(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).toList();
        }
    }

    @Test
    void loadOntoAFullDiskSaysSoAndStoresNothing() throws Exception {
        mountTmpfs("600k");
        Path source = image("full/load:v1", 1 << 20, true);
        CommandHarness cwb = new CommandHarness(mount.resolve("home"));
        int code = cwb.run("load", source.toString());
        assertSaysNoSpace(cwb, code);
        Path store = mount.resolve("home/images");
        assertEquals(List.of(), under(store.resolve("ingest")), "no half-stored blob in ingest/");
        assertEquals(List.of(), under(store.resolve("blobs/sha256")), "no blob of the image in the store");
        assertFalse(Files.readString(store.resolve("index.json")).contains("full/load"), "and no image named");
    }

    @Test
    void pullOntoAFullDiskSaysSoAndStoresNothing() throws Exception {
        mountTmpfs("600k");
        Path source = image("full/pull:v1", 1 << 20, true);
        try (TinyRegistry registry = new TinyRegistry(ImageStore.open(source), "full/pull:v1", "full/pull", "v1")) {
            CommandHarness cwb = new CommandHarness(mount.resolve("home"));
            int code = cwb.run("pull", registry.reference());
            assertSaysNoSpace(cwb, code);
            long layerSize = ImageStore.open(source).image("full/pull:v1").layers().get(0).size();
            assertTrue(cwb.err().contains(" needs " + dev.cwb.view.Sizes.human(layerSize) + ";"),
                    "the layer's size is what was needed (" + layerSize + " bytes): " + cwb.err());
            Path store = mount.resolve("home/images");
            assertEquals(List.of(), under(store.resolve("ingest")), "no half-downloaded blob in ingest/");
            assertEquals(List.of(), under(store.resolve("blobs/sha256")), "no blob of the image in the store");
        }
    }

    @Test
    void unpackOntoAFullDiskSaysSoAndLeavesNoHalfLayer() throws Exception {
        mountTmpfs("1m");
        Path source = image("full/unpack:v1", 3 << 20, false); // 3 MiB of zeros: a blob of a few kB
        CommandHarness cwb = new CommandHarness(mount.resolve("home"));
        assertEquals(0, cwb.run("load", source.toString()), cwb.err());

        cwb.reset();
        assertSaysNoSpace(cwb, cwb.run("unpack", "full/unpack:v1"));
        assertTrue(cwb.err().contains("needs 3.15MB"), "the layer's files need 3 MiB: " + cwb.err());
        assertEquals(List.of(), under(mount.resolve("home/layers")), "no layers/.tmp-* left, no layer half there");

        cwb.reset();
        Path flat = mount.resolve("flat");
        assertSaysNoSpace(cwb, cwb.run("unpack", "--flat", "full/unpack:v1", flat.toString()));
        assertTrue(cwb.err().contains("nothing was written to " + flat), cwb.err());
        try (Stream<Path> s = Files.list(mount)) {
            assertEquals(List.of(mount.resolve("home")), s.toList(), "neither the target nor its hidden work directory is left");
        }
    }

    @Test
    void aContainerThatFillsTheDiskGetsEnospcItselfAndTheImageIsNotBlamed() throws Exception {
        mountTmpfs("16m");
        ContainerBench bench = ContainerBench.open(mount.resolve("home"));
        try {
            ContainerBench.Result r = bench.run("run", "--name", bench.name("fill"), "busybox", "sh", "-c",
                    "dd if=/dev/zero of=/big bs=64k 2>&1; echo dd exited $?");
            assertTrue(r.out().contains("No space left on device") && r.out().contains("dd exited 1"),
                    "the container's own write got ENOSPC: " + r);
            assertEquals(0, r.code(), "the command's status is the run's: " + r);
            assertFalse(r.err().contains("error:") || r.err().contains("damaged") || r.err().contains("truncated"), r.toString());
            assertFalse(Files.exists(bench.workspace(bench.name("fill"))), "the container was removed, its upper layer with it");
        } finally {
            bench.close();
        }
    }
}
