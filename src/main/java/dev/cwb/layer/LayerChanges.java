package dev.cwb.layer;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Replays a stack of layers, bottom first, over a set of paths — the root filesystem as far as names
 * go — and counts what each layer adds, modifies and removes. It applies the OCI rules for changesets:
 * an opaque whiteout applies before the other entries of its layer, whatever their order in the tar; a
 * whiteout deletes a path and everything under it.
 */
public final class LayerChanges {
    private final NavigableSet<String> present = new TreeSet<>();

    /** Counts of one layer's changes. */
    public record Counts(int added, int modified, int removed, int opaqueDirs) {
    }

    /** Applies the next layer up and returns what it changed. */
    public Counts apply(List<LayerEntry> entries) {
        int opaque = 0;
        for (LayerEntry e : entries) {
            if (e.kind() == LayerEntry.Kind.OPAQUE) {
                removeChildren(e.path());
                opaque++;
            }
        }
        int added = 0;
        int modified = 0;
        int removed = 0;
        List<String> fresh = new ArrayList<>();
        for (LayerEntry e : entries) {
            switch (e.kind()) {
                case OPAQUE -> {
                    // applied above
                }
                case WHITEOUT -> {
                    removed++;
                    present.remove(e.path());
                    removeChildren(e.path());
                }
                default -> {
                    if (e.path().isEmpty()) {
                        continue; // the root directory itself ("./")
                    }
                    if (present.contains(e.path())) {
                        modified++;
                    } else {
                        added++;
                    }
                    fresh.add(e.path());
                }
            }
        }
        for (String path : fresh) {
            addWithParents(path);
        }
        return new Counts(added, modified, removed, opaque);
    }

    /** The paths the stack has so far. */
    public NavigableSet<String> paths() {
        return present;
    }

    private void removeChildren(String dir) {
        if (dir.isEmpty()) {
            present.clear();
            return;
        }
        // every path below "dir/" sorts between "dir/" and "dir0" ('0' is the character after '/')
        present.subSet(dir + "/", true, dir + "0", false).clear();
    }

    private void addWithParents(String path) {
        String p = path;
        while (!p.isEmpty() && present.add(p)) {
            p = TarPaths.parent(p);
        }
    }
}
