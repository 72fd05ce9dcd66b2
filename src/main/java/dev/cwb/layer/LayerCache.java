package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Unpacked layers, one directory per diff_id, shared by every image and container that uses the layer:
 * <pre>
 *   layers/&lt;diff_id hex&gt;/fs/          the layer's files — an overlayfs lowerdir as it stands
 *   layers/&lt;diff_id hex&gt;/layer.json   what unpacking found, and how whiteouts are stored
 * </pre>
 * A layer is unpacked into {@code layers/.tmp-UUID/} and renamed into place only once both its digests are
 * verified, so the cache never holds half a layer. As root, whiteouts become overlayfs whiteouts (char
 * device 0:0, {@code trusted.overlay.opaque=y}); without root they stay as the OCI marker files.
 */
public final class LayerCache {
    private final ImageStore store;
    private final Path dir;
    private final boolean asRoot;

    /** What is recorded beside an unpacked layer. */
    public record Info(Digest diffId, Digest blob, String whiteoutFormat, int entries, long fileBytes, long tarBytes,
                       int whiteouts, int opaques, int skippedDevices, double seconds) {
    }

    /** One layer's outcome: where it is, and whether it was unpacked now or found in the cache. */
    public record Unpacked(int index, Path fs, Info info, boolean cached) {
    }

    /** Called as each layer is done (from a worker thread). */
    public interface Listener {
        void layerDone(Unpacked layer, int total);
    }

    public LayerCache(ImageStore store, Path dir, boolean asRoot) {
        this.store = store;
        this.dir = dir;
        this.asRoot = asRoot;
    }

    public Path dir() {
        return dir;
    }

    public Path fsOf(Digest diffId) {
        return dir.resolve(diffId.encoded()).resolve("fs");
    }

    /** Unpacks every layer of the image not yet cached, in parallel; returns them bottom first. */
    public List<Unpacked> unpack(Image image, Listener listener) {
        List<Descriptor> layers = image.layers();
        List<Digest> diffIds = image.config().diffIds();
        if (layers.size() != diffIds.size()) {
            throw CwbException.corrupt(image.reference().familiar() + " has " + layers.size() + " layers but its config lists "
                    + diffIds.size() + " diff_ids", "the image is malformed: manifest and config disagree");
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(layers.size(), Runtime.getRuntime().availableProcessors())), r -> {
            Thread t = new Thread(r, "layer-unpack");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Unpacked>> futures = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                int index = i + 1;
                Descriptor layer = layers.get(i);
                Digest diffId = diffIds.get(i);
                String what = "layer " + index + " of " + image.reference().familiar() + " (blob " + layer.digest() + ")";
                futures.add(pool.submit(() -> {
                    Unpacked u = unpackOne(index, layer, diffId, what);
                    listener.layerDone(u, layers.size());
                    return u;
                }));
            }
            List<Unpacked> result = new ArrayList<>();
            for (Future<Unpacked> f : futures) {
                result.add(f.get());
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CwbException(CwbException.IO, "cancelled while unpacking " + image.reference().familiar()
                    + "; the layers not finished were removed", null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CwbException(CwbException.IO, "cannot unpack " + image.reference().familiar() + ": " + e.getCause(),
                    "check the free space and permissions of " + dir, e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private Unpacked unpackOne(int index, Descriptor layer, Digest diffId, String what) throws IOException {
        Path done = dir.resolve(diffId.encoded());
        Path infoFile = done.resolve("layer.json");
        if (Files.isRegularFile(infoFile)) {
            return new Unpacked(index, done.resolve("fs"), Json.parse(Files.readAllBytes(infoFile), Info.class, infoFile.toString()), true);
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
        Path fs = tmp.resolve("fs");
        Files.createDirectories(fs);
        long start = System.nanoTime();
        boolean ok = false;
        try (LayerSource source = new LayerSource(store, layer, diffId, what)) {
            LayerExtractor.WhiteoutMode mode = asRoot ? LayerExtractor.WhiteoutMode.OVERLAY : LayerExtractor.WhiteoutMode.KEEP;
            LayerExtractor.Result r;
            try {
                r = new LayerExtractor(fs, mode, asRoot).extract(source.tar(), what);
            } catch (IOException e) {
                throw CwbException.corrupt("cannot unpack " + what + ": " + e.getMessage(),
                        "the layer blob is truncated or damaged; nothing was left in the layer cache");
            }
            long tarBytes = source.verify();
            Info info = new Info(diffId, layer.digest(), asRoot ? "overlay" : "oci", r.entries(), r.fileBytes(), tarBytes,
                    r.whiteouts(), r.opaques(), r.skippedDevices(), (System.nanoTime() - start) / 1e9);
            Files.write(tmp.resolve("layer.json"), Json.bytes(info));
            try {
                Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // another workbench unpacked the same layer meanwhile: same diff_id, same files
                LayerExtractor.deleteTree(tmp);
            }
            ok = true;
            return new Unpacked(index, done.resolve("fs"), info, false);
        } finally {
            if (!ok && Files.exists(tmp)) {
                LayerExtractor.deleteTree(tmp);
            }
        }
    }
}
