package dev.cwb.container;

import dev.cwb.kernel.FileNames;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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

    /**
     * The changes in {@code upper}, compared with {@code lowers}, sorted by path. Names are read as the
     * kernel's bytes (getdents64) and held as {@link FileNames} strings, so a name that is not UTF-8 is
     * shown and found by its own bytes, never as U+FFFD.
     */
    public static List<Change> of(Path upper, List<Path> lowers) throws IOException {
        List<Change> changes = new ArrayList<>();
        if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) {
            return changes;
        }
        List<DirFd> lowerDirs = new ArrayList<>();
        try (DirFd root = DirFd.open(upper)) {
            for (Path lower : lowers) {
                lowerDirs.add(DirFd.open(lower));
            }
            walk(root, "", lowerDirs, changes);
        } catch (SyscallException e) {
            throw new IOException("cannot read the upper directory " + upper + ": " + e.getMessage(), e);
        } finally {
            lowerDirs.forEach(DirFd::close);
        }
        changes.sort(java.util.Comparator.comparing(Change::path));
        return changes;
    }

    /**
     * {@code lowers}: each layer's directory at {@code rel}, or null where the layer has no directory there,
     * so a layer's own symbolic link is never followed to find out whether it holds a name.
     */
    private static void walk(DirFd dir, String rel, List<DirFd> lowers, List<Change> changes) throws SyscallException {
        for (String name : dir.list()) {
            String path = rel.isEmpty() ? name : rel + "/" + name;
            DirFd.Stat st = dir.stat(name);
            boolean inLayer = false;
            for (DirFd lower : lowers) {
                if (lower != null && lower.mode(name) >= 0) {
                    inLayer = true;
                    break;
                }
            }
            boolean opaque = st.isDirectory() && isOpaque(dir.xattrs(name));
            // a directory copied up only to hold changed entries: the entries say what changed
            boolean silent = st.isDirectory() && inLayer && !opaque;
            if (!silent) {
                Kind kind = st.isWhiteout() ? Kind.DELETED : inLayer ? Kind.COPIED_UP : Kind.ADDED;
                changes.add(new Change("/" + path, kind, st.isDirectory(), st.size(), opaque));
            }
            if (st.isDirectory()) {
                List<DirFd> below = new ArrayList<>(lowers.size());
                try (DirFd sub = dir.openDir(name)) {
                    for (DirFd lower : lowers) {
                        below.add(lower == null ? null : lower.openDirOrNull(name));
                    }
                    walk(sub, path, below, changes);
                } finally {
                    below.forEach(d -> {
                        if (d != null) {
                            d.close();
                        }
                    });
                }
            }
        }
    }

    /** overlayfs's opaque mark: {@code trusted.overlay.opaque=y}, or {@code user.overlay.opaque=y} when mounted with userxattr. */
    private static boolean isOpaque(java.util.Map<String, byte[]> xattrs) {
        for (String attr : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
            byte[] v = xattrs.get(attr);
            if (v != null && v.length >= 1 && v[0] == 'y') {
                return true;
            }
        }
        return false;
    }
}
