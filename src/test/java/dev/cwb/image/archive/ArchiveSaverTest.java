package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveSaverTest {
    @TempDir
    Path tmp;
    ImageStore store;
    ImageFixture image;

    @BeforeEach
    void setUp() throws IOException {
        store = ImageStore.open(tmp.resolve("store"));
        image = ImageFixture.twoLayers();
        Path layout = ImageFixture.writeDirectory(tmp.resolve("layout"), image.ociLayoutFiles("1.0"));
        new ArchiveLoader(store).load(layout, "demo/app", LoadListener.NONE);
    }

    private static Map<String, TarArchiveEntry> entries(Path tar, Map<String, byte[]> contents) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                entries.put(e.getName(), e);
                contents.put(e.getName(), t.readAllBytes());
            }
        }
        return entries;
    }

    @Test
    void saveThenLoadGivesTheSameManifestAndConfig() throws IOException {
        Path file = tmp.resolve("app.tar");
        ArchiveSaver.SaveResult saved = new ArchiveSaver(store).save("demo/app:1.0", file, false);
        assertEquals(4, saved.blobs());

        ImageStore fresh = ImageStore.open(tmp.resolve("fresh"));
        LoadResult result = new ArchiveLoader(fresh).load(file, null, LoadListener.NONE);
        assertEquals(ArchiveFormat.DOCKER_AND_OCI_ARCHIVE, result.format());
        assertTrue(result.notes().isEmpty(), "the saved archive names its image fully: " + result.notes());
        Image original = store.image("demo/app:1.0");
        Image copy = fresh.image("demo/app:1.0");
        assertEquals(original.manifestDescriptor().digest(), copy.manifestDescriptor().digest());
        assertEquals(original.id(), copy.id());
        assertEquals(image.manifestDigest, copy.manifestDescriptor().digest());
    }

    @Test
    void theDockerViewOfTheArchivePointsAtTheSameBlobs() throws IOException {
        Path file = tmp.resolve("app.tar");
        new ArchiveSaver(store).save("demo/app:1.0", file, false);
        Map<String, byte[]> contents = new LinkedHashMap<>();
        entries(file, contents);
        // Keep only what a pre-OCI docker load would look at, and load that.
        Map<String, byte[]> dockerOnly = new LinkedHashMap<>(contents);
        dockerOnly.remove("index.json");
        dockerOnly.remove("oci-layout");
        dockerOnly.keySet().removeIf(n -> n.endsWith("/"));
        Path docker = ImageFixture.writeTar(tmp.resolve("docker-only.tar"), dockerOnly);
        ImageStore fresh = ImageStore.open(tmp.resolve("fresh"));
        LoadResult result = new ArchiveLoader(fresh).load(docker, null, LoadListener.NONE);
        assertEquals(ArchiveFormat.DOCKER_ARCHIVE, result.format());
        Image copy = fresh.image("demo/app:1.0");
        assertEquals(image.configDigest, copy.id());
        List<Digest> layerDigests = copy.layers().stream().map(Descriptor::digest).toList();
        assertEquals(image.layerBlobs.stream().map(Digest::sha256).toList(), layerDigests);
        assertEquals(image.diffIds, copy.config().diffIds());
        String manifestJson = new String(contents.get("manifest.json"), StandardCharsets.UTF_8);
        assertTrue(manifestJson.contains("\"RepoTags\":[\"demo/app:1.0\"]"), manifestJson);
    }

    @Test
    void theArchiveIsDeterministic() throws IOException {
        ArchiveSaver saver = new ArchiveSaver(store);
        saver.save("demo/app:1.0", tmp.resolve("a.tar"), false);
        saver.save("demo/app:1.0", tmp.resolve("b.tar"), false);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a.tar")), Files.readAllBytes(tmp.resolve("b.tar")));
        Map<String, TarArchiveEntry> entries = entries(tmp.resolve("a.tar"), new LinkedHashMap<>());
        assertEquals(List.of("oci-layout", "index.json", "blobs/", "blobs/sha256/"), new ArrayList<>(entries.keySet()).subList(0, 4));
        for (TarArchiveEntry e : entries.values()) {
            assertEquals(0, e.getModTime().getTime(), e.getName());
            assertEquals(0, e.getLongUserId(), e.getName());
            assertEquals(0, e.getLongGroupId(), e.getName());
        }
    }

    @Test
    void anExistingFileIsReplacedOnlyWithForce() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken.tar"), "precious");
        CwbException e = assertThrows(CwbException.class, () -> new ArchiveSaver(store).save("demo/app:1.0", file, false));
        assertTrue(e.getMessage().contains("already exists") && e.hint().contains("--force"), e.oneLine());
        assertEquals("precious", Files.readString(file));
        new ArchiveSaver(store).save("demo/app:1.0", file, true);
        assertTrue(Files.size(file) > 1024);
    }

    @Test
    void aDamagedStoreBlobLeavesNoFileBehind() throws IOException {
        Digest layer = Digest.sha256(image.layerBlobs.get(0));
        byte[] bytes = Files.readAllBytes(store.blobPath(layer));
        bytes[bytes.length / 2] ^= 1;
        Files.write(store.blobPath(layer), bytes);
        Path file = tmp.resolve("out").resolve("app.tar");
        Files.createDirectories(file.getParent());
        CwbException e = assertThrows(CwbException.class, () -> new ArchiveSaver(store).save("demo/app:1.0", file, false));
        assertTrue(e.getMessage().contains(layer.toString()), e.getMessage());
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertEquals(List.of(), left.toList(), "neither the archive nor its temporary file may remain");
        }
        assertFalse(Files.exists(file));
    }
}
