package dev.cwb.layer;

import dev.cwb.CwbException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Cleans tar entry names into paths relative to a layer's root. Tar names may carry {@code ./}, a leading
 * {@code /}, repeated slashes or {@code ..}; like Go's {@code filepath.Clean} applied to {@code "/" + name}
 * (what umoci and containerd do), {@code ..} can never climb above the root.
 */
public final class TarPaths {
    private TarPaths() {
    }

    /** {@code "./etc//passwd"} → {@code "etc/passwd"}; {@code "../../x"} → {@code "x"}; {@code "./"} → {@code ""}. */
    public static String clean(String name) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        return String.join("/", parts);
    }

    /** The components of a path or symlink target, not cleaned ({@code .} and {@code ..} kept: a resolver must see them). */
    public static java.util.List<String> components(String path) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return parts;
    }

    /** The parent of a cleaned path ("" for a top-level name). */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** The last component of a cleaned path. */
    public static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * Reads a whiteout name. {@code dir/.wh.name} deletes {@code dir/name}; a bare {@code .wh.}, or one
     * naming {@code .} or {@code ..}, is invalid (image-spec: whiteouts name an entry of the lower layers).
     *
     * @return the deleted path, or {@code null} when the name is not a whiteout
     */
    public static String whiteoutTarget(String cleanedPath, String entryName) {
        String base = baseName(cleanedPath);
        if (!base.startsWith(LayerEntry.WHITEOUT_PREFIX) || base.equals(LayerEntry.OPAQUE_MARKER)) {
            return null;
        }
        String target = base.substring(LayerEntry.WHITEOUT_PREFIX.length());
        if (target.isEmpty() || target.equals(".") || target.equals("..") || target.startsWith(LayerEntry.WHITEOUT_PREFIX)) {
            throw CwbException.corrupt("invalid whiteout entry '" + entryName + "': it names '" + target + "', not a file of a lower layer",
                    "the layer is malformed or hostile; it was not used");
        }
        String parent = parent(cleanedPath);
        return parent.isEmpty() ? target : parent + "/" + target;
    }
}
