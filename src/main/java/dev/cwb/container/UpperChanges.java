package dev.cwb.container;

import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The container's changes, as overlayfs keeps them in the upper directory (overlayfs.rst, "whiteouts and
 * opaque directories"): a file that is there and in no layer was added; one that is also in a layer was
 * copied up, then changed; a character device 0/0 is a whiteout — a deleted file; a directory with
 * {@code trusted.overlay.opaque=y} hides everything the layers have below it.
 */
public final class UpperChanges {
    public enum Kind {
        ADDED('A'), COPIED_UP('C'), DELETED('D');

        private final char letter;

        Kind(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }
    }

    /** One change: path inside the container, kind, directory or not, size, opaque. */
    public record Change(String path, Kind kind, boolean directory, long size, boolean opaque) {
    }

    private UpperChanges() {
    }

    /** The changes in {@code upper}, compared with {@code lowers}, sorted by path. */
    public static List<Change> of(Path upper, List<Path> lowers) throws IOException {
        List<Change> changes = new ArrayList<>();
        if (!Files.isDirectory(upper)) {
            return changes;
        }
        Files.walkFileTree(upper, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(upper)) {
                    add(dir, attrs);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                add(file, attrs);
                return FileVisitResult.CONTINUE;
            }

            private void add(Path p, BasicFileAttributes attrs) {
                String rel = upper.relativize(p).toString();
                boolean inLayer = lowers.stream().anyMatch(l -> Files.exists(l.resolve(rel), LinkOption.NOFOLLOW_LINKS));
                boolean whiteout = attrs.isOther() && isWhiteout(p);
                boolean opaque = attrs.isDirectory() && "y".equals(xattr(p, "trusted.overlay.opaque"));
                if (attrs.isDirectory() && inLayer && !opaque) {
                    return; // a directory copied up only to hold changed entries: the entries say what changed
                }
                Kind kind = whiteout ? Kind.DELETED : inLayer ? Kind.COPIED_UP : Kind.ADDED;
                changes.add(new Change("/" + rel, kind, attrs.isDirectory(), attrs.size(), opaque));
            }
        });
        changes.sort(java.util.Comparator.comparing(Change::path));
        return changes;
    }

    /** overlayfs's whiteout: a character device with device number 0/0. */
    private static boolean isWhiteout(Path p) {
        try {
            Object rdev = Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            return rdev instanceof Long l && l == 0L;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String xattr(Path p, String name) {
        try {
            return Kernel.lgetxattrString(p, name);
        } catch (SyscallException e) {
            return null;
        }
    }
}
