package dev.cwb.layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a root filesystem looks like to someone who runs {@code ls -lan}, {@code sha256sum}, {@code stat} and
 * {@code getfattr -d} over it: one line per path with its type, permission bits (setuid, setgid and sticky
 * included), owner, group, size, content hash, symlink target, device number, {@code user.*} xattrs and —
 * for everything but directories — the modification time in whole seconds. Hardlinks are compared as
 * groups of names that share an inode. Two trees unpacked from the same image must give equal snapshots.
 *
 * <p>Not compared: directory mtimes (creating a child changes them, and tools differ in when they set
 * them back), inode numbers themselves, link counts of the tree root, atimes and ctimes.
 */
record TreeSnapshot(Map<String, String> entries, Set<String> hardlinkGroups) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFIFO = 0010000;

    static TreeSnapshot of(Path root) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        Map<Long, Set<String>> byInode = new TreeMap<>();
        List<Path> paths;
        try (Stream<Path> s = Files.walk(root)) {
            paths = s.toList();
        }
        for (Path p : paths) {
            String rel = root.equals(p) ? "/" : "/" + root.relativize(p);
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,rdev,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int type = mode & S_IFMT;
            StringBuilder line = new StringBuilder();
            line.append(typeName(type)).append(' ').append(String.format("%04o", mode & 07777))
                    .append(" uid=").append(a.get("uid")).append(" gid=").append(a.get("gid"));
            long mtime = ((FileTime) a.get("lastModifiedTime")).toMillis() / 1000;
            switch (type) {
                case S_IFREG -> {
                    line.append(" size=").append(a.get("size")).append(" sha256=").append(sha256(p)).append(" mtime=").append(mtime);
                    byInode.computeIfAbsent((Long) a.get("ino"), k -> new TreeSet<>()).add(rel);
                }
                case S_IFLNK -> line.append(" -> ").append(Files.readSymbolicLink(p)).append(" mtime=").append(mtime);
                case S_IFCHR, S_IFBLK -> {
                    long rdev = (Long) a.get("rdev");
                    line.append(" dev=").append(major(rdev)).append(':').append(minor(rdev)).append(" mtime=").append(mtime);
                }
                case S_IFIFO -> line.append(" mtime=").append(mtime);
                default -> {
                    // directories: no mtime, see the class comment
                }
            }
            if (type == S_IFREG || type == S_IFDIR) {
                line.append(userXattrs(p));
            }
            entries.put(rel, line.toString());
        }
        Set<String> groups = new TreeSet<>();
        for (Set<String> names : byInode.values()) {
            if (names.size() > 1) {
                groups.add(String.join(" = ", names));
            }
        }
        return new TreeSnapshot(entries, groups);
    }

    /** Lines that differ, as "path: left | right", for an assertion message a person can act on. */
    List<String> differencesFrom(TreeSnapshot other, String leftName, String rightName) {
        List<String> diffs = new ArrayList<>();
        Set<String> all = new TreeSet<>(entries.keySet());
        all.addAll(other.entries.keySet());
        for (String path : all) {
            String l = entries.get(path);
            String r = other.entries.get(path);
            if (l == null || !l.equals(r)) {
                diffs.add(path + ":\n    " + leftName + ": " + (l == null ? "(missing)" : l) + "\n    " + rightName + ": " + (r == null ? "(missing)" : r));
            }
        }
        if (!hardlinkGroups.equals(other.hardlinkGroups)) {
            diffs.add("hardlink groups:\n    " + leftName + ": " + hardlinkGroups + "\n    " + rightName + ": " + other.hardlinkGroups);
        }
        return diffs;
    }

    /** The line of one path, or null. */
    String get(String path) {
        return entries.get(path);
    }

    private static String typeName(int type) {
        return switch (type) {
            case S_IFDIR -> "dir";
            case S_IFREG -> "file";
            case S_IFLNK -> "symlink";
            case S_IFCHR -> "chardev";
            case S_IFBLK -> "blockdev";
            case S_IFIFO -> "fifo";
            default -> "type-" + Integer.toOctalString(type);
        };
    }

    /** Linux's encoding of dev_t (glibc gnu_dev_major/minor). */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The user.* extended attributes (the namespace any owner may set; trusted.* and security.* are the kernel's). */
    private static String userXattrs(Path p) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        Map<String, String> xattrs = new TreeMap<>();
        for (String name : view.list()) {
            ByteBuffer buf = ByteBuffer.allocate(view.size(name));
            view.read(name, buf);
            xattrs.put("user." + name, new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        return xattrs.isEmpty() ? "" : " xattrs=" + xattrs;
    }
}
