package dev.cwb.layer;

import com.github.luben.zstd.ZstdOutputStream;
import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;
import dev.cwb.image.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged layers, as a broken download or a buggy tool leaves them: each must stop {@code unpack} with one
 * {@code error:} line naming the layer, and leave nothing behind — no half-unpacked layer in the cache
 * (neither a {@code .tmp-*} directory nor a directory for that diff_id) and no half-built flat tree.
 * The blobs are stored with their true digests, so only decompression, tar parsing or the diff_id check
 * can notice.
 */
class UnpackBadInputTest {
    private static final String NAME = "bad/layer:latest";

    @TempDir
    Path tmp;
    CommandHarness cwb;
    byte[] goodTar;

    /** A way a layer blob can be broken, and a word the error should contain so the learner knows which. */
    enum Damage {
        TRUNCATED_GZIP("ZLIB|EOF|end of|truncated"),
        CORRUPT_ZSTD("zstd|Zstd|Corrupted|Unknown frame|data"),
        DIFF_ID_MISMATCH("diff_id"),
        TAR_HEADER_CHECKSUM("header|checksum");

        final String expected;

        Damage(String expected) {
            this.expected = expected;
        }
    }

    @BeforeEach
    void setUp() {
        cwb = new CommandHarness(tmp.resolve("home"));
        byte[] noise = new byte[300_000];
        new Random(7).nextBytes(noise);
        TestImages.Layer layer = new TestImages.Layer().dir("data").file("data/small", "hello\n");
        layer.file("data/noise", new String(noise, java.nio.charset.StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 50; i++) {
            layer.file("data/f" + i, "file " + i + "\n");
        }
        goodTar = layer.tarBytes();
    }

    /** Stores a two-layer image whose second layer is damaged as {@code damage} says; returns the bad layer's diff_id. */
    private Digest storeWithBadTopLayer(Damage damage) {
        byte[] base = new TestImages.Layer().dir("etc").file("etc/hostname", "base\n").tarBytes();
        byte[] blob;
        String mediaType = MediaTypes.OCI_LAYER_GZIP;
        Digest diffId = Digest.sha256(goodTar);
        switch (damage) {
            case TRUNCATED_GZIP -> {
                byte[] gz = TestImages.gzip(goodTar);
                blob = Arrays.copyOf(gz, gz.length / 2);
            }
            case CORRUPT_ZSTD -> {
                blob = zstdWithChecksum(goodTar);
                for (int i = blob.length / 2; i < blob.length / 2 + 64; i++) {
                    blob[i] ^= (byte) 0x5a;
                }
                mediaType = MediaTypes.OCI_LAYER_ZSTD;
            }
            case DIFF_ID_MISMATCH -> {
                blob = TestImages.gzip(goodTar);
                diffId = Digest.sha256("some other layer".getBytes());
            }
            case TAR_HEADER_CHECKSUM -> {
                byte[] tar = goodTar.clone();
                // The second header (after the "data/" directory header) is at 512: change a byte of its name.
                assertEquals('d', tar[512], "the test expects the second entry's header at offset 512");
                tar[512 + 3] ^= 0x01;
                blob = TestImages.gzip(tar);
                diffId = Digest.sha256(tar); // the diff_id agrees: only the tar reader can notice
            }
            default -> throw new IllegalStateException();
        }
        ImageStore store = cwb.workbench().images();
        try (StoreTransaction tx = store.begin()) {
            Descriptor l1 = tx.putBlob(MediaTypes.OCI_LAYER_GZIP, TestImages.gzip(base), "layer");
            Descriptor l2 = tx.putBlob(mediaType, blob, "layer");
            ImageConfig config = new ImageConfig("2024-01-02T00:00:00Z", null, Platform.host().architecture(), "linux", null,
                    new ImageConfig.RunConfig(null, List.of("PATH=/bin"), null, List.of("sh"), null, null, null, null, null),
                    new ImageConfig.RootFs("layers", List.of(Digest.sha256(base), diffId)),
                    List.of(new ImageConfig.History("2024-01-01T00:00:00Z", "base", null, null, false),
                            new ImageConfig.History("2024-01-01T00:00:00Z", "damaged", null, null, false)));
            Descriptor c = tx.putBlob(MediaTypes.OCI_CONFIG, Json.bytes(config), "config");
            Descriptor m = tx.putBlob(MediaTypes.OCI_MANIFEST, Json.bytes(new Manifest(2, MediaTypes.OCI_MANIFEST, c, List.of(l1, l2), null)), "manifest");
            tx.tag(Reference.parse(NAME), m);
            tx.commit();
        }
        return diffId;
    }

    /** As the zstd program writes frames: with a content checksum (RFC 8878 section 3.1.1), so damage is detected. */
    private static byte[] zstdWithChecksum(byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.setChecksum(true);
            z.write(data);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void assertOneErrorLineNamingLayer2(Damage damage) {
        String err = cwb.err();
        assertTrue(err.startsWith("error: "), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains("layer 2 of bad/layer"), "names the layer: " + err);
        assertTrue(Stream.of(damage.expected.split("\\|")).anyMatch(err::contains), "says what is wrong (" + damage.expected + "): " + err);
        assertFalse(err.contains("internal error"), err);
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void layerCacheRefusesTheLayerAndKeepsNothingOfIt(Damage damage) throws IOException {
        Digest badDiffId = storeWithBadTopLayer(damage);
        int exit = cwb.run("unpack", NAME);
        assertEquals(5, exit, "exit code for corrupt input; err: " + cwb.err());
        assertOneErrorLineNamingLayer2(damage);
        Path layers = cwb.workbench().home().layers();
        assertFalse(Files.exists(layers.resolve(badDiffId.encoded())), "no cache entry for the bad layer");
        if (Files.isDirectory(layers)) {
            try (Stream<Path> s = Files.list(layers)) {
                List<String> names = s.map(p -> p.getFileName().toString()).toList();
                assertTrue(names.stream().noneMatch(n -> n.startsWith(".tmp-")), "half-unpacked layers left: " + names);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void flatUnpackRefusesTheImageAndWritesNothing(Damage damage) throws IOException {
        storeWithBadTopLayer(damage);
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path target = work.resolve("rootfs");
        int exit = cwb.run("unpack", "--flat", NAME, target.toString());
        assertEquals(5, exit, "exit code for corrupt input; err: " + cwb.err());
        assertOneErrorLineNamingLayer2(damage);
        try (Stream<Path> s = Files.list(work)) {
            assertEquals(List.of(), s.toList(), "nothing written beside the target either");
        }
    }
}
