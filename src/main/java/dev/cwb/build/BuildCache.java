package dev.cwb.build;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.image.StoreTransaction;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The build cache, {@code $CWB_HOME/cache/build/}: one record per step key ({@code steps/KEY.json}) with
 * what the step made — its layer blob and diff_id (none for a step that changed no file), its history
 * line and when it first ran — and a hard link to each layer blob ({@code blobs/HEX}), so removing every
 * image that uses a layer ({@code rmi} deletes blobs nothing names) does not lose the cached step: the
 * blob goes back into the store from here. A key is a chain: the key of the step before, plus what this
 * step is ({@link StepKey}); one changed step changes the keys of all after it.
 */
public final class BuildCache {
    /** A cached step. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(String key, String instruction, String createdBy, Descriptor blob, Digest diffId, String created,
                        int entries, int added, int modified, int deleted, long tarBytes, String lastUsed) {
        public boolean hasLayer() {
            return blob != null;
        }
    }

    private final Path dir;

    public BuildCache(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    private Path steps() {
        return dir.resolve("steps");
    }

    private Path blobs() {
        return dir.resolve("blobs");
    }

    /** The cached step, with its layer blob back in the store if the store lost it; null when there is none (or it cannot be used). */
    public Entry find(String key, ImageStore store) {
        Path file = steps().resolve(key + ".json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Entry e;
        try {
            e = Json.parse(Files.readAllBytes(file), Entry.class, file.toString());
        } catch (IOException | RuntimeException ex) {
            return null;
        }
        if (e.hasLayer() && !store.hasBlob(e.blob().digest())) {
            Path kept = blobs().resolve(e.blob().digest().encoded());
            if (!Files.isRegularFile(kept)) {
                return null;
            }
            try (StoreTransaction tx = store.begin(); InputStream in = Files.newInputStream(kept)) {
                tx.putBlob(e.blob().mediaType(), in, e.blob().digest(), e.blob().size(), "cached layer " + e.blob().digest().shortId());
                tx.commit();
            } catch (IOException | RuntimeException ex) {
                return null;
            }
        }
        return e;
    }

    /** Records a step (its blob must be in the store already). */
    public void put(Entry e, ImageStore store) throws IOException {
        Files.createDirectories(steps());
        if (e.hasLayer()) {
            Files.createDirectories(blobs());
            Path link = blobs().resolve(e.blob().digest().encoded());
            if (!Files.exists(link)) {
                try {
                    Files.createLink(link, store.blobPath(e.blob().digest()));
                } catch (IOException | UnsupportedOperationException ex) {
                    Path tmp = blobs().resolve(".tmp-" + UUID.randomUUID());
                    Files.copy(store.blobPath(e.blob().digest()), tmp);
                    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
        dev.cwb.AtomicFile.write(steps().resolve(e.key() + ".json"), dev.cwb.AtomicFile.PRIVATE, out -> out.write(Json.bytes(e)));
    }

    /** Every cached step, oldest first. */
    public List<Entry> list() {
        List<Entry> result = new ArrayList<>();
        if (!Files.isDirectory(steps())) {
            return result;
        }
        try (Stream<Path> s = Files.list(steps())) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                try {
                    result.add(Json.parse(Files.readAllBytes(p), Entry.class, p.toString()));
                } catch (IOException | RuntimeException ex) {
                    // being written right now, or damaged: prune removes it
                }
            }
        } catch (IOException e) {
            return result;
        }
        result.sort(Comparator.comparing(Entry::created, Comparator.nullsFirst(Comparator.naturalOrder())).thenComparing(Entry::key));
        return result;
    }

    /** What prune removed. */
    public record Pruned(int steps, int blobs, long bytes) {
    }

    /** Removes every cached step and every kept blob. The store's own blobs stay for the images that name them. */
    public Pruned prune() throws IOException {
        int steps = 0;
        int blobs = 0;
        long bytes = 0;
        if (Files.isDirectory(steps())) {
            try (Stream<Path> s = Files.list(steps())) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                    steps++;
                }
            }
        }
        if (Files.isDirectory(blobs())) {
            try (Stream<Path> s = Files.list(blobs())) {
                for (Path p : s.toList()) {
                    Object links = Files.getAttribute(p, "unix:nlink");
                    if (links instanceof Integer n && n == 1) {
                        bytes += Files.size(p); // the store no longer has it: removing it frees its bytes
                    }
                    Files.deleteIfExists(p);
                    blobs++;
                }
            }
        }
        return new Pruned(steps, blobs, bytes);
    }
}
