package dev.cwb.build;

import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;

/**
 * The unpacked layers of a stage seen as overlayfs merges them, for the few questions a build asks
 * without mounting anything: is there something at this path, and where (the topmost layer that has it,
 * unless a layer above deletes it with a whiteout or hides it below an opaque directory).
 */
final class LayerStack {
    private final List<Path> layers; // bottom first

    LayerStack(List<Path> layers) {
        this.layers = List.copyOf(layers);
    }

    /** The file at {@code rel} (relative to the root), as the top layer that has it holds it. */
    Optional<Path> find(String rel) {
        if (rel.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = rel.split("/");
        for (int i = layers.size() - 1; i >= 0; i--) {
            Path layer = layers.get(i);
            Path p = layer;
            boolean hidden = false;
            for (int k = 0; k < parts.length; k++) {
                p = p.resolve(parts[k]);
                BasicFileAttributes a = attrs(p);
                if (a == null) {
                    break;
                }
                if (isWhiteout(p, a)) {
                    return Optional.empty();
                }
                if (k == parts.length - 1) {
                    return Optional.of(p);
                }
                if (!a.isDirectory()) {
                    return Optional.empty(); // a file where a directory would be: nothing below it
                }
                if (opaque(p)) {
                    hidden = true; // this layer's directory hides the lower layers' content below it
                }
            }
            if (hidden) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    boolean isDirectory(String rel) {
        return rel.isEmpty() || find(rel).map(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).orElse(false);
    }

    /** The top layer's copy of {@code rel} when it is a regular file (for /etc/passwd and /etc/group lookups). */
    Optional<Path> regularFile(String rel) {
        return find(rel).filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static BasicFileAttributes attrs(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isWhiteout(Path p, BasicFileAttributes a) {
        if (!a.isOther()) {
            return false;
        }
        try {
            return Long.valueOf(0L).equals(Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean opaque(Path dir) {
        for (String name : List.of("trusted.overlay.opaque", "user.overlay.opaque")) {
            try {
                if ("y".equals(Kernel.lgetxattrString(dir, name))) {
                    return true;
                }
            } catch (SyscallException e) {
                // no such attribute here, or none readable
            }
        }
        return false;
    }
}
