package dev.cwb.samples;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class LayerTarTest {
    private static List<LayerEntry> entries() {
        List<LayerEntry> list = new ArrayList<>(List.of(
                LayerEntry.file("usr/bin/tool", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8)),
                LayerEntry.directory("usr", 0755),
                LayerEntry.symlink("bin/sh", "busybox"),
                LayerEntry.directory("tmp", 01777),
                LayerEntry.directory("usr/bin", 0755),
                LayerEntry.directory("bin", 0755),
                LayerEntry.file("usr-local-note", 0644, "x".getBytes(StandardCharsets.UTF_8))));
        return list;
    }

    @Test
    void theSameEntriesInAnyOrderGiveTheSameBytesAndDigests() {
        List<LayerEntry> shuffled = entries();
        Collections.reverse(shuffled);
        LayerTar a = LayerTar.write(entries(), 0);
        LayerTar b = LayerTar.write(shuffled, 0);
        assertArrayEquals(a.tar(), b.tar());
        assertArrayEquals(a.gzip(), b.gzip());
        assertEquals(a.diffId(), b.diffId());
        assertNotEquals(a.diffId(), LayerTar.write(entries(), 1_700_000_000L).diffId(), "the timestamp is part of the bytes");
    }

    @Test
    void entriesAreSortedParentsFirstOwnedByRootAndDatedEpoch() throws IOException {
        LayerTar layer = LayerTar.write(entries(), 1_700_000_000L);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer.gzip())))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                names.add(e.getName());
                assertEquals(0, e.getLongUserId());
                assertEquals(0, e.getLongGroupId());
                assertEquals("root", e.getUserName());
                assertEquals(1_700_000_000L, e.getModTime().getTime() / 1000);
                if (e.getName().equals("tmp/")) {
                    assertEquals(01777, e.getMode() & 07777, "the sticky bit survives");
                }
                if (e.getName().equals("bin/sh")) {
                    assertEquals("busybox", e.getLinkName());
                }
            }
        }
        assertEquals(List.of("bin/", "bin/sh", "tmp/", "usr/", "usr/bin/", "usr/bin/tool", "usr-local-note"), names);
    }

    @Test
    void theDiffIdIsTheSha256OfTheUncompressedTar() throws IOException {
        LayerTar layer = LayerTar.write(entries(), 0);
        byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(layer.gzip())).readAllBytes();
        assertArrayEquals(layer.tar(), unzipped);
        assertEquals(dev.cwb.image.Digest.sha256(unzipped), layer.diffId());
        assertNotEquals(dev.cwb.image.Digest.sha256(layer.gzip()), layer.diffId());
    }
}
