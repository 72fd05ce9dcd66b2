package dev.cwb.image;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageStoreTest {
    @TempDir
    Path dir;

    private ImageStore store() {
        return ImageStore.open(dir.resolve("images"));
    }

    private static TestImages twoLayers() {
        return new TestImages()
                .layer("ADD base", new TestImages.Layer().dir("etc").file("etc/hostname", "box\n"))
                .layer("RUN echo hi > /hi", new TestImages.Layer().file("hi", "hi\n"))
                .emptyStep("CMD [\"sh\"]");
    }

    @Test
    void createsAnOciLayout() throws IOException {
        ImageStore store = store();
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(store.root().resolve("oci-layout")));
        assertTrue(Files.isDirectory(store.root().resolve("blobs/sha256")));
        assertEquals(List.of(), store.index().manifests());
    }

    @Test
    void storesFindsAndReadsAnImageByNameAndId() {
        ImageStore store = store();
        twoLayers().store(store, "demo:1");
        Image image = store.image("demo:1");
        assertEquals("docker.io/library/demo:1", image.reference().toString());
        assertEquals(2, image.layers().size());
        assertEquals(image.id(), store.image(image.id().encoded().substring(0, 8)).id());
        assertEquals(image.id(), store.image("docker.io/library/demo:1").id());
        assertEquals(image.id(), store.image("demo@" + image.manifestDescriptor().digest()).id(), "name@digest finds the manifest");
        String ref = store.index().manifests().get(0).annotation(Descriptor.REF_NAME);
        assertEquals("docker.io/library/demo:1", ref);
    }

    @Test
    void unknownImageIsNamedWithAHint() {
        ImageStore store = store();
        CwbException e = assertThrows(CwbException.class, () -> store.image("nope"));
        assertEquals("no such image 'nope'", e.getMessage());
        assertTrue(e.hint().contains("load"), e.hint());
    }

    @Test
    void corruptBlobIsRefusedAndNamed() throws IOException {
        ImageStore store = store();
        twoLayers().store(store, "demo");
        Image image = store.image("demo");
        Path configBlob = store.blobPath(image.id());
        byte[] bytes = Files.readAllBytes(configBlob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(configBlob, bytes);
        CwbException e = assertThrows(CwbException.class, () -> store.image("demo"));
        assertTrue(e.getMessage().contains(image.id().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not match its digest"), e.getMessage());
    }

    @Test
    void malformedIndexJsonNamesTheFile() throws IOException {
        ImageStore store = store();
        Files.writeString(store.root().resolve("index.json"), "{\"manifests\": [");
        CwbException e = assertThrows(CwbException.class, store::list);
        assertTrue(e.getMessage().contains(store.root().resolve("index.json").toString()), e.getMessage());
    }

    @Test
    void rolledBackTransactionLeavesNothing() throws IOException {
        ImageStore store = store();
        byte[] indexBefore = Files.readAllBytes(store.root().resolve("index.json"));
        byte[] data = "some layer".getBytes(StandardCharsets.UTF_8);
        CwbException e = assertThrows(CwbException.class, () -> {
            try (StoreTransaction tx = store.begin()) {
                tx.putBlob(MediaTypes.OCI_LAYER, data, "layer a");
                tx.putBlob(MediaTypes.OCI_LAYER, new ByteArrayInputStream(data), Digest.sha256("other".getBytes(StandardCharsets.UTF_8)), data.length, "layer b");
            }
        });
        assertTrue(e.getMessage().startsWith("layer b does not match its digest"), e.getMessage());
        assertArrayEquals(indexBefore, Files.readAllBytes(store.root().resolve("index.json")));
        assertEquals(0, count(store.root().resolve("blobs/sha256")));
        assertEquals(0, count(store.root().resolve("ingest")));
    }

    @Test
    void removingAnImageKeepsBlobsSharedWithAnother() {
        ImageStore store = store();
        TestImages.Layer base = new TestImages.Layer().file("base", "b\n");
        byte[] baseTar = base.tarBytes();
        new TestImages().layer("base", baseTar).store(store, "one");
        new TestImages().layer("base", baseTar).layer("more", new TestImages.Layer().file("more", "m\n")).store(store, "two");
        Image one = store.image("one");
        Image two = store.image("two");
        ImageStore.Removal removal = store.remove("two", false);
        assertEquals(List.of(Reference.parse("two")), removal.untagged());
        assertTrue(store.hasBlob(one.layers().get(0).digest()), "the shared base layer stays");
        assertFalse(store.hasBlob(two.layers().get(1).digest()), "the layer only 'two' used is gone");
        assertFalse(store.hasBlob(two.manifestDescriptor().digest()));
        assertEquals(1, store.list().size());
    }

    @Test
    void removingByIdWithSeveralTagsNeedsForce() {
        ImageStore store = store();
        Descriptor m = twoLayers().store(store, "a");
        try (StoreTransaction tx = store.begin()) {
            tx.tag(Reference.parse("b"), m);
            tx.commit();
        }
        String id = store.image("a").id().shortId();
        CwbException e = assertThrows(CwbException.class, () -> store.remove(id, false));
        assertTrue(e.getMessage().contains("tagged 2 times"), e.getMessage());
        assertEquals(2, store.remove(id, true).untagged().size());
        assertEquals(0, store.list().size());
    }

    private static long count(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
