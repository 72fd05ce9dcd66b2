package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.DiskFull;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes the entries of one layer tar into a directory — and nowhere else.
 *
 * <p>Every entry name is cleaned ({@link TarPaths#clean}), its parent directories are resolved inside the
 * target ({@link RootedPath}) and its last component is never followed: whatever is there (a symlink to
 * {@code /etc}, say) is removed and replaced, never written through. Hardlink targets are resolved the same
 * way. Whiteouts are handled as {@link WhiteoutMode} says. Directory modes and times are applied after
 * all entries, so a read-only directory in the tar does not block its own contents.
 */
public final class LayerExtractor {
    /** What to do with the OCI whiteouts ({@code .wh.NAME}, {@code .wh..wh..opq}) of a layer. */
    public enum WhiteoutMode {
        /** Apply them: delete from the target what lower layers put there (a flat root filesystem). */
        APPLY,
        /** Turn them into overlayfs whiteouts: char device 0:0, and xattr trusted.overlay.opaque=y (needs root). */
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

    private final Path root;
    private final WhiteoutMode whiteouts;
    private final boolean asRoot;
    private final List<DirMeta> dirs = new ArrayList<>();
    private final Set<String> written = new HashSet<>();
    private final Set<String> writtenAncestors = new HashSet<>();
    /** Paths this layer wrote as something other than a directory (files, symlinks, devices). */
    private final Set<String> writtenNonDirs = new HashSet<>();
    /**
     * Directories (relative paths) known to be real directories, reached from the root through real
     * directories only: for them {@code root.resolve(path)} is exactly what {@link RootedPath} would find,
     * without an lstat(2) per component. An entry is added only when its parent is known (or is the root) and
     * it was just checked or created; {@link #delete} forgets a path and everything below it, so a directory
     * replaced by a symlink (to {@code /etc}, say) is resolved the slow, safe way again.
     */
    private final Set<String> knownDirs = new HashSet<>();
    /** Known directories this extraction created: no setgid bit yet (modes come last), so new files get our gid. */
    private final Set<String> createdDirs = new HashSet<>();
    private final boolean rootIsPlain;
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
    private int skippedXattrs;

    /** A directory's metadata, applied at the end; kept by name and resolved again then (see {@link #extract}). */
    private record DirMeta(String path, TarArchiveEntry entry) {
    }

    public LayerExtractor(Path root, WhiteoutMode whiteouts, boolean asRoot) {
        this.root = root;
        this.whiteouts = whiteouts;
        this.asRoot = asRoot;
        this.rootIsPlain = hasNoSetgid(root);
    }

    private static boolean hasNoSetgid(Path dir) {
        try {
            return ((Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 02000) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Extracts the tar read from {@code tarStream}; {@code what} names the layer in errors. */
    public Result extract(InputStream tarStream, String what) throws IOException {
        try (FileWriteQueue queue = new FileWriteQueue(WRITERS)) {
            writes = queue;
            this.what = what;
            CheckedTar tar = new CheckedTar(tarStream, what);
            for (TarArchiveEntry e; (e = tar.next()) != null; ) {
                entries++;
                try {
                    apply(e, tar.content());
                } catch (SyscallException | java.nio.file.FileSystemException ex) {
                    DiskFull.check(ex, root); // a full disk is no fault of the layer's
                    throw CwbException.corrupt(what + ": cannot apply entry '" + e.getName() + "': " + ex.getMessage(),
                            "the layer is malformed or hostile; nothing was left in the layer cache");
                }
            }
            queue.drain(); // every file written before directory times are set
            for (int i = dirs.size() - 1; i >= 0; i--) {
                DirMeta d = dirs.get(i);
                // Resolve again: a later entry may have replaced the directory, or a parent of it, by a symlink
                // (to /etc, say). chmod(2) follows symlinks, so only a real directory inside the root is touched.
                Path p = resolveParent(d.path());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    applyMetadata(p, d.entry(), true);
                }
            }
            return new Result(entries, fileBytes, whiteoutCount, opaqueCount, skippedDevices, skippedXattrs);
        }
    }

    private void apply(TarArchiveEntry e, InputStream data) throws IOException {
        String path = TarPaths.clean(e.getName());
        String base = TarPaths.baseName(path);
        // Only regular files and directories may overtake queued files, and only away from their paths:
        // whiteouts delete, hardlinks need their source complete, the rest is rare.
        boolean simple = e.isFile() && !e.isLink() || e.isDirectory() && !e.isSymbolicLink() || e.isSymbolicLink();
        if (!simple || path.isEmpty() || base.startsWith(LayerEntry.WHITEOUT_PREFIX) || writes.conflicts(resolveParent(path))) {
            writes.drain();
        }
        if (base.equals(LayerEntry.OPAQUE_MARKER)) {
            opaque(TarPaths.parent(path), e);
            return;
        }
        String deleted = TarPaths.whiteoutTarget(path, e.getName());
        if (deleted != null) {
            whiteout(deleted, path, e);
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
            dirs.add(new DirMeta("", e));
            return;
        }
        Path target = prepare(path, isDir);
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
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            applyMetadata(target, e, false);
        } else if (e.isLink()) {
            hardlink(target, e);
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            special(target, e);
        } else if (isDir) {
            boolean created = false;
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(target);
                created = true;
            }
            String parent = TarPaths.parent(path);
            if (target.equals(root.resolve(path)) && (parent.isEmpty() || knownDirs.contains(parent))) {
                knownDirs.add(path);
                if (created && (parent.isEmpty() ? rootIsPlain : createdDirs.contains(parent))) {
                    createdDirs.add(path);
                }
            }
            dirs.add(new DirMeta(path, e));
        } else {
            String parent = TarPaths.parent(path);
            boolean plainParent = (parent.isEmpty() ? rootIsPlain : createdDirs.contains(parent)) && target.equals(root.resolve(path));
            if (plainParent && e.getSize() <= FileWriteQueue.MAX_QUEUED_FILE && e.getExtraPaxHeaders().isEmpty()) {
                // the common case: a small file with nothing but owner, mode and time to set — queue it
                byte[] content = data.readNBytes((int) e.getSize());
                fileBytes += content.length;
                writes.submit(target, content, file -> applyFileMetadata(file, e, true),
                        what + ": cannot apply entry '" + e.getName() + "'");
                return;
            }
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                // One reused buffer, larger than transferTo's 8 KiB: a quarter of the write(2) calls for big files.
                for (int n; (n = data.read(copyBuffer)) > 0; ) {
                    out.write(copyBuffer, 0, n);
                    fileBytes += n;
                }
            }
            applyFileMetadata(target, e, plainParent);
        }
    }

    /**
     * Makes the parents of {@code path} exist inside the root and clears its last component, unless both
     * the existing thing and the new entry are directories (then they merge, as tar does).
     */
    private Path prepare(String path, boolean newIsDir) throws IOException {
        Path target = ensureDirectory(TarPaths.parent(path)).resolve(TarPaths.baseName(path));
        if (RootedPath.existsNoFollow(target)) {
            boolean oldIsDir = Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS);
            if (!(oldIsDir && newIsDir)) {
                delete(target);
            }
        }
        return target;
    }

    /** Creates the directory {@code dir} (and its parents) inside the root if missing, as tar does for implicit parents. */
    private Path ensureDirectory(String dir) throws IOException {
        if (dir.isEmpty()) {
            return root;
        }
        if (knownDirs.contains(dir)) {
            return root.resolve(dir);
        }
        String parent = TarPaths.parent(dir);
        ensureDirectory(parent);
        if (parent.isEmpty() || knownDirs.contains(parent)) {
            // The common case: the parent is a real directory, so only this component needs a look.
            Path p = root.resolve(dir);
            BasicFileAttributes a = attributesOrNull(p);
            if (a == null || !a.isSymbolicLink()) {
                if (a != null && !a.isDirectory()) {
                    delete(p); // a file stands where the layer needs a directory: tar would fail; the later layer wins
                    a = null;
                }
                if (a == null) {
                    Files.createDirectory(p);
                    if (parent.isEmpty() ? rootIsPlain : createdDirs.contains(parent)) {
                        createdDirs.add(dir);
                    }
                }
                knownDirs.add(dir);
                return p;
            }
        }
        Path p = RootedPath.resolveFully(root, dir);
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return p;
        }
        if (RootedPath.existsNoFollow(p)) {
            // A file stands where the layer needs a directory: tar would fail; the later layer wins.
            delete(p);
        }
        // p's existing components are real directories (resolveFully followed every symlink inside the
        // root); the rest does not exist yet, so creating it cannot leave the root.
        Files.createDirectories(p);
        return p;
    }

    /** {@link RootedPath#resolveParent}, without a look at each component when the parent is a known directory. */
    private Path resolveParent(String path) throws IOException {
        String parent = TarPaths.parent(path);
        if (!path.isEmpty() && (parent.isEmpty() || knownDirs.contains(parent))) {
            return root.resolve(path);
        }
        return RootedPath.resolveParent(root, path);
    }

    private static BasicFileAttributes attributesOrNull(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** Deletes {@code p} (never following links) and forgets every known directory at or below it. */
    private void delete(Path p) throws IOException {
        if (p.startsWith(root) && !p.equals(root)) {
            String rel = root.relativize(p).toString();
            String below = rel + "/";
            knownDirs.removeIf(d -> d.equals(rel) || d.startsWith(below));
            createdDirs.removeIf(d -> d.equals(rel) || d.startsWith(below));
        } else {
            knownDirs.clear();
            createdDirs.clear();
        }
        deleteTree(p);
    }

    private void hardlink(Path target, TarArchiveEntry e) throws IOException {
        String linkTo = TarPaths.clean(e.getLinkName());
        Path source = linkTo.isEmpty() ? root : resolveParent(linkTo);
        if (linkTo.isEmpty() || !RootedPath.existsNoFollow(source)) {
            throw CwbException.corrupt("hardlink entry '" + e.getName() + "' points at '" + e.getLinkName()
                    + "', which is not in the layers so far", "the layer is malformed or hostile; it was not used");
        }
        if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            throw CwbException.corrupt("hardlink entry '" + e.getName() + "' points at a directory", "the layer is malformed");
        }
        // link(2) does not follow a symlink source: the new name shares the symlink's inode, not its target's.
        Files.createLink(target, source);
    }

    private void special(Path target, TarArchiveEntry e) throws IOException {
        if (!Kernel.available() || (!asRoot && !e.isFIFO())) {
            skippedDevices++; // mknod(2) of a device needs CAP_MKNOD
            return;
        }
        int type = e.isCharacterDevice() ? Kernel.S_IFCHR : e.isBlockDevice() ? Kernel.S_IFBLK : Kernel.S_IFIFO;
        Kernel.mknod(target, type | (e.getMode() & 07777), Kernel.makedev(e.getDevMajor(), e.getDevMinor()));
        applyMetadata(target, e, false);
    }

    private void whiteout(String deleted, String markerPath, TarArchiveEntry e) throws IOException {
        whiteoutCount++;
        if (whiteouts != WhiteoutMode.APPLY && underWrittenNonDirectory(deleted)) {
            return;
        }
        switch (whiteouts) {
            case APPLY -> {
                Path victim = resolveParent(deleted);
                if (RootedPath.existsNoFollow(victim)) {
                    delete(victim);
                }
            }
            case OVERLAY, OVERLAY_USER -> {
                Path node = prepare(deleted, false);
                try {
                    Kernel.mknod(node, Kernel.S_IFCHR, 0); // overlayfs: a 0:0 character device hides the lower file
                } catch (SyscallException ex) {
                    throw new dev.cwb.CwbException(dev.cwb.CwbException.UNSUPPORTED, "cannot make the overlay whiteout for "
                            + deleted + ": " + ex.getMessage(), "without root this needs Linux 5.8 or later; or run with sudo");
                }
            }
            case KEEP -> {
                Path marker = prepare(markerPath, false);
                Files.createFile(marker);
            }
        }
    }

    private void opaque(String dir, TarArchiveEntry e) throws IOException {
        opaqueCount++;
        if (whiteouts != WhiteoutMode.APPLY && (writtenNonDirs.contains(dir) || underWrittenNonDirectory(dir))) {
            return;
        }
        switch (whiteouts) {
            case APPLY -> {
                if (dir.isEmpty()) {
                    clearLowerChildren(root, "");
                    return;
                }
                Path d = resolveParent(dir);
                if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    clearLowerChildren(d, dir);
                }
            }
            case OVERLAY, OVERLAY_USER -> {
                Path d = dir.isEmpty() ? root : prepare(dir, true);
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(d);
                }
                Kernel.lsetxattr(d, whiteouts == WhiteoutMode.OVERLAY ? OVERLAY_OPAQUE_XATTR : USER_OVERLAY_OPAQUE_XATTR,
                        "y".getBytes(StandardCharsets.UTF_8));
            }
            case KEEP -> {
                ensureDirectory(dir);
                Path marker = RootedPath.resolveParent(root, dir.isEmpty() ? LayerEntry.OPAQUE_MARKER : dir + "/" + LayerEntry.OPAQUE_MARKER);
                if (!RootedPath.existsNoFollow(marker)) {
                    Files.createFile(marker);
                }
            }
        }
    }

    /** Opaque whiteout: removes what lower layers left in {@code dir}, keeping what this layer wrote. */
    private void clearLowerChildren(Path dir, String dirPath) throws IOException {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.toList();
        }
        for (Path child : children) {
            String childPath = dirPath.isEmpty() ? child.getFileName().toString() : dirPath + "/" + child.getFileName();
            boolean isDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
            if (isDir && (written.contains(childPath) || writtenAncestors.contains(childPath))) {
                clearLowerChildren(child, childPath);
            } else if (!written.contains(childPath)) {
                delete(child);
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
     * Metadata of a regular file just created. open(2) gave it our uid, our gid (its directory has no
     * setgid bit while {@code plainParent}: this extraction made it and sets modes last) and mode
     * {@code 0666 & ~umask}; a chown or chmod that would change nothing is skipped. Most files of an image
     * are root's and 0644, so this saves two system calls per file.
     */
    private void applyFileMetadata(Path p, TarArchiveEntry e, boolean plainParent) throws IOException {
        if (!plainParent || !Kernel.available() || OWNER.umask() < 0 || !e.getExtraPaxHeaders().isEmpty()) {
            applyMetadata(p, e, false);
            return;
        }
        if (asRoot && (e.getLongUserId() != OWNER.uid() || e.getLongGroupId() != OWNER.gid())) {
            Kernel.lchown(p, (int) e.getLongUserId(), (int) e.getLongGroupId());
            Kernel.chmod(p, e.getMode() & 07777); // after chown: chown(2) clears setuid/setgid
        } else if ((e.getMode() & 07777) != (0666 & ~OWNER.umask())) {
            Kernel.chmod(p, e.getMode() & 07777);
        }
        long millis = e.getLastModifiedDate().getTime();
        Kernel.lutimes(p, Math.floorDiv(millis, 1000), Math.floorMod(millis, 1000) * 1_000_000L);
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

    private void applyMetadata(Path p, TarArchiveEntry e, boolean isDir) throws IOException {
        boolean symlink = e.isSymbolicLink();
        if (asRoot && Kernel.available()) {
            Kernel.lchown(p, (int) e.getLongUserId(), (int) e.getLongGroupId());
        }
        if (!symlink && Kernel.available()) {
            Kernel.chmod(p, e.getMode() & 07777); // after chown: chown(2) clears setuid/setgid
        } else if (!symlink) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(rwx(e.getMode())));
        }
        for (Map.Entry<String, String> x : e.getExtraPaxHeaders().entrySet()) {
            if (x.getKey().startsWith("SCHILY.xattr.")) {
                setXattr(p, x.getKey().substring("SCHILY.xattr.".length()), x.getValue());
            }
        }
        if (Kernel.available()) {
            long millis = e.getLastModifiedDate().getTime();
            Kernel.lutimes(p, Math.floorDiv(millis, 1000), Math.floorMod(millis, 1000) * 1_000_000L);
        }
    }

    private void setXattr(Path p, String name, String value) {
        // A layer must not forge overlayfs metadata: that would hide or redirect lower files.
        if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.") || !Kernel.available()) {
            skippedXattrs++;
            return;
        }
        try {
            Kernel.lsetxattr(p, name, value.getBytes(StandardCharsets.ISO_8859_1));
        } catch (SyscallException ex) {
            skippedXattrs++; // e.g. security.* without privilege, or a file system without xattrs
        }
    }

    private static String rwx(int mode) {
        String chars = "rwxrwxrwx";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            s.append((mode & (1 << (8 - i))) != 0 ? chars.charAt(i) : '-');
        }
        return s.toString();
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
