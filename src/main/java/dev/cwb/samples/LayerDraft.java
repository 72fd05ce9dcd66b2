package dev.cwb.samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The entries of one layer while an instruction adds them. It knows the tree below it ({@link RootfsView}),
 * so it adds only the parent directories that do not exist yet (keeping, say, /tmp's mode 1777 untouched)
 * and refuses to write a file where a directory is, or under a file.
 */
final class LayerDraft {
    private final RootfsView below;
    private final Map<String, LayerEntry> entries = new LinkedHashMap<>();

    LayerDraft(RootfsView below) {
        this.below = below;
    }

    void directory(String name, int mode) {
        Optional<LayerEntry> existing = lookup(name);
        if (existing.isPresent() && existing.get().type() != LayerEntry.Type.DIRECTORY) {
            throw new IllegalArgumentException("/" + name + " is a file in the image, not a directory");
        }
        parents(name);
        entries.put(name, LayerEntry.directory(name, mode));
    }

    void file(String name, int mode, byte[] content) {
        notADirectory(name);
        parents(name);
        entries.put(name, LayerEntry.file(name, mode, content));
    }

    void symlink(String name, String target) {
        notADirectory(name);
        parents(name);
        entries.put(name, LayerEntry.symlink(name, target));
    }

    /** A whiteout: {@code name} of the lower layers is gone. */
    void delete(String name) {
        if (below.get(name).isEmpty()) {
            throw new IllegalArgumentException("/" + name + " does not exist in the image, so there is nothing to delete");
        }
        String whiteout = Whiteouts.deletionOf(name);
        entries.put(whiteout, LayerEntry.file(whiteout, 0644, new byte[0]));
    }

    /** An opaque whiteout: directory {@code name} keeps itself but loses every child it had below. */
    void makeOpaque(String name) {
        String marker = Whiteouts.opaqueIn(name);
        entries.put(marker, LayerEntry.file(marker, 0644, new byte[0]));
    }

    boolean isDirectory(String name) {
        return lookup(name).map(e -> e.type() == LayerEntry.Type.DIRECTORY).orElse(false);
    }

    Optional<LayerEntry> lookup(String name) {
        LayerEntry own = entries.get(name);
        return own != null ? Optional.of(own) : below.get(name);
    }

    List<LayerEntry> entries() {
        return new ArrayList<>(entries.values());
    }

    private void notADirectory(String name) {
        if (isDirectory(name)) {
            throw new IllegalArgumentException("/" + name + " is a directory in the image; a file cannot replace it here");
        }
    }

    /** Adds, with mode 0755, each parent directory that exists neither below nor in this layer. */
    private void parents(String name) {
        List<String> missing = new ArrayList<>();
        String dir = ImagePath.parent(name);
        while (!dir.isEmpty()) {
            Optional<LayerEntry> existing = lookup(dir);
            if (existing.isPresent()) {
                if (existing.get().type() != LayerEntry.Type.DIRECTORY) {
                    throw new IllegalArgumentException("/" + dir + " is a " + (existing.get().type() == LayerEntry.Type.SYMLINK ? "symlink" : "file")
                            + " in the image, so nothing can be put under it");
                }
                break;
            }
            missing.add(0, dir);
            dir = ImagePath.parent(dir);
        }
        missing.forEach(d -> entries.put(d, LayerEntry.directory(d, 0755)));
    }
}
