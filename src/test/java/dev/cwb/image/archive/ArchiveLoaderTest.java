package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveLoaderTest {
    @TempDir
    Path tmp;
    ImageStore store;
    ArchiveLoader loader;
    ImageFixture image;

    @BeforeEach
    void setUp() throws IOException {
        store = ImageStore.open(tmp.resolve("store"));
        loader = new ArchiveLoader(store);
        image = ImageFixture.twoLayers();
    }

    private LoadResult load(Path path, String name) {
        return loader.load(path, name, LoadListener.NONE);
    }

    /** Asserts the image is in the store under {@code name} with the fixture's config and layers. */
    private Image assertStored(String name) {
        Image stored = store.image(name);
        assertEquals(image.configDigest, stored.id());
        assertEquals(image.diffIds, stored.config().diffIds());
        assertEquals(image.layerTars.size(), stored.layers().size());
        for (Descriptor layer : stored.layers()) {
            assertTrue(store.hasBlob(layer.digest()), "layer blob stored: " + layer.digest());
        }
        return stored;
    }

    /** Runs a load that must fail and checks the store is exactly as before; returns the error. */
    private CwbException assertRefused(Executable load) throws IOException {
        StoreSnapshot before = StoreSnapshot.of(store);
        CwbException e = assertThrows(CwbException.class, load::execute);
        assertEquals(before, StoreSnapshot.of(store), "a failed load must leave the store unchanged");
        return e;
    }

    @FunctionalInterface
    interface Executable {
        void execute() throws Throwable;
    }

    @Test
    void ociLayoutDirectoryWithBareTagTakesTheRepositoryFromName() throws IOException {
        Path dir = ImageFixture.writeDirectory(tmp.resolve("layout"), image.ociLayoutFiles("1.0"));
        LoadResult result = load(dir, "myapp");
        assertEquals(ArchiveFormat.OCI_LAYOUT_DIRECTORY, result.format());
        assertEquals(List.of(Reference.parse("myapp:1.0")), result.images().stream().map(LoadResult.Loaded::reference).toList());
        Image stored = assertStored("myapp:1.0");
        assertEquals(image.manifestDigest, stored.manifestDescriptor().digest(), "the original manifest is kept, not rebuilt");
        assertTrue(result.notes().isEmpty());
    }

    @Test
    void bareTagWithoutNameIsNamedAfterTheFileAndSaysSo() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("My_Image.tar"), image.ociLayoutFiles("latest"));
        LoadResult result = load(tar, null);
        assertEquals(ArchiveFormat.OCI_ARCHIVE, result.format());
        assertEquals("my_image:latest", result.images().get(0).reference().familiar());
        assertTrue(result.notes().get(0).contains("named it my_image:latest after the file name"), result.notes().toString());
        assertStored("my_image:latest");
    }

    @Test
    void fullReferenceInRefNameIsUsedAsIs() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("x.tar"), image.ociLayoutFiles("registry.example.com/team/app:2"));
        load(tar, "ignored");
        assertStored("registry.example.com/team/app:2");
    }

    @Test
    void gzipCompressedOciArchiveIsRecognisedByContent() throws IOException {
        Path plain = ImageFixture.writeTar(tmp.resolve("plain.tar"), image.ociLayoutFiles("v1"));
        Path gz = tmp.resolve("archive.bin");
        Files.write(gz, ImageFixture.gzip(Files.readAllBytes(plain)));
        LoadResult result = load(gz, "demo");
        assertEquals(ArchiveFormat.OCI_ARCHIVE, result.format());
        assertStored("demo:v1");
    }

    @Test
    void untaggedOciArchiveNeedsAName() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("anon.tar"), image.ociLayoutFiles(null));
        CwbException e = assertRefused(() -> load(tar, null));
        assertTrue(e.getMessage().contains("has no name") && e.hint().contains("--name"), e.oneLine());
        load(tar, "named:3");
        assertStored("named:3");
    }

    @Test
    void legacyDockerSaveBuildsAnOciManifestWithUncompressedLayers() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("docker.tar"), image.dockerSaveFiles("busybox:musl"));
        LoadResult result = load(tar, null);
        assertEquals(ArchiveFormat.DOCKER_ARCHIVE, result.format());
        Image stored = assertStored("busybox:musl");
        assertEquals(MediaTypes.OCI_MANIFEST, stored.manifestDescriptor().mediaType());
        for (int i = 0; i < stored.layers().size(); i++) {
            Descriptor layer = stored.layers().get(i);
            assertEquals(MediaTypes.OCI_LAYER, layer.mediaType());
            assertEquals(image.diffIds.get(i), layer.digest(), "an uncompressed layer's digest is its diff_id");
        }
    }

    @Test
    void skopeoStyleDockerArchiveFollowsLayerSymlinks() throws IOException {
        // skopeo's docker-archive: HEX.tar files, and ID/layer.tar symlinks to them for old readers
        Map<String, byte[]> files = new LinkedHashMap<>();
        Map<String, String> links = new LinkedHashMap<>();
        List<String> layers = new java.util.ArrayList<>();
        for (int i = 0; i < image.layerTars.size(); i++) {
            String hex = image.diffIds.get(i).encoded();
            files.put(hex + ".tar", image.layerTars.get(i));
            links.put("legacy" + i + "/layer.tar", "../" + hex + ".tar");
            layers.add("legacy" + i + "/layer.tar");
        }
        files.put(image.configDigest.encoded() + ".json", image.config);
        files.put("manifest.json", Json.bytes(List.of(new DockerManifestEntry(image.configDigest.encoded() + ".json",
                List.of("docker.io/demo/app:v1"), layers))));
        Path tar = ImageFixture.writeTar(tmp.resolve("skopeo.tar"), files, links);
        load(tar, null);
        assertStored("demo/app:v1");
    }

    @Test
    void combinedDockerAndOciTarIsLoadedThroughIndexJsonKeepingTheManifest() throws IOException {
        Map<String, byte[]> files = image.ociLayoutFiles("latest");
        List<String> layers = image.layerBlobs.stream().map(b -> "blobs/sha256/" + Digest.sha256(b).encoded()).toList();
        files.put("manifest.json", Json.bytes(List.of(new DockerManifestEntry("blobs/sha256/" + image.configDigest.encoded(),
                List.of("tools/kit:9"), layers))));
        Path tar = ImageFixture.writeTar(tmp.resolve("combined.tar"), files);
        LoadResult result = load(tar, null);
        assertEquals(ArchiveFormat.DOCKER_AND_OCI_ARCHIVE, result.format());
        Image stored = assertStored("tools/kit:9");
        assertEquals(image.manifestDigest, stored.manifestDescriptor().digest());
        assertTrue(result.notes().isEmpty(), "RepoTags named the bare tag; nothing was guessed: " + result.notes());
    }

    @Test
    void multiPlatformIndexIsStoredWholeAndMissingPlatformsAreNoted() throws IOException {
        ImageFixture arm = new ImageFixture("arm64", "arm layer\n");
        Descriptor absent = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("not here".getBytes(StandardCharsets.UTF_8)), 8,
                null, new Platform("s390x", "linux", null), null);
        byte[] nested = Json.bytes(ImageIndex.of(List.of(image.manifestDescriptor(null), arm.manifestDescriptor(null), absent)));
        Digest nestedDigest = Digest.sha256(nested);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (ImageFixture f : List.of(image, arm)) {
            f.blobs().forEach((d, b) -> files.put("blobs/sha256/" + d.encoded(), b));
        }
        files.put("blobs/sha256/" + nestedDigest.encoded(), nested);
        files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        files.put("index.json", Json.bytes(ImageIndex.of(List.of(new Descriptor(MediaTypes.OCI_INDEX, nestedDigest, nested.length,
                Map.of(Descriptor.REF_NAME, "multi"), null, null)))));
        LoadResult result = load(ImageFixture.writeTar(tmp.resolve("multi.tar"), files), "many");
        assertEquals(nestedDigest, result.images().get(0).descriptor().digest(), "the index itself is tagged");
        assertEquals(MediaTypes.OCI_INDEX, store.find("many:multi").descriptor().mediaType());
        assertTrue(store.hasBlob(arm.configDigest) && store.hasBlob(image.configDigest), "both platforms stored");
        assertTrue(result.notes().get(0).contains("linux/s390x"), result.notes().toString());
    }

    @Test
    void corruptLayerIsRefusedNamingTheBlobAndTheStoreIsUnchanged() throws IOException {
        load(ImageFixture.writeTar(tmp.resolve("first.tar"), image.ociLayoutFiles("ok")), "before");
        Map<String, byte[]> files = new ImageFixture("amd64", "other one\n", "other two\n").ociLayoutFiles("bad");
        String layerName = files.keySet().stream().filter(n -> n.startsWith("blobs/")).findFirst().orElseThrow();
        byte[] damaged = files.get(layerName).clone();
        damaged[damaged.length / 2] ^= 0x55; // same size, different bytes
        files.put(layerName, damaged);
        Path tar = ImageFixture.writeTar(tmp.resolve("corrupt.tar"), files);
        CwbException e = assertRefused(() -> load(tar, "after"));
        String digest = "sha256:" + layerName.substring("blobs/sha256/".length());
        assertTrue(e.getMessage().contains(digest), e.getMessage());
        assertEquals(CwbException.CORRUPT, e.exitCode());
    }

    @Test
    void dockerLayerThatDoesNotMatchItsDiffIdIsRefused() throws IOException {
        Map<String, byte[]> files = image.dockerSaveFiles("x:1");
        String layer = files.keySet().stream().filter(n -> n.endsWith("/layer.tar")).reduce((a, b) -> b).orElseThrow();
        byte[] damaged = files.get(layer).clone();
        damaged[100] ^= 1;
        files.put(layer, damaged);
        CwbException e = assertRefused(() -> load(ImageFixture.writeTar(tmp.resolve("d.tar"), files), null));
        assertTrue(e.getMessage().contains(image.diffIds.get(1).toString()), e.getMessage());
    }

    @Test
    void configNamedByDigestMustHashToIt() throws IOException {
        Map<String, byte[]> files = image.dockerSaveFiles("x:1");
        files.put(image.configDigest.encoded() + ".json", new String(image.config, StandardCharsets.UTF_8)
                .replace("/bin/sh", "/bin/ls").getBytes(StandardCharsets.UTF_8));
        CwbException e = assertRefused(() -> load(ImageFixture.writeTar(tmp.resolve("d.tar"), files), null));
        assertTrue(e.getMessage().contains("does not match its digest " + image.configDigest), e.getMessage());
    }

    @Test
    void malformedManifestJsonIsNamed() throws IOException {
        Map<String, byte[]> files = image.dockerSaveFiles("x:1");
        files.put("manifest.json", "[{\"Config\": \"abc.json\", ".getBytes(StandardCharsets.UTF_8));
        Path tar = ImageFixture.writeTar(tmp.resolve("broken.tar"), files);
        CwbException e = assertRefused(() -> load(tar, null));
        assertTrue(e.getMessage().startsWith("malformed JSON in manifest.json in " + tar), e.getMessage());
    }

    @Test
    void malformedIndexJsonIsNamed() throws IOException {
        Map<String, byte[]> files = image.ociLayoutFiles("1");
        files.put("index.json", "{\"manifests\": [1, 2".getBytes(StandardCharsets.UTF_8));
        Path dir = ImageFixture.writeDirectory(tmp.resolve("layout"), files);
        CwbException e = assertRefused(() -> load(dir, "x"));
        assertTrue(e.getMessage().startsWith("malformed JSON in index.json in " + dir), e.getMessage());
    }

    @Test
    void missingBlobIsNamed() throws IOException {
        Map<String, byte[]> files = image.ociLayoutFiles("1");
        String config = "blobs/sha256/" + image.configDigest.encoded();
        files.remove(config);
        CwbException e = assertRefused(() -> load(ImageFixture.writeTar(tmp.resolve("m.tar"), files), "x"));
        assertTrue(e.getMessage().contains(image.configDigest + ") is referenced but missing"), e.getMessage());
    }

    @Test
    void aTarThatIsNoImageArchiveGetsOneClearError() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("photos.tar"), Map.of("holiday.jpg", new byte[]{1, 2, 3}));
        CwbException e = assertRefused(() -> load(tar, null));
        assertEquals(tar + " is a tar, but neither a 'docker save' archive (no manifest.json) nor an OCI archive"
                + " (no oci-layout or index.json)", e.getMessage());
    }

    @Test
    void aFileThatIsNoTarIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "just some text\n".repeat(100));
        CwbException e = assertRefused(() -> load(file, null));
        assertTrue(e.getMessage().contains("is not a tar archive"), e.getMessage());
    }

    @Test
    void traversalEntryNamesAreRefused() throws IOException {
        for (String evil : List.of("../escape.txt", "/etc/cwb-escape")) {
            Map<String, byte[]> files = image.ociLayoutFiles("1");
            files.put(evil, "pwned".getBytes(StandardCharsets.UTF_8));
            Path tar = ImageFixture.writeTar(tmp.resolve("evil.tar"), files);
            CwbException e = assertRefused(() -> load(tar, "x"));
            assertTrue(e.getMessage().startsWith("unsafe name '" + evil + "'"), e.getMessage());
        }
        assertTrue(Files.notExists(tmp.resolve("escape.txt")) && Files.notExists(Path.of("/etc/cwb-escape")));
    }

    @Test
    void manifestJsonCannotPointOutsideTheArchive() throws IOException {
        Map<String, byte[]> files = image.dockerSaveFiles("x:1");
        files.put("manifest.json", Json.bytes(List.of(new DockerManifestEntry(image.configDigest.encoded() + ".json",
                List.of("x:1"), List.of("../../etc/passwd", "a/../../b")))));
        CwbException e = assertRefused(() -> load(ImageFixture.writeTar(tmp.resolve("t.tar"), files), null));
        assertTrue(e.getMessage().startsWith("unsafe name '../../etc/passwd' in manifest.json"), e.getMessage());
    }

    @Test
    void symlinkLeadingOutOfTheArchiveIsNotFollowed() throws IOException {
        Map<String, byte[]> files = image.dockerSaveFiles("x:1");
        String layer = files.keySet().stream().filter(n -> n.endsWith("/layer.tar")).findFirst().orElseThrow();
        files.remove(layer);
        Path tar = ImageFixture.writeTar(tmp.resolve("link.tar"), files, Map.of(layer, "../../../etc/passwd"));
        CwbException e = assertRefused(() -> load(tar, null));
        assertTrue(e.getMessage().contains("points outside the archive"), e.getMessage());
    }

    @Test
    void aLoadInterruptedMidwayStopsAndLeavesTheStoreUnchanged() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("i.tar"), image.ociLayoutFiles("1"));
        LoadListener ctrlC = new LoadListener() {
            @Override
            public void blobStored(int number, int total, Descriptor blob, String what) {
                Thread.currentThread().interrupt(); // what the shell does on Ctrl-C, after the first layer is in
            }
        };
        try {
            CwbException e = assertRefused(() -> loader.load(tar, "x", ctrlC));
            assertEquals(InterruptibleInputStream.INTERRUPTED_EXIT, e.exitCode());
            assertFalse(Thread.currentThread().isInterrupted(), "the interruption was consumed by the abort");
            load(tar, "x");
            assertStored("x:1");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void progressIsReportedPerStreamedBlob() throws IOException {
        Path tar = ImageFixture.writeTar(tmp.resolve("p.tar"), image.ociLayoutFiles("1"));
        List<String> events = new java.util.ArrayList<>();
        loader.load(tar, "x", new LoadListener() {
            @Override
            public void planned(int blobs, long bytes) {
                events.add("planned " + blobs + " " + bytes);
            }

            @Override
            public void blobStored(int number, int total, Descriptor blob, String what) {
                events.add(number + "/" + total + " " + blob.digest());
            }
        });
        long layerBytes = image.layerBlobs.stream().mapToLong(b -> b.length).sum();
        assertEquals("planned 2 " + layerBytes, events.get(0));
        assertEquals(3, events.size());
        // the tar lists the top layer first; progress follows the archive's order
        assertEquals("1/2 " + Digest.sha256(image.layerBlobs.get(1)), events.get(1));
    }

}
