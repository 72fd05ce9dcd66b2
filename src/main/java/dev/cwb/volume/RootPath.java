package dev.cwb.volume;

import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.SyscallException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * A mount target resolved the way the container's own processes would resolve it: inside its root. What runc
 * does with securejoin before every mount ({@code libcontainer/rootfs_linux.go}, {@code mountToRootfs}), here
 * by hand, one component at a time from a descriptor of the root file system: each looked at with statx without
 * following it; a symbolic link read with readlinkat and its target walked again from the root (absolute) or its
 * directory (relative); {@code ..} never above the root; at most 40 links (fs/namei.c, MAXSYMLINKS). The result
 * is a path with no link left in it, so an image whose {@code /data} is a link to {@code /etc} — or to
 * {@code ../../../../etc} — gets the mount at its own {@code /etc}, never at the host's.
 *
 * <p>The walk is the workbench looking (untraced), made before PID 1 mounts; no process of the container runs
 * yet, so nothing inside can swap a component meanwhile. {@link dev.cwb.container.VolumeStep} still checks where the mount landed.
 */
public final class RootPath {
    /** What a name is, its link (if any) not followed. */
    public enum Kind { MISSING, DIRECTORY, FILE, OTHER }

    /**
     * @param path     the resolved path inside the root, absolute and clean, no link in it
     * @param existing how many of its leading components exist (the rest are to be made)
     * @param kind     what the last component is
     */
    public record Resolved(String path, int existing, Kind kind) {
        public List<String> components() {
            return path.equals("/") ? List.of() : List.of(path.substring(1).split("/"));
        }
    }

    private static final int MAX_LINKS = 40;

    private RootPath() {
    }

    public static Resolved resolve(java.nio.file.Path rootDir, String path) throws SyscallException {
        try (DirFd root = DirFd.open(rootDir)) {
            return resolve(root, path);
        }
    }

    /** {@code path} must be clean ({@link java.nio.file.Path#normalize}): a {@code ..} only comes from a link's target. */
    public static Resolved resolve(DirFd root, String path) throws SyscallException {
        Deque<String> todo = new ArrayDeque<>(components(path));
        List<String> done = new ArrayList<>();
        int links = 0;
        boolean missing = false;
        int firstMissing = 0;
        Kind kind = Kind.DIRECTORY;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                if (!missing) {
                    kind = Kind.DIRECTORY;
                }
                continue;
            }
            if (missing) {
                done.add(name); // below a missing directory everything is to be made
                continue;
            }
            if (kind != Kind.DIRECTORY) {
                throw new SyscallException("statx", "/" + String.join("/", done) + " (not a directory in the image)", DirFd.ENOTDIR);
            }
            DirFd.Stat st;
            try (DirFd dir = openAll(root, done)) {
                try {
                    st = dir.stat(name);
                } catch (SyscallException e) {
                    if (e.errno() != DirFd.ENOENT) {
                        throw e;
                    }
                    missing = true;
                    firstMissing = done.size();
                    kind = Kind.MISSING;
                    done.add(name);
                    continue;
                }
                if (st.type() == DirFd.S_IFLNK) {
                    if (++links > MAX_LINKS) {
                        throw new SyscallException("readlinkat", path, DirFd.ELOOP);
                    }
                    String target = dir.readlink(name);
                    List<String> more = components(target);
                    for (int i = more.size() - 1; i >= 0; i--) {
                        todo.addFirst(more.get(i));
                    }
                    if (target.startsWith("/")) {
                        done.clear();
                    }
                    kind = Kind.DIRECTORY; // the link's directory: where its target's walk starts
                    continue;
                }
            }
            done.add(name);
            kind = st.type() == DirFd.S_IFDIR ? Kind.DIRECTORY : st.type() == DirFd.S_IFREG ? Kind.FILE : Kind.OTHER;
        }
        int existing = missing ? firstMissing : done.size();
        return new Resolved("/" + String.join("/", done), existing, kind);
    }

    /** The directory {@code names} below the root, each component opened without following a link. */
    private static DirFd openAll(DirFd root, List<String> names) throws SyscallException {
        DirFd cur = root.openDir(".");
        for (String n : names) {
            DirFd next;
            try {
                next = cur.openDir(n);
            } finally {
                cur.close();
            }
            cur = next;
        }
        return cur;
    }

    private static List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty() && !s.equals(".")).toList();
    }
}
