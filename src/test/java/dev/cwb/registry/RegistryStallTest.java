package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.image.TestImages;
import dev.cwb.testing.TinyRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A registry that stops sending in the middle of a layer and keeps the connection open: the pull notices
 * after the stall timeout, resumes with a Range request, and when the registry stays stuck it fails with
 * one line naming the blob and how much of it had arrived, leaving the store as it was. Each test ends by
 * itself: the server's stalled answers are released when it is closed.
 */
@Timeout(60)
class RegistryStallTest {
    /** Larger than the bytes sent before each stall, so a stall always falls inside it. */
    static final int LAYER_BYTES = 3 << 20;

    @TempDir
    Path tmp;
    TinyRegistry registry;
    Descriptor layer;
    byte[] layerBlob;

    @BeforeEach
    void serve() throws Exception {
        byte[] noise = new byte[LAYER_BYTES];
        new Random(7).nextBytes(noise);
        ImageStore source = ImageStore.open(tmp.resolve("source"));
        new TestImages().layer("ADD noise /", new TestImages.Layer().file("noise", new String(noise, java.nio.charset.StandardCharsets.ISO_8859_1)))
                .store(source, "stall/app:v1");
        layer = source.image("stall/app:v1").layers().get(0);
        layerBlob = Files.readAllBytes(source.blobPath(layer.digest()));
        assertTrue(layerBlob.length > (1 << 20) + 4 * (256 << 10), "the layer is larger than what is sent before the stalls");
        registry = new TinyRegistry(source, "stall/app:v1", "stall/app", "v1");
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private CommandHarness home() {
        return new CommandHarness(tmp.resolve("home"));
    }

    @Test
    void aStallOnceIsResumedWithARangeRequest() throws Exception {
        registry.stall = TinyRegistry.Stall.ONCE;
        CommandHarness cwb = home();
        assertEquals(0, cwb.run("pull", "--timeout", "1", "--explain", registry.reference()), cwb.err());
        String out = cwb.out();
        assertTrue(out.contains("the server sent nothing for 1 s; resuming at byte " + registry.firstBytes), out);
        assertEquals(List.of("", "bytes=" + registry.firstBytes + "-"), registry.layerRanges, "one stalled request, then the rest by Range");
        assertTrue(out.contains("Status: Downloaded newer image for " + registry.reference()), out);
        ImageStore store = cwb.workbench().images();
        assertEquals(Digest.sha256(layerBlob), layer.digest());
        assertTrue(java.util.Arrays.equals(layerBlob, Files.readAllBytes(store.blobPath(layer.digest()))), "the stored layer is the whole blob");
    }

    @Test
    void aRegistryThatKeepsStallingFailsNamingTheBlobAndLeavesNothing() throws Exception {
        registry.stall = TinyRegistry.Stall.ALWAYS;
        CommandHarness cwb = home();
        long arrived = registry.firstBytes + (long) BlobDownload.MAX_FAILURES * registry.rangeBytes;
        assertEquals(CwbException.IO, cwb.run("pull", "--timeout", "0.3", registry.reference()));
        assertEquals("error: downloading blob " + layer.digest() + " failed 5 times, the last: the server sent nothing for 0.3 s; "
                + arrived + " of its " + layerBlob.length + " bytes had arrived — check the network and pull again, or give a slow"
                + " registry more time with --timeout SECONDS; nothing was stored\n", cwb.err());
        assertEquals(1 + BlobDownload.MAX_FAILURES, registry.layerRanges.size(), registry.layerRanges.toString());
        assertEquals("bytes=" + (arrived - registry.rangeBytes) + "-", registry.layerRanges.get(BlobDownload.MAX_FAILURES), "each resume starts where the last stopped");
        assertNothingStored(cwb.workbench().images());
    }

    @Test
    void aResumeThatGetsNoAnswerFailsNamingTheBlobAndLeavesNothing() throws Exception {
        registry.stall = TinyRegistry.Stall.RANGE_UNANSWERED;
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        CwbException e = org.junit.jupiter.api.Assertions.assertThrows(CwbException.class, () -> puller(store, Duration.ofMillis(300))
                .pull(Reference.parse(registry.reference()), Platform.host()));
        assertEquals("resuming blob " + layer.digest() + " failed: registry " + registry.host() + " sent no answer for 0.3 s; "
                + registry.firstBytes + " of its " + layerBlob.length + " bytes had arrived", e.getMessage());
        assertEquals(RegistryClient.MAX_ATTEMPTS + 1, registry.layerRanges.size(), "the Range request was retried: " + registry.layerRanges);
        assertNothingStored(store);
    }

    @Test
    void ctrlCDuringAStallStopsThePullAndLeavesNothing() throws Exception {
        for (TinyRegistry.Stall mode : List.of(TinyRegistry.Stall.ALWAYS, TinyRegistry.Stall.RANGE_UNANSWERED)) {
            registry.stall = mode;
            registry.stalled = new java.util.concurrent.CountDownLatch(mode == TinyRegistry.Stall.ALWAYS ? 1 : 2);
            ImageStore store = ImageStore.open(tmp.resolve("store-" + mode));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread pull = new Thread(() -> {
                try {
                    // ALWAYS: interrupted while waiting for the body's next bytes; RANGE_UNANSWERED: after a 2 s
                    // stall, while waiting for the answer to the Range request
                    puller(store, Duration.ofSeconds(mode == TinyRegistry.Stall.ALWAYS ? 30 : 2)).pull(Reference.parse(registry.reference()), Platform.host());
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            pull.start();
            assertTrue(registry.stalled.await(20, TimeUnit.SECONDS), mode + ": the download reached the stall");
            Thread.sleep(200);
            pull.interrupt();
            pull.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(pull.isAlive(), mode + ": Ctrl-C ends the pull at once");
            assertInstanceOf(InterruptedException.class, thrown.get(), mode + ": " + thrown.get());
            assertNothingStored(store);
        }
    }

    @Test
    void ctrlCAtAnyMomentOfAPullLeavesTheWholeImageOrNothing() throws Exception {
        registry.stall = TinyRegistry.Stall.NONE;
        Reference ref = Reference.parse(registry.reference());
        long whole = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // the quickest of three whole pulls: the span the interrupts are spread over
            long start = System.nanoTime();
            puller(ImageStore.open(tmp.resolve("whole-" + i)), Duration.ofSeconds(30)).pull(ref, Platform.host());
            whole = Math.min(whole, System.nanoTime() - start);
        }
        int rounds = 16;
        int cut = 0;
        for (int i = 0; i < rounds; i++) {
            ImageStore store = ImageStore.open(tmp.resolve("cut-" + i));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread pull = new Thread(() -> {
                try {
                    puller(store, Duration.ofSeconds(30)).pull(ref, Platform.host());
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            pull.start();
            java.util.concurrent.locks.LockSupport.parkNanos(whole * i / rounds); // Ctrl-C after i/16 of a pull
            pull.interrupt();
            pull.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(pull.isAlive(), "round " + i + ": Ctrl-C ends the pull");
            if (store.list().isEmpty()) {
                cut++;
                assertNothingStored(store);
                try (var blobs = Files.list(store.root().resolve("blobs/sha256"))) {
                    assertEquals(List.of(), blobs.toList(), "round " + i + ": no blob at all, the manifest and config included");
                }
            } else {
                assertEquals(null, thrown.get(), "round " + i + ": an image in the store means the pull finished");
                assertTrue(java.util.Arrays.equals(layerBlob, Files.readAllBytes(store.blobPath(layer.digest()))),
                        "round " + i + ": the stored image is whole");
                try (var entries = Files.list(store.root().resolve("ingest"))) {
                    assertEquals(List.of(), entries.toList(), "round " + i + ": ingest/ is empty");
                }
            }
        }
        assertTrue(cut > 0, "some pulls were cut short (the quickest whole pull took " + whole / 1_000_000 + " ms)");
    }

    private ImagePuller puller(ImageStore store, Duration timeout) {
        RegistrySettings settings = new RegistrySettings(null, Set.of(), tmp.resolve("docker"), timeout);
        return new ImagePuller(store, settings, new ExplainPrinter(new PrintWriter(new StringWriter(), true)), PullListener.NONE, 3);
    }

    private void assertNothingStored(ImageStore store) throws Exception {
        assertTrue(store.list().isEmpty(), "no index entry: " + store.list());
        assertFalse(store.hasBlob(layer.digest()), "the layer was not kept");
        Path ingest = store.root().resolve("ingest");
        try (var entries = Files.exists(ingest) ? Files.list(ingest) : java.util.stream.Stream.<Path>empty()) {
            assertEquals(List.of(), entries.toList(), "ingest/ is empty");
        }
    }
}
