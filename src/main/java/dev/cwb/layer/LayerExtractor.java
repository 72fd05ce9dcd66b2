package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.DiskFull;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the entries of one layer tar into a directory — and nowhere else.
 *
 * <p>Every entry name is cleaned ({@link TarPaths#clean}), its parent directory is resolved inside the
 * target as a descriptor ({@link RootedDirs}: openat2 with RESOLVE_IN_ROOT, or a walk with O_NOFOLLOW) and
 * every call on the entry is made relative to that descriptor, never following its last component:
 * whatever is there (a symlink to {@code /etc}, say) is removed and replaced, never written through — even
 * if the tree is changed by someone else while it is written. Names stay the bytes the tar holds
 * ({@link dev.cwb.kernel.FileNames}). Hardlink sources are resolved the same way. Whiteouts are handled as
 * {@link WhiteoutMode} says. Directory modes and times are applied after all entries, so a read-only
 * directory in the tar does not block its own contents; each is found again from the root then.
 */
public final class LayerExtractor {
    /** What to do with the OCI whiteouts ({@code .wh.NAME}, {@code .wh..wh..opq}) of a layer. */
    public enum WhiteoutMode {
        /** Apply them: delete from the target what lower layers put there (a flat root filesystem). */
        APPLY,
        /**
         * Turn them into overlayfs whiteouts: char device 0:0, and opaque directories marked twice, with
         * {@code trusted.overlay.opaque=y} (needs root; what overlayfs reads when root mounts it) and
         * {@code user.overlay.opaque=y} (what it reads with {@code userxattr}, the only mode it has inside a
         * user namespace, where trusted.* attributes cannot be read): so the one unpacked layer serves a
         * container of root's and a {@code --rootless} one.
         */
        OVERLAY,
        /**
         * The same for a user without root: a 0:0 character device (any user may make one since Linux 5.8)
         * and xattr {@code user.overlay.opaque=y}, which overlayfs reads when mounted with {@code userxattr}
         * (Linux 5.11; how overlayfs works inside a user namespace).
         */
        OVERLAY_USER,
        /** Keep them as the empty marker files the tar holds (a layer directory without root). */
        KEEP
    }

    /** What an extraction did. */
    public record Result(int entries, long fileBytes, int whiteouts, int opaques, int skippedDevices, int skippedXattrs) {
    }

    private static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String USER_OVERLAY_OPAQUE_XATTR = "user.overlay.opaque";
    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final Path root;
    private final WhiteoutMode whiteouts;
    private final boolean asRoot;
    private final List<DirMeta> dirMetas = new ArrayList<>();
    private final Set<String> written = new HashSet<>();
    private final Set<String> writtenAncestors = new HashSet<>();
    /** Paths this layer wrote as something other than a directory (files, symlinks, devices). */
    private final Set<String> writtenNonDirs = new HashSet<>();
    private RootedDirs dirs;
    private final byte[] copyBuffer = new byte[1 << 16];
    /** Threads creating small files while this one reads the tar (see {@link FileWriteQueue}). */
    private static final int WRITERS = 2;
    private FileWriteQueue writes;
    private String what = "layer";
    private int entries;
    private long fileBytes;
    private int whiteoutCount;
    private int opaqueCount;
    private int skippedDevices;
    /** Counted by the writer threads too. */
    private final java.util.concurrent.atomic.AtomicInteger skippedXattrs = new java.util.concurrent.atomic.AtomicInteger();

    /** A directory's metadata, applied at the end; kept by name and resolved again then (see {@link #extract}). */
    private record DirMeta(String path, TarArchiveEntry entry, Map<String, byte[]> xattrs) {
    }

    /** Where an entry goes: its name in a directory held open. Closing lets go of the directory. */
    private record Slot(RootedDirs.Handle parent, String name, String path) implements AutoCloseable {
        DirFd dir() {
            return parent.dir;
        }

        @Override
        public void close() {
            parent.release();
        }
    }

    public LayerExtractor(Path root, WhiteoutMode whiteouts, boolean asRoot) {
        this.root = root;
        this.whiteouts = whiteouts;
        this.asRoot = asRoot;
    }

    /** Extracts the tar read from {@code tarStream}; {@code what} names the layer in errors. */
    public Result extract(InputStream tarStream, String what) throws IOException {
        if (!Kernel.available()) {
            throw new CwbException(CwbException.UNSUPPORTED, "unpacking a layer needs Linux: every file is written through "
                    + "directory descriptors (openat, mkdirat...) so that no entry can reach outside the target",
                    "inspect, diff and cat work here; unpack on a Linux machine");
        }
        try (FileWriteQueue queue = new FileWriteQueue(WRITERS).at(root);
             RootedDirs rooted = new RootedDirs(root, hasNoSetgid(root), this::drainWrites)) {
            writes = queue;
            dirs = rooted;
            this.what = what;
            CheckedTar tar = new CheckedTar(tarStream, what);
            for (TarArchiveEntry e; (e = tar.next()) != null; ) {
                entries++;
                try {
                    apply(e, tar.content(), xattrsOf(tar.rawPax()));
                } catch (SyscallException | java.nio.file.FileSystemException ex) {
                    DiskFull.check(ex, root); // a full disk is no fault of the layer's
                    throw CwbException.corrupt(what + ": cannot apply entry '" + e.getName() + "': " + ex.getMessage(),
                            "the layer is malformed or hostile; nothing was left in the layer cache");
                }
            }
            queue.drain(); // every file written before directory times are set
            for (int i = dirMetas.size() - 1; i >= 0; i--) {
                DirMeta d = dirMetas.get(i);
                // Found again from the root: a later entry may have replaced the directory, or a parent of it, by
                // a symlink (to /etc, say). Only a real directory inside the root is touched, never through a link.
                try (Slot s = existing(d.path())) {
                    if (s != null && DirFd.isDir(s.dir().mode(s.name()))) {
                        applyMetadata(s.dir(), s.name(), d.entry(), d.xattrs());
                    }
                } catch (SyscallException ex) {
                    throw CwbException.corrupt(what + ": cannot set the mode of directory '" + d.path() + "': " + ex.getMessage(),
                            "the layer is malformed or hostile; nothing was left in the layer cache");
                }
            }
            return new Result(entries, fileBytes, whiteoutCount, opaqueCount, skippedDevices, skippedXattrs.get());
        }
    }

    private void drainWrites() throws IOException {
        writes.drain();
    }

    private static boolean hasNoSetgid(Path dir) {
        try {
            return ((Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 02000) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The extended attributes an entry carries (PAX {@code SCHILY.xattr.NAME}), values as bytes. */
    private static Map<String, byte[]> xattrsOf(Map<String, byte[]> pax) {
        if (pax.isEmpty()) {
            return Map.of();
        }
        Map<String, byte[]> x = new java.util.LinkedHashMap<>();
        pax.forEach((k, v) -> {
            if (k.startsWith(XATTR_PREFIX)) {
                x.put(k.substring(XATTR_PREFIX.length()), v);
            }
        });
        return x;
    }

    private void apply(TarArchiveEntry e, InputStream data, Map<String, byte[]> xattrs) throws IOException {
        String path = TarPaths.clean(e.getName());
        String base = TarPaths.baseName(path);
        // Only regular files and directories may overtake queued files, and only away from their paths:
        // whiteouts delete, hardlinks need their source complete, the rest is rare.
        boolean simple = e.isFile() && !e.isLink() || e.isDirectory() && !e.isSymbolicLink() || e.isSymbolicLink();
        if (!simple || path.isEmpty() || base.startsWith(LayerEntry.WHITEOUT_PREFIX)) {
            writes.drain();
        }
        if (base.equals(LayerEntry.OPAQUE_MARKER)) {
            opaque(TarPaths.parent(path));
            return;
        }
        String deleted = TarPaths.whiteoutTarget(path, e.getName());
        if (deleted != null) {
            whiteout(deleted, path);
            return;
        }
        // The type flag decides; commons-compress also calls any name ending in '/' a directory.
        boolean isDir = e.isDirectory() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice()
                && !e.isBlockDevice() && !e.isFIFO();
        if (path.isEmpty()) {
            if (!isDir) {
                throw CwbException.corrupt("entry '" + e.getName() + "' would turn the root into a non-directory",
                        "the layer is malformed or hostile; it was not used");
            }
            dirMetas.add(new DirMeta("", e, xattrs));
            return;
        }
        try (Slot t = prepare(path, isDir)) {
            markWritten(path);
            if (isDir) {
                writtenNonDirs.remove(path);
            } else {
                writtenNonDirs.add(path);
            }
            if (e.isSymbolicLink()) {
                if (e.getLinkName().isEmpty()) {
                    throw CwbException.corrupt("symlink entry '" + e.getName() + "' has an empty target", "the layer is malformed");
                }
                t.dir().symlink(e.getLinkName(), t.name());
                applyMetadata(t.dir(), t.name(), e, xattrs);
            } else if (e.isLink()) {
                hardlink(t, e);
            } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                special(t, e, xattrs);
            } else if (isDir) {
                if (!DirFd.isDir(t.dir().mode(t.name()))) {
                    t.dir().mkdir(t.name(), 0700); // its own mode comes last, when its contents are written
                    if (t.parent().direct && t.parent().plain) {
                        dirs.markCreated(path);
                    }
                }
                dirMetas.add(new DirMeta(path, e, xattrs));
            } else {
                file(t, e, data, xattrs);
            }
        }
    }

    private void file(Slot t, TarArchiveEntry e, InputStream data, Map<String, byte[]> xattrs) throws IOException {
        boolean plainParent = t.parent().plain && t.parent().direct;
        int createMode = e.getMode() & 0777; // never set-uid before the owner is set
        if (e.getSize() <= FileWriteQueue.MAX_QUEUED_FILE) {
            // the common case: a small file — queued, written by another thread while this one reads on
            byte[] content = data.readNBytes((int) e.getSize());
            fileBytes += content.length;
            writes.submit(t.parent(), t.name(), t.path(), createMode, content, fd -> applyFileMetadata(fd, t.name(), e, xattrs, plainParent),
                    what + ": cannot apply entry '" + e.getName() + "'");
            return;
        }
        int fd = t.dir().create(t.name(), createMode);
        try {
            // One reused buffer, larger than transferTo's 8 KiB: a quarter of the write(2) calls for big files.
            for (int n; (n = data.read(copyBuffer)) > 0; ) {
                DirFd.writeAll(fd, copyBuffer, n, t.name());
                fileBytes += n;
            }
            applyFileMetadata(fd, t.name(), e, xattrs, plainParent);
        } finally {
            DirFd.closeFile(fd, t.name());
        }
    }

    /**
     * The parent of {@code path}, made to exist inside the root, with its last component cleared unless both
     * the existing thing and the new entry are directories (then they merge, as tar does).
     */
    private Slot prepare(String path, boolean newIsDir) throws IOException {
        RootedDirs.Handle parent = dirs.dir(TarPaths.parent(path), true);
        Slot slot = new Slot(parent, TarPaths.baseName(path), path);
        try {
            if (!parent.direct || writes.conflicts(path)) {
                writes.drain(); // a queued file may be this very path (through a symlinked parent: another name for it)
            }
            int mode = parent.dir.mode(slot.name());
            if (mode >= 0 && !(DirFd.isDir(mode) && newIsDir)) {
                writes.drain();
                parent.dir.deleteTree(slot.name());
                forget(parent, path);
            }
            return slot;
        } catch (IOException | RuntimeException e) {
            slot.close();
            throw e;
        }
    }

    /** The place of {@code path} if its parent is a directory inside the root, else null; "" is the root itself, as ".". */
    private Slot existing(String path) throws IOException {
        if (path.isEmpty()) {
            return new Slot(dirs.root(), ".", "");
        }
        RootedDirs.Handle parent = dirs.dir(TarPaths.parent(path), false);
        return parent == null ? null : new Slot(parent, TarPaths.baseName(path), path);
    }

    /** After deleting {@code path} in {@code parent}: no cached descriptor may still point into what was there. */
    private void forget(RootedDirs.Handle parent, String path) {
        if (parent.direct) {
            dirs.forget(path);
        } else {
            dirs.forgetAll(); // reached through a symlink: which cached paths led there is not known
        }
    }

    private void hardlink(Slot t, TarArchiveEntry e) throws IOException {
        String linkTo = TarPaths.clean(e.getLinkName());
        try (Slot source = linkTo.isEmpty() ? null : existing(linkTo)) {
            int mode = source == null ? -1 : source.dir().mode(source.name());
            if (mode < 0) {
                throw CwbException.corrupt("hardlink entry '" + e.getName() + "' points at '" + e.getLinkName()
                        + "', which is not in the layers so far", "the layer is malformed or hostile; it was not used");
            }
            if (DirFd.isDir(mode)) {
                throw CwbException.corrupt("hardlink entry '" + e.getName() + "' points at a directory", "the layer is malformed");
            }
            // linkat(2) without AT_SYMLINK_FOLLOW: a symlink source is linked itself, so the new name shares its inode.
            t.dir().link(source.dir(), source.name(), t.name());
        }
    }

    private void special(Slot t, TarArchiveEntry e, Map<String, byte[]> xattrs) throws IOException {
        if (!asRoot && !e.isFIFO()) {
            skippedDevices++; // mknod(2) of a device needs CAP_MKNOD
            return;
        }
        int type = e.isCharacterDevice() ? Kernel.S_IFCHR : e.isBlockDevice() ? Kernel.S_IFBLK : Kernel.S_IFIFO;
        t.dir().mknod(t.name(), type | (e.getMode() & 0777), Kernel.makedev(e.getDevMajor(), e.getDevMinor()));
        applyMetadata(t.dir(), t.name(), e, xattrs);
    }

    private void whiteout(String deleted, String markerPath) throws IOException {
        whiteoutCount++;
        if (whiteouts != WhiteoutMode.APPLY && underWrittenNonDirectory(deleted)) {
            return;
        }
        switch (whiteouts) {
            case APPLY -> {
                try (Slot victim = existing(deleted)) {
                    if (victim != null && victim.dir().mode(victim.name()) >= 0) {
                        victim.dir().deleteTree(victim.name());
                        forget(victim.parent(), deleted);
                    }
                }
            }
            case OVERLAY, OVERLAY_USER -> {
                try (Slot node = prepare(deleted, false)) {
                    node.dir().mknod(node.name(), Kernel.S_IFCHR, 0); // overlayfs: a 0:0 character device hides the lower file
                } catch (SyscallException ex) {
                    throw new CwbException(CwbException.UNSUPPORTED, "cannot make the overlay whiteout for "
                            + deleted + ": " + ex.getMessage(), "without root this needs Linux 5.8 or later; or run with sudo");
                }
            }
            case KEEP -> {
                try (Slot marker = prepare(markerPath, false)) {
                    DirFd.closeFile(marker.dir().create(marker.name(), 0644), marker.name());
                }
            }
        }
    }

    private void opaque(String dir) throws IOException {
        opaqueCount++;
        if (whiteouts != WhiteoutMode.APPLY && (writtenNonDirs.contains(dir) || underWrittenNonDirectory(dir))) {
            return;
        }
        switch (whiteouts) {
            case APPLY -> {
                try (Slot d = existing(dir)) {
                    if (d != null && DirFd.isDir(d.dir().mode(d.name()))) {
                        try (DirFd opened = d.dir().openDir(d.name())) {
                            clearLowerChildren(opened, dir, d.parent().direct);
                        }
                    }
                }
            }
            case OVERLAY, OVERLAY_USER -> {
                List<String> attrs = whiteouts == WhiteoutMode.OVERLAY ? List.of(OVERLAY_OPAQUE_XATTR, USER_OVERLAY_OPAQUE_XATTR)
                        : List.of(USER_OVERLAY_OPAQUE_XATTR);
                byte[] yes = "y".getBytes(StandardCharsets.UTF_8);
                try (Slot d = dir.isEmpty() ? existing("") : prepare(dir, true)) {
                    if (!dir.isEmpty() && !DirFd.isDir(d.dir().mode(d.name()))) {
                        d.dir().mkdir(d.name(), 0755);
                    }
                    for (String attr : attrs) {
                        d.dir().setxattr(d.name(), attr, yes);
                    }
                }
            }
            case KEEP -> {
                RootedDirs.Handle h = dirs.dir(dir, true);
                try {
                    if (h.dir.mode(LayerEntry.OPAQUE_MARKER) < 0) {
                        DirFd.closeFile(h.dir.create(LayerEntry.OPAQUE_MARKER, 0644), LayerEntry.OPAQUE_MARKER);
                    }
                } finally {
                    h.release();
                }
            }
        }
    }

    /** Opaque whiteout: removes what lower layers left in {@code dir}, keeping what this layer wrote. */
    private void clearLowerChildren(DirFd dir, String dirPath, boolean direct) throws IOException {
        for (String child : dir.list()) {
            String childPath = dirPath.isEmpty() ? child : dirPath + "/" + child;
            boolean isDir = DirFd.isDir(dir.mode(child));
            if (isDir && (written.contains(childPath) || writtenAncestors.contains(childPath))) {
                try (DirFd sub = dir.openDir(child)) {
                    clearLowerChildren(sub, childPath, direct);
                }
            } else if (!written.contains(childPath)) {
                dir.deleteTree(child);
                if (direct) {
                    dirs.forget(childPath);
                } else {
                    dirs.forgetAll();
                }
            }
        }
    }

    /**
     * True when this layer itself made an ancestor of {@code path} a non-directory. umoci, for one, writes
     * {@code d} as a file and then {@code d/.wh.sub} when a directory became a file: the file already hides
     * all of the lower {@code d}, so the whiteout says nothing more. Stored as a layer directory, obeying it
     * would mean turning {@code d} back into a directory and losing the file.
     */
    private boolean underWrittenNonDirectory(String path) {
        for (String p = TarPaths.parent(path); !p.isEmpty(); p = TarPaths.parent(p)) {
            if (writtenNonDirs.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private void markWritten(String path) {
        written.add(path);
        for (String p = TarPaths.parent(path); !p.isEmpty() && writtenAncestors.add(p); p = TarPaths.parent(p)) {
            // record each ancestor once
        }
    }

    /**
     * Metadata of a regular file just created, through its descriptor. openat(2) gave it our uid, our gid
     * (its directory has no setgid bit while {@code plainParent}: this extraction made it and sets modes
     * last) and the entry's permission bits less the umask; a chown or chmod that would change nothing is
     * skipped. Most files of an image are root's and 0644 or 0755, so this saves two system calls per file.
     */
    private void applyFileMetadata(int fd, String name, TarArchiveEntry e, Map<String, byte[]> xattrs, boolean plainParent)
            throws IOException {
        int mode = e.getMode() & 07777;
        if (asRoot && (!plainParent || e.getLongUserId() != OWNER.uid() || e.getLongGroupId() != OWNER.gid())) {
            DirFd.fchown(fd, (int) e.getLongUserId(), (int) e.getLongGroupId(), name);
        }
        if (OWNER.umask() < 0 || mode != (mode & 0777 & ~OWNER.umask())) {
            DirFd.fchmod(fd, mode, name); // after chown: chown(2) clears setuid/setgid
        }
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            if (allowedXattr(x.getKey())) {
                try {
                    DirFd.fsetxattr(fd, x.getKey(), x.getValue(), name);
                } catch (SyscallException ex) {
                    skippedXattrs.incrementAndGet(); // e.g. security.* without privilege, or a file system without xattrs
                }
            }
        }
        long millis = e.getLastModifiedDate().getTime();
        DirFd.futimens(fd, Math.floorDiv(millis, 1000), Math.floorMod(millis, 1000) * 1_000_000L, name);
    }

    /** Who new files belong to, and the umask that shapes their mode: read once from /proc/self/status. */
    private record Owner(long uid, long gid, int umask) {
        static Owner ofThisProcess() {
            long uid = -1;
            long gid = -1;
            int umask = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    String[] f = line.split("\\s+");
                    switch (f[0]) {
                        case "Uid:" -> uid = Long.parseLong(f[4]); // real, effective, saved, fs: new files get the fs uid
                        case "Gid:" -> gid = Long.parseLong(f[4]);
                        case "Umask:" -> umask = Integer.parseInt(f[1], 8);
                        default -> {
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // unknown: every call is made
            }
            return new Owner(uid, gid, umask);
        }
    }

    private static final Owner OWNER = Owner.ofThisProcess();

    /** Owner, mode, xattrs and times of {@code name} in {@code dir} itself: every call with AT_SYMLINK_NOFOLLOW. */
    private void applyMetadata(DirFd dir, String name, TarArchiveEntry e, Map<String, byte[]> xattrs) throws IOException {
        boolean symlink = e.isSymbolicLink();
        if (asRoot) {
            dir.chown(name, (int) e.getLongUserId(), (int) e.getLongGroupId());
        }
        if (!symlink) {
            dir.chmod(name, e.getMode() & 07777); // after chown: chown(2) clears setuid/setgid
        }
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            if (allowedXattr(x.getKey())) {
                try {
                    dir.setxattr(name, x.getKey(), x.getValue());
                } catch (SyscallException ex) {
                    skippedXattrs.incrementAndGet(); // e.g. security.* without privilege, or a file system without xattrs
                }
            }
        }
        long millis = e.getLastModifiedDate().getTime();
        dir.utimes(name, Math.floorDiv(millis, 1000), Math.floorMod(millis, 1000) * 1_000_000L);
    }

    /** A layer must not forge overlayfs metadata: that would hide or redirect lower files. */
    private boolean allowedXattr(String name) {
        if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
            skippedXattrs.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Deletes a file, a symlink (not what it points to) or a whole directory tree, never following links. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(p);
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                makeWritable(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A directory a layer made read-only (0555) must still be emptied when it is deleted. */
    private static void makeWritable(Path dir) throws IOException {
        if (!Files.isWritable(dir)) {
            try {
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            } catch (AccessDeniedException e) {
                // not ours: the delete below reports the real problem
            }
        }
    }
}
