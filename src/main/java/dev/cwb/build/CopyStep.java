package dev.cwb.build;

import dev.cwb.CwbException;
import dev.cwb.kernel.Kernel;
import dev.cwb.kernel.SyscallException;
import dev.cwb.layer.LayerExtractor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * COPY and ADD: which files of the context (or of another stage) an instruction takes, their checksum for
 * the cache key, and the layer they make. The layer is built as a directory of exactly what the step adds —
 * the files at their destination, with the directories on the way (as the image has them, or new) — which
 * {@link LayerDiffer} then writes like any upper directory. Sources never leave their root: {@code ../x},
 * an absolute source and a symbolic link pointing out are refused, as Docker refuses them.
 */
final class CopyStep {
    /** One source as resolved: its path on this machine, and the name it had in the instruction. */
    record Source(Path path, String name, boolean directory) {
    }

    /** What the instruction asked for, its words substituted. */
    record Spec(List<String> sources, String dest, Integer uid, Integer gid, Integer chmod, boolean add) {
    }

    private CopyStep() {
    }

    /** The sources a pattern names in {@code root}: a path, or one with {@code * ? [..]} wildcards (Go's filepath.Match). */
    static List<Source> resolve(Path root, String pattern, DockerIgnore ignore, String what, boolean fromStage) {
        if (pattern.startsWith("/") && !fromStage) {
            throw CwbException.badInput(what + ": the source " + pattern + " is an absolute path; sources are names in the build context",
                    "write it relative to the context: " + pattern.replaceAll("^/+", ""));
        }
        String clean = DockerIgnore.clean(pattern);
        for (String part : pattern.split("/")) {
            if (part.equals("..") && !fromStage) {
                throw CwbException.badInput(what + ": the source " + pattern + " is outside the build context",
                        "copy only what is inside the context directory, or make the context a directory above");
            }
        }
        List<Source> result = new ArrayList<>();
        if (clean.isEmpty()) {
            result.add(new Source(root, ".", true));
            return result;
        }
        List<Path> found = new ArrayList<>();
        expand(root, root, clean.split("/"), 0, found);
        for (Path p : found) {
            String rel = root.relativize(p).toString();
            if (ignore.excludes(rel)) {
                continue;
            }
            Path real = followInside(root, p, pattern, what);
            result.add(new Source(real, rel, Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)));
        }
        if (result.isEmpty()) {
            boolean ignored = !found.isEmpty();
            throw CwbException.notFound(what + ": " + (ignored ? pattern + " is excluded by .dockerignore" : "no file " + pattern
                    + (fromStage ? " in that stage" : " in the build context " + root)), ignored ? "remove its pattern from .dockerignore, or copy something else"
                    : "check the name (it is relative to the context directory), or pass the right CONTEXT");
        }
        return result;
    }

    private static void expand(Path root, Path dir, String[] parts, int i, List<Path> out) {
        if (i == parts.length) {
            out.add(dir);
            return;
        }
        String part = parts[i];
        if (!part.matches(".*[*?\\[].*")) {
            Path next = dir.resolve(part);
            if (Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                if (i + 1 < parts.length && !Files.isDirectory(next)) {
                    return;
                }
                expand(root, next, parts, i + 1, out);
            }
            return;
        }
        Pattern re = Pattern.compile(DockerIgnore.toRegex(part));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (re.matcher(p.getFileName().toString()).matches()) {
                    expand(root, p, parts, i + 1, out);
                }
            }
        } catch (IOException e) {
            // not a directory: matches nothing
        }
    }

    /** A source that is a symbolic link is followed (as BuildKit does), but only to somewhere inside the root. */
    private static Path followInside(Path root, Path p, String pattern, String what) {
        if (!Files.isSymbolicLink(p)) {
            return p;
        }
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw CwbException.badInput(what + ": the source " + pattern + " is a symbolic link to " + Files.readSymbolicLink(p)
                        + ", outside the build context", "copy the file itself into the context");
            }
            return real;
        } catch (java.nio.file.NoSuchFileException e) {
            throw CwbException.notFound(what + ": the source " + pattern + " is a symbolic link to nothing (" + e.getFile() + ")",
                    "fix the link, or copy something else");
        } catch (IOException e) {
            throw CwbException.io(what + ": cannot read " + p, e, null);
        }
    }

    /**
     * The checksum the cache key takes: for every file the step copies, its name, type, mode, owner and
     * content (or link target) — never a time, and nothing of files it does not take.
     */
    static String checksum(List<Source> sources, DockerIgnore ignore, Path root, FileHashes hashes) throws IOException {
        MessageDigest all = dev.cwb.image.Digest.newSha256();
        byte[] buf = new byte[1 << 16];
        for (Source s : sources) {
            for (Path p : walk(s, ignore, root)) {
                String rel = s.path().relativize(p).toString();
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Map<String, Object> u = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) u.get("mode");
                int uid = (Integer) u.get("uid");
                int gid = (Integer) u.get("gid");
                all.update((s.name() + "\0" + rel + "\0" + Integer.toOctalString(mode) + "\0" + uid + ":" + gid + "\0")
                        .getBytes(StandardCharsets.UTF_8));
                if (a.isSymbolicLink()) {
                    all.update(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
                } else if (a.isRegularFile()) {
                    all.update(hashes.sha256(p, buf));
                }
                all.update((byte) '\n');
            }
        }
        return HexFormat.of().formatHex(all.digest());
    }

    /** The source itself and, for a directory, everything below it that .dockerignore lets through, sorted. */
    static List<Path> walk(Source s, DockerIgnore ignore, Path root) throws IOException {
        if (!s.directory()) {
            return List.of(s.path());
        }
        try (Stream<Path> w = Files.walk(s.path())) {
            return w.filter(p -> p.equals(s.path()) || !ignore.excludes(root.relativize(p).toString())).sorted().toList();
        }
    }

    /**
     * Lays the step's files out in {@code staging} as the layer will hold them. {@code destDir} says whether
     * the destination is a directory (sources are put into it) or the name of the one file.
     */
    static void stage(Path staging, List<Source> sources, String destRel, boolean destDir, Spec spec, LayerStack below,
                      DockerIgnore ignore, Path root, boolean asRoot) throws IOException {
        int uid = spec.uid() != null ? spec.uid() : 0;
        int gid = spec.gid() != null ? spec.gid() : 0;
        String parentOfTargets = destDir ? destRel : parent(destRel);
        makeParents(staging, parentOfTargets, below, uid, gid, asRoot);
        if (destDir && !destRel.isEmpty() && !below.isDirectory(destRel)) {
            // the destination directory is new: it belongs to the --chown owner (BuildKit)
            chown(staging.resolve(destRel), uid, gid, asRoot);
        }
        for (Source s : sources) {
            if (spec.add() && !s.directory() && isArchive(s.path())) {
                Path into = destRel.isEmpty() ? staging : staging.resolve(destRel);
                Files.createDirectories(into);
                try (InputStream raw = new BufferedInputStream(Files.newInputStream(s.path()))) {
                    raw.mark(4);
                    boolean bzip2 = raw.read() == 'B' && raw.read() == 'Z';
                    raw.reset();
                    InputStream tar = bzip2 ? new org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream(raw)
                            : dev.cwb.layer.LayerStreams.uncompressed(raw, null);
                    new LayerExtractor(into, LayerExtractor.WhiteoutMode.KEEP, asRoot).extract(tar, "ADD " + s.name());
                }
                continue;
            }
            if (s.directory()) {
                Path target = destRel.isEmpty() ? staging : staging.resolve(destRel);
                Files.createDirectories(target);
                copyTree(s, target, uid, gid, spec.chmod(), ignore, root, asRoot);
            } else {
                Path target = destDir ? staging.resolve(destRel.isEmpty() ? s.path().getFileName().toString()
                        : destRel + "/" + s.path().getFileName()) : staging.resolve(destRel);
                copyOne(s.path(), target, uid, gid, spec.chmod(), asRoot);
            }
        }
    }

    private static void copyTree(Source s, Path target, int uid, int gid, Integer chmod, DockerIgnore ignore, Path root, boolean asRoot)
            throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (Path p : walk(s, ignore, root)) {
            Path t = p.equals(s.path()) ? target : target.resolve(s.path().relativize(p).toString());
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (!p.equals(s.path())) {
                    Files.createDirectories(t);
                }
                if (!p.equals(s.path())) {
                    dirs.add(p);
                    setMode(t, chmod != null ? chmod : mode(p));
                    chown(t, uid, gid, asRoot);
                }
            } else {
                copyOne(p, t, uid, gid, chmod, asRoot);
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Path p = dirs.get(i);
            Files.setLastModifiedTime(target.resolve(s.path().relativize(p).toString()), Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
        }
    }

    private static void copyOne(Path from, Path to, int uid, int gid, Integer chmod, boolean asRoot) throws IOException {
        Files.createDirectories(to.getParent());
        if (Files.isSymbolicLink(from)) {
            Files.deleteIfExists(to);
            Files.createSymbolicLink(to, Files.readSymbolicLink(from));
            chown(to, uid, gid, asRoot);
            return;
        }
        if (!Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
            throw CwbException.badInput("COPY: " + from + " is neither a file, a directory nor a symbolic link", "leave it out of the context");
        }
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        chown(to, uid, gid, asRoot);
        setMode(to, chmod != null ? chmod : mode(from));
        Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
    }

    /** The directories on the way to {@code rel}: as the image has them (mode, owner, time), or new (0755). */
    private static void makeParents(Path staging, String rel, LayerStack below, int uid, int gid, boolean asRoot) throws IOException {
        if (rel.isEmpty()) {
            return;
        }
        StringBuilder path = new StringBuilder();
        for (String part : rel.split("/")) {
            path.append(path.length() == 0 ? "" : "/").append(part);
            Path t = staging.resolve(path.toString());
            if (Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Files.createDirectory(t);
            java.util.Optional<Path> existing = below.find(path.toString());
            if (existing.isPresent() && Files.isDirectory(existing.get(), LinkOption.NOFOLLOW_LINKS)) {
                Path e = existing.get();
                setMode(t, mode(e));
                chown(t, (Integer) Files.getAttribute(e, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                        (Integer) Files.getAttribute(e, "unix:gid", LinkOption.NOFOLLOW_LINKS), asRoot);
                Files.setLastModifiedTime(t, Files.getLastModifiedTime(e, LinkOption.NOFOLLOW_LINKS));
            } else {
                setMode(t, 0755);
                chown(t, uid, gid, asRoot);
            }
        }
    }

    /** gzip, bzip2 or a plain tar (xz is refused), by their first bytes: what ADD unpacks (Docker's archive detection). */
    static boolean isArchive(Path file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return true;
        }
        if (n >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
            return true;
        }
        if (n >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) {
            throw new CwbException(CwbException.UNSUPPORTED, "ADD: " + file.getFileName() + " is an xz archive, which this builder cannot unpack",
                    "recompress it with gzip, or COPY it and unpack it in a RUN step");
        }
        return n >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    }

    static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static void setMode(Path p, int mode) throws IOException {
        try {
            Kernel.chmod(p, mode & 07777);
        } catch (SyscallException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void chown(Path p, int uid, int gid, boolean asRoot) throws IOException {
        if (!asRoot) {
            return; // without root every file stays ours: the layer says 0:0 only if we are root in a user namespace
        }
        try {
            Kernel.lchown(p, uid, gid);
        } catch (SyscallException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    static String parent(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    /** A {@code --chown} value: numeric ids, or names looked up in the image's /etc/passwd and /etc/group. */
    static int[] owner(String value, LayerStack image, String what) throws IOException {
        String user = value;
        String group = null;
        int colon = value.indexOf(':');
        if (colon >= 0) {
            user = value.substring(0, colon);
            group = value.substring(colon + 1);
        }
        int uid = id(user, image, "etc/passwd", what);
        int gid = group != null ? id(group, image, "etc/group", what) : user.matches("\\d+") ? uid : primaryGroup(user, image, uid);
        return new int[] {uid, gid};
    }

    private static int id(String name, LayerStack image, String file, String what) throws IOException {
        if (name.matches("\\d+")) {
            return Integer.parseInt(name);
        }
        for (String line : lines(image, file)) {
            String[] f = line.split(":");
            if (f.length > 2 && f[0].equals(name)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw CwbException.badInput(what + ": no " + (file.endsWith("passwd") ? "user" : "group") + " '" + name + "' in the image's /" + file,
                "use a numeric id, or add the " + (file.endsWith("passwd") ? "user" : "group") + " in an earlier step");
    }

    private static int primaryGroup(String user, LayerStack image, int fallback) throws IOException {
        for (String line : lines(image, "etc/passwd")) {
            String[] f = line.split(":");
            if (f.length > 3 && f[0].equals(user)) {
                return Integer.parseInt(f[3]);
            }
        }
        return fallback;
    }

    private static List<String> lines(LayerStack image, String file) throws IOException {
        java.util.Optional<Path> p = image.regularFile(file);
        return p.isPresent() ? Files.readAllLines(p.get(), StandardCharsets.UTF_8) : List.of();
    }
}
