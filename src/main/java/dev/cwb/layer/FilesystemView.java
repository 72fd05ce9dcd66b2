package dev.cwb.layer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The root filesystem as names, kinds and sizes — no bytes — after applying layers one over the other,
 * bottom first, as the OCI image-spec says ("Applying Changesets"): within a layer, opaque whiteouts apply
 * first, then whiteouts, then the entries in tar order; an entry that is not a directory replaces whatever
 * was at its path, subtree included; a parent a layer does not list is created as a directory.
 *
 * <p>Each path remembers the layer that last changed it. {@link #apply} returns that layer's {@link LayerDiff}.
 */
public final class FilesystemView {
    /** A path of the tree: its entry and the layer that put it there. */
    public record Node(LayerFile file, int layer) {
    }

    private final NavigableMap<String, Node> nodes = new TreeMap<>();

    /** Paths present now, sorted; "" (the root) is implicit and never listed. */
    public NavigableMap<String, Node> nodes() {
        return Collections.unmodifiableNavigableMap(nodes);
    }

    /** The paths directly or indirectly under {@code dir} ("" for all). */
    public NavigableMap<String, Node> below(String dir) {
        if (dir.isEmpty()) {
            return nodes();
        }
        // every path under "dir/" sorts between "dir/" and "dir0" ('0' is the character after '/')
        return Collections.unmodifiableNavigableMap(nodes.subMap(dir + "/", true, dir + "0", false));
    }

    /** Applies the next layer up and returns what it changed. */
    public LayerDiff apply(LayerListing layer) {
        int k = layer.index();
        Map<String, Node> before = new LinkedHashMap<>(); // path -> its node below this layer (null: absent)
        Set<String> opaque = new HashSet<>();
        for (LayerFile f : layer.entries()) {
            if (f.kind() == LayerEntry.Kind.OPAQUE) {
                opaque.add(f.path());
                removeBelow(f.path(), before);
            }
        }
        for (LayerFile f : layer.entries()) {
            if (f.kind() == LayerEntry.Kind.WHITEOUT) {
                remove(f.path(), before);
            }
        }
        for (LayerFile f : layer.entries()) {
            if (f.isWhiteoutOrOpaque() || f.path().isEmpty()) {
                continue; // "./" is the root itself, always a directory
            }
            for (String p = TarPaths.parent(f.path()); !p.isEmpty(); p = TarPaths.parent(p)) {
                Node parent = nodes.get(p);
                if (parent != null && parent.file().isDirectory()) {
                    break;
                }
                remember(p, before);
                if (parent != null) {
                    removeBelow(p, before); // a file or symlink in the way becomes a directory
                }
                nodes.put(p, new Node(LayerFile.impliedDirectory(p), k));
            }
            remember(f.path(), before);
            if (!f.isDirectory()) {
                removeBelow(f.path(), before);
            }
            nodes.put(f.path(), new Node(f, k));
        }
        for (String dir : opaque) {
            if (dir.isEmpty()) {
                continue;
            }
            remember(dir, before); // replaced, even when the layer has no entry of its own for it
            if (!nodes.containsKey(dir)) {
                nodes.put(dir, new Node(LayerFile.impliedDirectory(dir), k));
            }
        }
        return diff(k, before, opaque, layer.fileBytes());
    }

    private LayerDiff diff(int k, Map<String, Node> before, Set<String> opaque, long fileBytes) {
        List<LayerDiff.Change> changes = new ArrayList<>();
        for (Map.Entry<String, Node> e : before.entrySet()) {
            String path = e.getKey();
            Node was = e.getValue();
            Node now = nodes.get(path);
            if (was == null && now != null) {
                changes.add(new LayerDiff.Change(path, LayerDiff.Mark.ADDED, now.file(), k, false));
            } else if (was != null && now != null) {
                boolean replaced = opaque.contains(path) && was.file().isDirectory();
                if (was == now && !replaced) {
                    continue;
                }
                changes.add(new LayerDiff.Change(path, LayerDiff.Mark.MODIFIED, now.file(), k, replaced));
            } else if (was != null) {
                changes.add(new LayerDiff.Change(path, LayerDiff.Mark.DELETED, was.file(), was.layer(), false));
            }
            // absent before and after: a whiteout of something no lower layer had; nothing changed
        }
        changes.sort((a, b) -> a.path().compareTo(b.path()));
        return new LayerDiff(k, List.copyOf(changes), fileBytes);
    }

    private void remember(String path, Map<String, Node> before) {
        if (!before.containsKey(path)) {
            before.put(path, nodes.get(path));
        }
    }

    private void remove(String path, Map<String, Node> before) {
        removeBelow(path, before);
        if (nodes.containsKey(path)) {
            remember(path, before);
            nodes.remove(path);
        }
    }

    private void removeBelow(String dir, Map<String, Node> before) {
        NavigableMap<String, Node> sub = dir.isEmpty() ? nodes : nodes.subMap(dir + "/", true, dir + "0", false);
        for (String p : sub.keySet()) {
            remember(p, before);
        }
        sub.clear();
    }
}
