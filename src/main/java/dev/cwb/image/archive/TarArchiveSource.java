package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.MediaTypes.Compression;
import dev.cwb.layer.LayerStreams;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * An image archive that is a tar file (POSIX ustar / pax, as {@code docker save} and skopeo write it),
 * optionally gzip- or zstd-compressed as a whole.
 *
 * <p>The first pass, in {@link #open}, reads every header: it records each regular file's size and each
 * link's target, and keeps in memory the small files that look like JSON — the manifests, configs and
 * indexes the loader plans with. Large files are skipped. The second pass ({@link #stream}) reads the
 * tar again and hands the requested files to the loader as they go by. Nothing is ever written to disk
 * under an entry's name: entries are data, never paths on this machine.
 */
final class TarArchiveSource implements ArchiveSource {
    /** All kept metadata together may not exceed this, so a hostile tar cannot fill memory with "JSON". */
    static final long MAX_METADATA_TOTAL = 256L << 20;
    private static final int MAX_LINK_DEPTH = 16;

    private final Path file;
    private final String displayName;
    /** Per cleaned name, the last entry with that name (a later tar entry replaces an earlier one, as in tar -x). */
    private final Map<String, Entry> entries = new HashMap<>();

    private record Entry(int ordinal, long size, String symlinkTarget, String hardlinkTarget, byte[] content) {
        boolean regular() {
            return symlinkTarget == null && hardlinkTarget == null;
        }
    }

    private TarArchiveSource(Path file) {
        this.file = file;
        this.displayName = file.toString();
    }

    /** True when {@code file} starts with a tar header, possibly inside gzip or zstd. */
    static boolean looksLikeTar(Path file) throws IOException {
        try (InputStream in = openDecompressed(file)) {
            byte[] header = in.readNBytes(512);
            if (header.length < 512) {
                return false;
            }
            // ustar magic at offset 257: "ustar\0" (POSIX) or "ustar  \0" (GNU). Docker, skopeo and
            // commons-compress all write it; pre-POSIX v7 tars are not image archives.
            return new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        }
    }

    /** Reads the catalogue (the first pass). */
    static TarArchiveSource open(Path file) throws IOException {
        TarArchiveSource source = new TarArchiveSource(file);
        source.catalogue();
        return source;
    }

    private static InputStream openDecompressed(Path file) throws IOException {
        BufferedInputStream raw = new BufferedInputStream(
                new InterruptibleInputStream(new FileInputStream(file.toFile())), 1 << 16);
        return LayerStreams.uncompressed(raw, Compression.NONE); // gzip or zstd told apart by their first bytes
    }

    private void catalogue() throws IOException {
        long kept = 0;
        try (TarArchiveInputStream tar = new dev.cwb.layer.BoundedTarInputStream(openDecompressed(file))) {
            int ordinal = 0;
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                ordinal++;
                if (e.isDirectory()) {
                    continue;
                }
                String name = EntryNames.clean(e.getName(), displayName);
                if (e.isSymbolicLink()) {
                    entries.put(name, new Entry(ordinal, 0, e.getLinkName(), null, null));
                } else if (e.isLink()) {
                    entries.put(name, new Entry(ordinal, 0, null, EntryNames.clean(e.getLinkName(), displayName), null));
                } else if (e.isFile()) {
                    byte[] content = null;
                    if (e.getSize() <= MAX_METADATA) {
                        content = readIfJson(tar, e.getSize());
                        if (content != null) {
                            kept += content.length;
                            if (kept > MAX_METADATA_TOTAL) {
                                throw CwbException.badInput(displayName + " holds more than " + (MAX_METADATA_TOTAL >> 20)
                                        + " MB of JSON files; that is not an image archive", null);
                            }
                        }
                    }
                    entries.put(name, new Entry(ordinal, e.getSize(), null, null, content));
                }
                // devices, fifos: not part of any image archive format; ignored
            }
        }
    }

    /** The entry's bytes when its first non-blank byte opens a JSON object or array; otherwise null. */
    private static byte[] readIfJson(InputStream in, long size) throws IOException {
        byte[] head = in.readNBytes((int) Math.min(size, 64));
        for (byte b : head) {
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                continue;
            }
            if (b != '{' && b != '[') {
                return null;
            }
            break;
        }
        byte[] rest = in.readNBytes((int) (size - head.length));
        byte[] all = new byte[head.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        return all;
    }

    @Override
    public String displayName() {
        return displayName;
    }

    @Override
    public String canonical(String name) {
        String current = name;
        for (int depth = 0; depth < MAX_LINK_DEPTH; depth++) {
            Entry e = entries.get(current);
            if (e == null) {
                return null;
            }
            if (e.regular()) {
                return current;
            }
            current = e.symlinkTarget != null
                    ? EntryNames.resolveSymlink(current, e.symlinkTarget, displayName)
                    : e.hardlinkTarget;
        }
        throw CwbException.badInput("the link " + name + " in " + displayName + " goes round in circles", null);
    }

    @Override
    public long size(String canonicalName) {
        return entries.get(canonicalName).size();
    }

    @Override
    public byte[] readMetadata(String canonicalName) {
        Entry e = entries.get(canonicalName);
        if (e == null) {
            throw CwbException.badInput(canonicalName + " is missing from " + displayName, null);
        }
        if (e.content() == null) {
            throw CwbException.badInput(canonicalName + " in " + displayName + " should be a small JSON document, but it is "
                    + (e.size() > MAX_METADATA ? e.size() + " bytes long" : "not JSON"), "the archive is damaged or not an image archive");
        }
        return e.content();
    }

    @Override
    public void stream(Set<String> canonicalNames, EntrySink sink) throws IOException {
        Map<Integer, String> wanted = new HashMap<>();
        for (String name : canonicalNames) {
            wanted.put(entries.get(name).ordinal(), name);
        }
        Set<String> seen = new HashSet<>();
        try (TarArchiveInputStream tar = new dev.cwb.layer.BoundedTarInputStream(openDecompressed(file))) {
            int ordinal = 0;
            while (seen.size() < wanted.size() && tar.getNextEntry() != null) {
                ordinal++;
                String name = wanted.get(ordinal);
                if (name != null) {
                    sink.accept(name, tar);
                    seen.add(name);
                }
            }
        }
        if (seen.size() < wanted.size()) {
            throw new CwbException(CwbException.IO, displayName + " changed while it was being read", "load it again");
        }
    }

    @Override
    public void close() {
        entries.clear();
    }
}
