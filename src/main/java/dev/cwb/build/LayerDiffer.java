package dev.cwb.build;

import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.FileNames;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a container's overlay upper directory into an OCI layer tar — what {@code docker commit} and
 * BuildKit's differ do with overlayfs (moby {@code pkg/archive} with the overlay whiteout converter):
 * <ul>
 *   <li>a whiteout, a character device 0:0, becomes an empty file {@code .wh.NAME} (mode 0600);</li>
 *   <li>a directory with {@code trusted.overlay.opaque=y} (or {@code user.overlay.opaque}, rootless) is
 *       written, then {@code DIR/.wh..wh..opq} right after it: the lower layers' children are hidden;</li>
 *   <li>everything else as it is: type, mode (set-uid, sticky), owner, size, symbolic link target,
 *       device numbers, extended attributes (not overlayfs's own), and a second name of a file already
 *       written as a hard link to the first;</li>
 *   <li>entries sorted by name, bytewise, a directory before what it holds; names as the kernel's bytes.</li>
 * </ul>
 * Paths in {@link Options#excluded()} — mount points a run made for itself, such as {@code /proc} — are
 * left out with everything below them. With {@link Options#clampTime()} set (SOURCE_DATE_EPOCH), no time is
 * later than it, as BuildKit's {@code rewrite-timestamp}: two runs that make the same files give the same tar.
 */
public final class LayerDiffer {
    public static final byte[] WHITEOUT_PREFIX = ".wh.".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] OPAQUE_MARKER = ".wh..wh..opq".getBytes(StandardCharsets.US_ASCII);

    /**
     * How to write: mount points to leave out (paths relative to the root), the lower layers to compare with,
     * the clamp, and for a build without root the one id a user namespace maps ({@code hostId}, this user's):
     * its files are root's inside, so the layer says 0:0, as the container saw them.
     */
    public record Options(Set<String> excluded, List<Path> lowers, Long clampTime, Integer hostUid, Integer hostGid) {
        public Options(Set<String> excluded, List<Path> lowers, Long clampTime) {
            this(excluded, lowers, clampTime, null, null);
        }

        /** The options for this process: without root, its own uid and gid are 0 in the layer. */
        public static Options forThisUser(Set<String> excluded, List<Path> lowers, Long clampTime, boolean asRoot) {
            if (asRoot || !dev.cwb.kernel.Kernel.available()) {
                return new Options(excluded, lowers, clampTime);
            }
            return new Options(excluded, lowers, clampTime, dev.cwb.kernel.Kernel.geteuid(), dev.cwb.kernel.Kernel.getegid());
        }

        int uid(int host) {
            return hostUid != null && host == hostUid ? 0 : host;
        }

        int gid(int host) {
            return hostGid != null && host == hostGid ? 0 : host;
        }
    }

    /** What the layer holds: entries written, files added / modified / deleted (compared with the lowers), tar bytes. */
    public record Stats(int entries, int added, int modified, int deleted, int opaques, long tarBytes) {
    }

    private final Options options;
    private final Map<Long, Map<Long, byte[]>> linked = new HashMap<>(); // dev -> ino -> first name written
    private TarWriter tar;
    private int entries;
    private int added;
    private int modified;
    private int deleted;
    private int opaques;

    private LayerDiffer(Options options) {
        this.options = options;
    }

    /** Writes the layer tar of {@code upper} to {@code out} (not closed); returns what it holds. */
    public static Stats write(Path upper, Options options, OutputStream out) throws IOException {
        LayerDiffer d = new LayerDiffer(options);
        d.tar = new TarWriter(out);
        List<DirFd> lowers = new ArrayList<>();
        try (DirFd root = DirFd.open(upper)) {
            for (Path lower : options.lowers()) {
                lowers.add(DirFd.open(lower));
            }
            d.walk(root, new byte[0], lowers);
        } finally {
            lowers.forEach(DirFd::close);
        }
        d.tar.finish();
        return new Stats(d.entries, d.added, d.modified, d.deleted, d.opaques, d.tar.written());
    }

    /**
     * Writes the entries of {@code dir} (at {@code prefix} in the layer). {@code lowers} holds, for each lower
     * layer, its directory at the same place, or null where that layer has none there (nothing, or not a
     * directory: overlayfs merges directories only), so telling added from modified never follows a link
     * out of a layer.
     */
    private void walk(DirFd dir, byte[] prefix, List<DirFd> lowers) throws IOException {
        List<String> names = dir.list();
        List<byte[]> sorted = new ArrayList<>(names.size());
        Map<byte[], String> byBytes = new java.util.IdentityHashMap<>();
        for (String name : names) {
            byte[] b = FileNames.encode(name);
            sorted.add(b);
            byBytes.put(b, name);
        }
        sorted.sort(Arrays::compareUnsigned);
        for (byte[] nameBytes : sorted) {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("cancelled");
            }
            String name = byBytes.get(nameBytes);
            byte[] rel = join(prefix, nameBytes);
            if (options.excluded().contains(new String(rel, StandardCharsets.UTF_8))) {
                continue;
            }
            DirFd.Stat st = dir.stat(name);
            long mtime = options.clampTime() == null ? st.mtimeSeconds() : Math.min(st.mtimeSeconds(), options.clampTime());
            if (st.isWhiteout()) {
                byte[] wh = join(prefix, concat(WHITEOUT_PREFIX, nameBytes));
                tar.file(wh, new TarWriter.Meta(0600, options.uid(st.uid()), options.gid(st.gid()), mtime, null), 0, InputStream.nullInputStream());
                entries++;
                deleted++;
                continue;
            }
            Map<String, byte[]> xattrs = dir.xattrs(name);
            boolean opaque = isYes(xattrs.remove("trusted.overlay.opaque")) | isYes(xattrs.remove("user.overlay.opaque"));
            xattrs.keySet().removeIf(k -> k.startsWith("trusted.overlay.") || k.startsWith("user.overlay."));
            TarWriter.Meta meta = new TarWriter.Meta(st.mode(), options.uid(st.uid()), options.gid(st.gid()), mtime,
                    xattrs.isEmpty() ? null : new TreeMap<>(xattrs));
            boolean inLower = false;
            for (DirFd lower : lowers) {
                if (lower != null && lower.mode(name) >= 0) {
                    inLower = true;
                    break;
                }
            }
            entries++;
            switch (st.type()) {
                case DirFd.S_IFDIR -> {
                    tar.directory(rel, meta);
                    if (opaque) {
                        tar.file(join(rel, OPAQUE_MARKER), new TarWriter.Meta(st.mode() & 0777, meta.uid(), meta.gid(), mtime, null),
                                0, InputStream.nullInputStream());
                        entries++;
                        opaques++;
                    }
                    if (!inLower) {
                        added++;
                    } else if (opaque) {
                        modified++;
                    }
                    List<DirFd> below = new ArrayList<>(lowers.size());
                    try (DirFd sub = dir.openDir(name)) {
                        for (DirFd lower : lowers) {
                            below.add(lower == null ? null : lower.openDirOrNull(name));
                        }
                        walk(sub, rel, below);
                    } finally {
                        for (DirFd d : below) {
                            if (d != null) {
                                d.close();
                            }
                        }
                    }
                    continue;
                }
                case DirFd.S_IFLNK -> tar.symlink(rel, meta, FileNames.encode(dir.readlink(name)));
                case DirFd.S_IFREG -> {
                    byte[] first = st.nlink() > 1 ? firstName(st, rel) : null;
                    if (first != null) {
                        tar.hardLink(rel, meta, first);
                    } else {
                        try (InputStream in = dir.read(name)) {
                            tar.file(rel, meta, st.size(), in);
                        }
                    }
                }
                case DirFd.S_IFCHR -> tar.device(rel, TarWriter.CHAR_DEVICE, meta, st.rdevMajor(), st.rdevMinor());
                case DirFd.S_IFBLK -> tar.device(rel, TarWriter.BLOCK_DEVICE, meta, st.rdevMajor(), st.rdevMinor());
                case DirFd.S_IFIFO -> tar.device(rel, TarWriter.FIFO, meta, 0, 0);
                default -> { // a socket: tar has no type for it, and Docker leaves it out too
                    entries--;
                    continue;
                }
            }
            if (inLower) {
                modified++;
            } else {
                added++;
            }
        }
    }

    /** The name this inode was first written under, or null (and now remembered) when this is the first. */
    private byte[] firstName(DirFd.Stat st, byte[] rel) {
        long dev = ((long) st.devMajor() << 32) | (st.devMinor() & 0xffffffffL);
        Map<Long, byte[]> byIno = linked.computeIfAbsent(dev, k -> new HashMap<>());
        byte[] first = byIno.get(st.ino());
        if (first == null) {
            byIno.put(st.ino(), rel);
        }
        return first;
    }

    private static byte[] join(byte[] dir, byte[] name) {
        if (dir.length == 0) {
            return name.clone();
        }
        byte[] out = Arrays.copyOf(dir, dir.length + 1 + name.length);
        out[dir.length] = '/';
        System.arraycopy(name, 0, out, dir.length + 1, name.length);
        return out;
    }

    private static boolean isYes(byte[] v) {
        return v != null && v.length == 1 && v[0] == 'y';
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
