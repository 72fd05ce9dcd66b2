package dev.cwb.layer;

import dev.cwb.image.ChainIds;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        int[] done = {0};
        return LayerWorkers.run(layers.size(), "layer-scan", "reading the layers of " + image.reference().familiar(), null, index -> {
            Descriptor layer = layers.get(index - 1);
            String what = "layer " + index + " of " + image.reference().familiar() + " (blob " + layer.digest() + ")";
            LayerScanner.ScannedLayer s = LayerScanner.scan(store.openBlob(layer, "layer"), layer.mediaType(),
                    image.config().diffIds().get(index - 1), what);
            synchronized (done) {
                progress.layerRead(++done[0], layers.size());
            }
            return s;
        });
    }

    private List<LayerStats> readCache(Path file, List<Descriptor> layers) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            List<LayerStats> stats = dev.cwb.image.FlatJson.readList(Files.readAllBytes(file), LayerStats.class, file.toString());
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
            dev.cwb.AtomicFile.write(file, dev.cwb.image.FlatJson.bytes(stats));
        } catch (IOException e) {
            // the cache is an optimisation; an unwritable cache only costs time
        }
    }
}
