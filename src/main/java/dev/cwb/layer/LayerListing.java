package dev.cwb.layer;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything one layer tar says about the file tree, read in one verified pass: its entries in tar order,
 * and indexes to answer "what does this layer say about path P?" without another pass.
 *
 * <p>A layer is a changeset (image-spec, "Representing Changes"): an entry adds or replaces a path, a
 * whiteout {@code .wh.NAME} deletes one from the layers below, an opaque marker {@code .wh..wh..opq}
 * hides everything the layers below had inside its directory. Whatever a layer does not mention, it
 * leaves as the layers below have it.
 */
public final class LayerListing {
    /** What one layer decides about a path, looking only at this layer. */
    public enum Verdict {
        /** The layer has an entry at the path (or entries below it, which make it a directory). */
        PRESENT,
        /** A whiteout in this layer deletes the path or one of its parents. */
        DELETED,
        /** An opaque marker on a parent directory hides the lower layers' version, and this layer has none. */
        HIDDEN_BY_OPAQUE,
        /** A parent is a file or symlink in this layer, so nothing below that parent exists. */
        PARENT_NOT_DIRECTORY,
        /** The layer says nothing about the path: the layers below decide. */
        UNDECIDED
    }

    /** A verdict with its detail: the entry for {@code PRESENT}, the path that caused the others. */
    public record Decision(Verdict verdict, LayerFile file, String cause) {
    }

    private final int index;
    private final List<LayerFile> entries;
    private final long uncompressedSize;
    private final Map<String, LayerFile> byPath = new HashMap<>();
    private final Set<String> whiteouts = new HashSet<>();
    private final Set<String> opaqueDirs = new HashSet<>();
    private final NavigableSet<String> mentioned = new TreeSet<>();
    private long fileBytes;

    public LayerListing(int index, List<LayerFile> entries, long uncompressedSize) {
        this.index = index;
        this.entries = List.copyOf(entries);
        this.uncompressedSize = uncompressedSize;
        for (LayerFile f : this.entries) {
            switch (f.kind()) {
                case WHITEOUT -> whiteouts.add(f.path());
                case OPAQUE -> {
                    opaqueDirs.add(f.path());
                    mentioned.add(f.path());
                }
                default -> {
                    byPath.put(f.path(), f); // a later entry for the same name wins, as when extracting
                    mentioned.add(f.path());
                    if (f.isRegularFile()) {
                        fileBytes += f.size();
                    }
                }
            }
        }
    }

    /** The layer's 1-based position in the image, bottom first. */
    public int index() {
        return index;
    }

    /** The entries in tar order, whiteouts and opaque markers included. */
    public List<LayerFile> entries() {
        return entries;
    }

    /** Bytes of the uncompressed tar (what its diff_id hashes). */
    public long uncompressedSize() {
        return uncompressedSize;
    }

    /** The sum of the sizes of the regular-file entries: the file content this layer carries. */
    public long fileBytes() {
        return fileBytes;
    }

    /** What this layer alone says about {@code path} (cleaned, relative; "" is the root). */
    public Decision decide(String path) {
        LayerFile own = byPath.get(path);
        if (own != null) {
            return new Decision(Verdict.PRESENT, own, path);
        }
        if (path.isEmpty() || opaqueDirs.contains(path) || hasEntriesBelow(path)) {
            return new Decision(Verdict.PRESENT, LayerFile.impliedDirectory(path), path);
        }
        // Walk the parents from the nearest up: the nearest one that says something decides.
        for (String p = path; !p.isEmpty(); p = TarPaths.parent(p)) {
            if (whiteouts.contains(p)) {
                return new Decision(Verdict.DELETED, null, p);
            }
            String parent = TarPaths.parent(p);
            if (opaqueDirs.contains(parent)) {
                return new Decision(Verdict.HIDDEN_BY_OPAQUE, null, parent);
            }
            LayerFile parentEntry = byPath.get(parent);
            if (parentEntry != null && !parentEntry.isDirectory()) {
                return new Decision(Verdict.PARENT_NOT_DIRECTORY, parentEntry, parent);
            }
        }
        return new Decision(Verdict.UNDECIDED, null, null);
    }

    private boolean hasEntriesBelow(String dir) {
        String below = mentioned.ceiling(dir + "/");
        return below != null && below.startsWith(dir + "/");
    }
}
