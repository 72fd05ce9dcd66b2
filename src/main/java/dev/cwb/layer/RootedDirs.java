package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The directories of an extraction root, reached as descriptors and never by path: the answer to a layer
 * (or anyone else writing the tree meanwhile) that swaps a directory for a symlink to {@code /etc} between
 * our look and our write. A directory is found inside the root the way the kernel would if the root were
 * {@code /} — symlinks followed, an absolute target starting again at the root, {@code ..} stopping there —
 * by one openat2(2) with {@code RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS} where the kernel has it (5.6), else
 * by walking one component at a time from descriptor to descriptor (openat with O_NOFOLLOW, readlinkat),
 * as umoci's securejoin does. Missing directories are made on the way (mkdirat), as tar does for implicit
 * parents; a non-directory where a directory must be is removed (the later layer wins).
 *
 * <p>Directories reached from the root through real directories only (never a symlink) are kept open in a
 * small cache by their path, so most entries cost no lookup at all; whoever deletes or replaces a path
 * calls {@link #forget} (or {@link #forgetAll} when a symlink made the path's place unknown).
 */
final class RootedDirs implements AutoCloseable {
    /** Linux gives up after 40 links in one lookup (path_resolution(7)); so do we. */
    private static final int MAX_LINKS = 40;
    private static final int CACHED = 256;
    /** How often a component that changes under us is looked at again before giving up. */
    private static final int RETRIES = 16;

    /** An open directory; released by everyone who got it, closed when the last lets go. */
    static final class Handle {
        final DirFd dir;
        /** Reached from the root through real directories only: its path names it, and it may be cached. */
        final boolean direct;
        /** Made by this extraction (no setgid bit yet: new files get our group). */
        final boolean plain;
        private final AtomicInteger refs = new AtomicInteger(1);

        Handle(DirFd dir, boolean direct, boolean plain) {
            this.dir = dir;
            this.direct = direct;
            this.plain = plain;
        }

        Handle acquire() {
            refs.incrementAndGet();
            return this;
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                dir.close();
            }
        }
    }

    /** Called before anything is deleted on the way: queued writes must be done first. */
    interface BeforeDelete {
        void run() throws IOException;
    }

    private final Handle root;
    private final BeforeDelete beforeDelete;
    private final Map<String, Handle> cache = new LinkedHashMap<>(CACHED * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Handle> eldest) {
            if (size() > CACHED) {
                eldest.getValue().release();
                return true;
            }
            return false;
        }
    };
    /** Directories (paths) this extraction made under plain parents. */
    private final Set<String> created = new HashSet<>();

    RootedDirs(Path root, boolean rootIsPlain, BeforeDelete beforeDelete) throws SyscallException {
        this.root = new Handle(DirFd.open(root), true, rootIsPlain);
        this.beforeDelete = beforeDelete;
    }

    Handle root() {
        return root.acquire();
    }

    /**
     * The directory {@code path} (cleaned, relative; "" is the root), acquired: the caller releases it.
     * With {@code create}, missing directories are made and non-directories on the way replaced; without,
     * {@code null} when the path does not lead to a directory.
     */
    Handle dir(String path, boolean create) throws IOException {
        if (path.isEmpty()) {
            return root.acquire();
        }
        Handle cached = cache.get(path);
        if (cached != null) {
            return cached.acquire();
        }
        Handle parent = dir(TarPaths.parent(path), create);
        if (parent == null) {
            return null;
        }
        try {
            if (parent.direct) {
                String name = TarPaths.baseName(path);
                for (int attempt = 0; attempt < RETRIES; attempt++) {
                    try {
                        Handle h = new Handle(parent.dir.openDir(name), true, created.contains(path));
                        cache.put(path, h);
                        return h.acquire();
                    } catch (SyscallException e) {
                        if (e.errno() == DirFd.ENOENT) {
                            if (!create) {
                                return null;
                            }
                            if (parent.dir.mkdir(name, 0755) && parent.plain) {
                                created.add(path);
                            }
                            continue;
                        }
                        if (e.errno() != DirFd.ENOTDIR && e.errno() != DirFd.ELOOP) {
                            throw e;
                        }
                        int mode = parent.dir.mode(name);
                        if (DirFd.isSymlink(mode)) {
                            return resolve(path, create); // through a symlink: the slow, safe way
                        }
                        if (mode >= 0 && !DirFd.isDir(mode)) {
                            if (!create) {
                                return null;
                            }
                            // A file stands where the layer needs a directory: tar would fail; the later layer wins.
                            beforeDelete.run();
                            parent.dir.deleteTree(name);
                            forget(path);
                        }
                    }
                }
                throw changingUnderUs(path);
            }
            return resolve(path, create);
        } finally {
            parent.release();
        }
    }

    /** A path whose way goes through a symlink: openat2 inside the root, or a walk; never cached. */
    private Handle resolve(String path, boolean create) throws IOException {
        try {
            DirFd d = root.dir.resolveDir(path);
            if (d != null) {
                return new Handle(d, false, false);
            }
        } catch (SyscallException e) {
            if (e.errno() == DirFd.ELOOP) {
                throw tooManyLinks(path);
            }
            if (!create && (e.errno() == DirFd.ENOENT || e.errno() == DirFd.ENOTDIR)) {
                return null;
            }
            // missing parts to make, or a rename raced the kernel's lookup: walk
        }
        return walk(path, create);
    }

    /** Component by component, each opened with O_NOFOLLOW from the one before; a stack of descriptors makes {@code ..}. */
    private Handle walk(String path, boolean create) throws IOException {
        Deque<String> pending = new ArrayDeque<>(TarPaths.components(path));
        List<DirFd> stack = new ArrayList<>();
        int links = 0;
        int retries = 0;
        try {
            while (!pending.isEmpty()) {
                String part = pending.pollFirst();
                if (part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    if (!stack.isEmpty()) {
                        stack.remove(stack.size() - 1).close();
                    }
                    continue;
                }
                DirFd cur = stack.isEmpty() ? root.dir : stack.get(stack.size() - 1);
                int mode = cur.mode(part);
                if (DirFd.isSymlink(mode)) {
                    if (++links > MAX_LINKS) {
                        throw tooManyLinks(path);
                    }
                    String target = cur.readlink(part);
                    List<String> rest = TarPaths.components(target);
                    for (int i = rest.size() - 1; i >= 0; i--) {
                        pending.addFirst(rest.get(i));
                    }
                    if (target.startsWith("/")) {
                        stack.forEach(DirFd::close);
                        stack.clear();
                    }
                    continue;
                }
                if (mode < 0 || !DirFd.isDir(mode)) {
                    if (!create) {
                        return null;
                    }
                    if (mode >= 0) {
                        beforeDelete.run();
                        cur.deleteTree(part);
                        forgetAll(); // which cached paths led here is not known
                    }
                    cur.mkdir(part, 0755);
                }
                try {
                    stack.add(cur.openDir(part));
                } catch (SyscallException e) {
                    if ((e.errno() == DirFd.ENOTDIR || e.errno() == DirFd.ELOOP || e.errno() == DirFd.ENOENT) && ++retries < RETRIES) {
                        pending.addFirst(part); // it changed between our look and the open: look again
                        continue;
                    }
                    throw e;
                }
            }
            if (stack.isEmpty()) {
                return root.acquire();
            }
            return new Handle(stack.remove(stack.size() - 1), false, false);
        } finally {
            stack.forEach(DirFd::close);
        }
    }

    /** Notes that this extraction made directory {@code path} in a plain parent (no setgid bit: new files get our group). */
    void markCreated(String path) {
        created.add(path);
    }

    /** Drops {@code path} and everything below it from the cache: it was deleted or replaced. */
    void forget(String path) {
        created.removeIf(d -> d.equals(path) || d.startsWith(path + "/"));
        if (path.isEmpty()) {
            forgetAll();
            return;
        }
        String below = path + "/";
        for (Iterator<Map.Entry<String, Handle>> it = cache.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Handle> e = it.next();
            if (e.getKey().equals(path) || e.getKey().startsWith(below)) {
                e.getValue().release();
                it.remove();
            }
        }
    }

    void forgetAll() {
        cache.values().forEach(Handle::release);
        cache.clear();
        created.clear();
    }

    private static CwbException tooManyLinks(String path) {
        return CwbException.corrupt("too many levels of symbolic links resolving '" + path + "'", "the layer holds a symlink loop");
    }

    private static CwbException changingUnderUs(String path) {
        return CwbException.corrupt("the directory '" + path + "' kept changing while it was being unpacked",
                "something else is writing into the target directory; unpack into a directory only you can write");
    }

    @Override
    public void close() {
        forgetAll();
        root.release();
    }
}
