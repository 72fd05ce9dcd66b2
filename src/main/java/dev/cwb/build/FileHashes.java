package dev.cwb.build;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cwb.image.Digest;
import dev.cwb.image.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sha256 of context files, remembered between builds so an unchanged file is not read again — what
 * BuildKit's content-hash cache does. A remembered hash is used only while the file's inode, size,
 * modification time and change time (which no one can set back) are all as they were; the key of a step
 * is always the content's hash, never a time.
 */
final class FileHashes {
    /** What a hash was computed for. */
    record Seen(long ino, long size, long mtime, long ctime, String sha256) {
    }

    private final Path file;
    private final Map<String, Seen> seen;
    private boolean changed;

    private FileHashes(Path file, Map<String, Seen> seen) {
        this.file = file;
        this.seen = seen;
    }

    static FileHashes open(Path file) {
        Map<String, Seen> m = new TreeMap<>();
        if (Files.isRegularFile(file)) {
            try {
                m = new TreeMap<>(Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<Map<String, Seen>>() { }));
            } catch (IOException | RuntimeException e) {
                // damaged: every file is hashed again
            }
        }
        return new FileHashes(file, m);
    }

    /** The content hash of regular file {@code p}. */
    synchronized byte[] sha256(Path p, byte[] buf) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        long ino = (Long) a.get("ino");
        long size = (Long) a.get("size");
        long mtime = ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        long ctime = ((java.nio.file.attribute.FileTime) a.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        String key = p.toAbsolutePath().toString();
        Seen s = seen.get(key);
        if (s != null && s.ino() == ino && s.size() == size && s.mtime() == mtime && s.ctime() == ctime) {
            return HexFormat.of().parseHex(s.sha256());
        }
        java.security.MessageDigest md = Digest.newSha256();
        try (InputStream in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        byte[] sha = md.digest();
        seen.put(key, new Seen(ino, size, mtime, ctime, HexFormat.of().formatHex(sha)));
        changed = true;
        return sha;
    }

    /** Writes what was learnt (at most the last 200,000 files). */
    synchronized void save() {
        if (!changed) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            while (seen.size() > 200_000) {
                seen.remove(seen.keySet().iterator().next());
            }
            byte[] bytes = Json.MAPPER.writeValueAsBytes(seen);
            dev.cwb.AtomicFile.write(file, dev.cwb.AtomicFile.PRIVATE, out -> out.write(bytes));
            changed = false;
        } catch (IOException e) {
            // only a cache of hashes: the next build reads the files again
        }
    }
}
