package dev.cwb.layer;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cwb.CwbException;
import dev.cwb.image.ChainIds;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Computes {@link LayerStats} for every layer of an image. Each layer blob is read once, in parallel
 * (one platform thread per core: decompression and hashing are CPU-bound), then the entry lists are
 * replayed bottom-up by {@link LayerChanges}. Results are cached under {@code cache/layer-stats/}, keyed
 * by the ChainID of the top layer — which names the whole stack below it, so two images sharing a stack
 * share the entry.
 */
public final class LayerAnalysis {
    private final ImageStore store;
    private final Path cacheDir;

    public LayerAnalysis(ImageStore store, Path cacheDir) {
        this.store = store;
        this.cacheDir = cacheDir.resolve("layer-stats");
    }

    /** A progress callback: called as each layer finishes reading. */
    public interface Progress {
        void layerRead(int index, int total);

        Progress NONE = (i, n) -> { };
    }

    public List<LayerStats> stats(Image image, Progress progress) {
        List<Descriptor> layers = image.layers();
        List<Digest> diffIds = image.config().diffIds();
        if (layers.size() != diffIds.size()) {
            throw CwbException.corrupt(image.reference().familiar() + " has " + layers.size() + " layers but its config lists "
                    + diffIds.size() + " diff_ids", "the image is malformed: manifest and config disagree");
        }
        if (layers.isEmpty()) {
            return List.of();
        }
        Path cached = cacheDir.resolve(ChainIds.of(diffIds).get(diffIds.size() - 1).encoded() + ".json");
        List<LayerStats> hit = readCache(cached, layers);
        if (hit != null) {
            return hit;
        }
        List<LayerScanner.ScannedLayer> scanned = scanAll(image, progress);
        LayerChanges changes = new LayerChanges();
        List<LayerStats> result = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerScanner.ScannedLayer s = scanned.get(i);
            LayerChanges.Counts c = changes.apply(s.entries());
            result.add(new LayerStats(i + 1, layers.get(i).digest(), s.diffId(), layers.get(i).size(), s.uncompressedSize(),
                    s.entries().size(), c.added(), c.modified(), c.removed(), c.opaqueDirs()));
        }
        writeCache(cached, result);
        return result;
    }

    private List<LayerScanner.ScannedLayer> scanAll(Image image, Progress progress) {
        List<Descriptor> layers = image.layers();
        int threads = Math.min(layers.size(), Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "layer-scan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<LayerScanner.ScannedLayer>> futures = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                Descriptor layer = layers.get(i);
                Digest diffId = image.config().diffIds().get(i);
                String what = "layer " + (i + 1) + " of " + image.reference().familiar() + " (blob " + layer.digest() + ")";
                futures.add(pool.submit(() -> LayerScanner.scan(store.openBlob(layer, "layer"), layer.mediaType(), diffId, what)));
            }
            List<LayerScanner.ScannedLayer> result = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                result.add(futures.get(i).get());
                progress.layerRead(i + 1, futures.size());
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CwbException(CwbException.IO, "cancelled while reading the layers of " + image.reference().familiar(), null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CwbException(CwbException.IO, "cannot read the layers of " + image.reference().familiar() + ": " + e.getCause(), null, e);
        } finally {
            pool.shutdownNow();
        }
    }

    private List<LayerStats> readCache(Path file, List<Descriptor> layers) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            List<LayerStats> stats = Json.MAPPER.readValue(file.toFile(), new TypeReference<List<LayerStats>>() { });
            if (stats.size() != layers.size()) {
                return null;
            }
            List<LayerStats> result = new ArrayList<>();
            for (int i = 0; i < stats.size(); i++) {
                LayerStats s = stats.get(i);
                Descriptor d = layers.get(i);
                // same stack, perhaps other compressed blobs: keep the content numbers, take this image's blob
                result.add(new LayerStats(i + 1, d.digest(), s.diffId(), d.size(), s.uncompressedSize(), s.entries(),
                        s.added(), s.modified(), s.removed(), s.opaqueDirs()));
            }
            return result;
        } catch (IOException | RuntimeException e) {
            return null; // a damaged cache entry is recomputed
        }
    }

    private void writeCache(Path file, List<LayerStats> stats) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".stats", ".tmp");
            Files.write(tmp, Json.bytes(stats));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // the cache is an optimisation; an unwritable cache only costs time
        }
    }
}
