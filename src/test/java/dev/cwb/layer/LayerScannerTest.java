package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.Digest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.TestImages;
import dev.cwb.image.VerifyingInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerScannerTest {
    private static final byte[] TAR = new TestImages.Layer().dir("./etc").file("./etc/hostname", "box\n")
            .whiteout("etc/motd").opaque("var").symlink("bin/sh", "busybox").tarBytes();

    private static VerifyingInputStream blob(byte[] bytes) {
        return new VerifyingInputStream(new ByteArrayInputStream(bytes), Digest.sha256(bytes), bytes.length, "test blob");
    }

    @Test
    void listsEntriesWithWhiteoutsDecodedAndChecksBothDigests() {
        byte[] gz = TestImages.gzip(TAR);
        LayerScanner.ScannedLayer s = LayerScanner.scan(blob(gz), MediaTypes.OCI_LAYER_GZIP, Digest.sha256(TAR), "layer 1");
        assertEquals(TAR.length, s.uncompressedSize());
        assertEquals(Digest.sha256(TAR), s.diffId());
        assertEquals(List.of(
                new LayerEntry("etc", LayerEntry.Kind.DIRECTORY, 0),
                new LayerEntry("etc/hostname", LayerEntry.Kind.FILE, 4),
                new LayerEntry("etc/motd", LayerEntry.Kind.WHITEOUT, 0),
                new LayerEntry("var", LayerEntry.Kind.OPAQUE, 0),
                new LayerEntry("bin/sh", LayerEntry.Kind.SYMLINK, 0)), s.entries());
    }

    @Test
    void aHugeLongNameOrPaxHeaderIsRefusedBeforeItIsRead() {
        for (byte type : new byte[] {'L', 'x'}) {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry header =
                    new org.apache.commons.compress.archivers.tar.TarArchiveEntry("././@LongLink", type);
            header.setSize(1_500_000_000L); // would be read into memory whole
            byte[] tar = new byte[512 * 4];
            header.writeEntryHeader(tar);
            CwbException e = assertThrows(CwbException.class,
                    () -> LayerScanner.scan(blob(tar), MediaTypes.OCI_LAYER, Digest.sha256(tar), "layer 1"));
            assertTrue(e.getMessage().contains("claims 1500000000 bytes"), e.getMessage());
        }
    }

    @Test
    void zstdLayersAreReadAndVerified() throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out)) {
            z.write(TAR);
        }
        LayerScanner.ScannedLayer s = LayerScanner.scan(blob(out.toByteArray()), MediaTypes.OCI_LAYER_ZSTD, Digest.sha256(TAR), "layer 1");
        assertEquals(Digest.sha256(TAR), s.diffId());
        assertEquals(5, s.entries().size());
    }

    @Test
    void uncompressedLayerUnderAGzipMediaTypeIsStillRead() {
        LayerScanner.ScannedLayer s = LayerScanner.scan(blob(TAR), MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256(TAR), "layer 1");
        assertEquals(5, s.entries().size());
    }

    @Test
    void diffIdMismatchIsAnErrorNamingTheLayer() {
        Digest wrong = Digest.sha256(new byte[] {1});
        CwbException e = assertThrows(CwbException.class,
                () -> LayerScanner.scan(blob(TestImages.gzip(TAR)), MediaTypes.OCI_LAYER_GZIP, wrong, "layer 2 of demo"));
        assertTrue(e.getMessage().startsWith("layer 2 of demo") && e.getMessage().contains(wrong.toString()), e.getMessage());
    }

    @Test
    void truncatedGzipIsAnErrorNamingTheLayer() {
        byte[] gz = TestImages.gzip(TAR);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        CwbException e = assertThrows(CwbException.class,
                () -> LayerScanner.scan(blob(cut), MediaTypes.OCI_LAYER_GZIP, Digest.sha256(TAR), "layer 3 of demo"));
        assertTrue(e.getMessage().startsWith("cannot read layer 3 of demo"), e.getMessage());
    }

    @Test
    void invalidWhiteoutNamesTheEntry() {
        byte[] bad = new TestImages.Layer().file("etc/.wh...", "").tarBytes();
        CwbException e = assertThrows(CwbException.class,
                () -> LayerScanner.scan(blob(bad), MediaTypes.OCI_LAYER, Digest.sha256(bad), "layer 1"));
        assertTrue(e.getMessage().contains("invalid whiteout entry 'etc/.wh...'"), e.getMessage());
    }

    @Test
    void cleansHostileNames() {
        assertEquals("etc/passwd", TarPaths.clean("../../etc/passwd"));
        assertEquals("etc/passwd", TarPaths.clean("/etc//./passwd"));
        assertEquals("", TarPaths.clean("./"));
        assertEquals("b", TarPaths.clean("a/../../b"));
    }
}
