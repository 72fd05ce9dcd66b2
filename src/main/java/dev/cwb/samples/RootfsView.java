package dev.cwb.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The file tree an image's layers add up to so far: what a container would see. The builder keeps it to
 * check a recipe against reality (DELETE of a path that is not there is an error; COPY under a file is an
 * error) and to know which parent directories a new layer must create. Only names, types and modes are
 * kept, not contents.
 */
final class RootfsView {
    private final NavigableMap<String, LayerEntry> tree = new TreeMap<>();

    /** Applies one layer the way an unpacker does: opaque markers and whiteouts first (they hide lower content), then the rest. */
    void apply(List<LayerEntry> layer) {
        for (LayerEntry e : layer) {
            if (Whiteouts.isOpaque(e.name())) {
                removeChildren(ImagePath.parent(e.name()));
            } else if (Whiteouts.isWhiteout(e.name())) {
                String gone = Whiteouts.deletedBy(e.name());
                tree.remove(gone);
                removeChildren(gone);
            }
        }
        for (LayerEntry e : layer) {
            if (!Whiteouts.isWhiteout(e.name())) {
                if (e.type() != LayerEntry.Type.DIRECTORY) {
                    removeChildren(e.name()); // a file replacing a directory replaces its content too
                }
                tree.put(e.name(), e);
            }
        }
    }

    Optional<LayerEntry> get(String name) {
        if (name.isEmpty()) {
            return Optional.of(LayerEntry.directory("", 0755));
        }
        return Optional.ofNullable(tree.get(name));
    }

    boolean isDirectory(String name) {
        return get(name).map(e -> e.type() == LayerEntry.Type.DIRECTORY).orElse(false);
    }

    /** Everything strictly under directory {@code dir}. */
    List<String> children(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        List<String> result = new ArrayList<>();
        for (String key : tree.tailMap(prefix, true).keySet()) {
            if (!key.startsWith(prefix)) {
                break;
            }
            result.add(key);
        }
        return result;
    }

    int size() {
        return tree.size();
    }

    private void removeChildren(String dir) {
        children(dir).forEach(tree::remove);
    }
}
