package dev.cwb.layer;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside a root directory the way the kernel would if that directory were {@code /}:
 * symbolic links met on the way are followed, but an absolute target restarts at the root and
 * {@code ..} stops at the root. Nothing resolved here can name a file outside the root — the defence
 * umoci ({@code securejoin}) and containerd ({@code fs.RootPath}) use against layers whose symlinks point
 * at {@code /} or {@code ../..}.
 *
 * <p>The final component is never followed: a layer entry replaces a symlink, it never writes through it.
 */
public final class RootedPath {
    /** Linux gives up after 40 links in one lookup (path_resolution(7)); so do we. */
    private static final int MAX_LINKS = 40;

    private RootedPath() {
    }

    /**
     * The host path for {@code cleanPath} (relative, already cleaned by {@link TarPaths#clean}) inside
     * {@code root}, with every parent component resolved inside the root and the last one left as is.
     */
    public static Path resolveParent(Path root, String cleanPath) throws IOException {
        if (cleanPath.isEmpty()) {
            return root;
        }
        String parent = TarPaths.parent(cleanPath);
        Path dir = resolveFully(root, parent);
        return dir.resolve(TarPaths.baseName(cleanPath));
    }

    /** Resolves every component, the last one too (for hardlink targets' parents and {@code cat}). */
    public static Path resolveFully(Path root, String cleanPath) throws IOException {
        Deque<String> pending = new ArrayDeque<>(split(cleanPath));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                continue;
            }
            Path candidate = join(root, resolved).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw CwbException.corrupt("too many levels of symbolic links resolving '" + cleanPath + "'",
                            "the layer holds a symlink loop");
                }
                String target = Files.readSymbolicLink(candidate).toString();
                List<String> rest = split(target);
                for (int i = rest.size() - 1; i >= 0; i--) {
                    pending.addFirst(rest.get(i));
                }
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                continue;
            }
            resolved.add(part);
        }
        return join(root, resolved);
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return parts;
    }

    /** True when {@code p} exists, without following a final symlink. */
    static boolean existsNoFollow(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
