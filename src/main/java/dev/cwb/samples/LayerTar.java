package dev.cwb.samples;

import dev.cwb.image.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a layer as a <em>reproducible</em> tar and its gzip blob, and reads the entry list of a layer back.
 *
 * <p>Reproducible means: the same entries give the same bytes on every build, so the same recipe on the
 * same host gives the same diff_ids and the same image id. Three things would otherwise differ from run
 * to run: timestamps (all set to {@code SOURCE_DATE_EPOCH}, see reproducible-builds.org, or 0), owners
 * (all 0:0 named root) and order (entries sorted by path, parents before children). Gzip's own header
 * carries no timestamp when written by {@link GZIPOutputStream}.
 *
 * <p>{@link #diffId()} is the sha256 of the <em>uncompressed</em> tar: that is what {@code rootfs.diff_ids}
 * lists (OCI image-spec, "Image Configuration"), while the manifest names the compressed blob.
 */
public final class LayerTar {
    /** Orders tar names component by component, so a directory always comes before what it holds. */
    static final Comparator<String> PATH_ORDER = (a, b) -> {
        String[] pa = a.split("/");
        String[] pb = b.split("/");
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            int c = pa[i].compareTo(pb[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(pa.length, pb.length);
    };

    private final byte[] tar;
    private final byte[] gzip;
    private final Digest diffId;
    private final List<LayerEntry> entries;

    private LayerTar(byte[] tar, byte[] gzip, List<LayerEntry> entries) {
        this.tar = tar;
        this.gzip = gzip;
        this.diffId = Digest.sha256(tar);
        this.entries = entries;
    }

    /** Writes {@code entries} (in any order; they are sorted here) with every timestamp set to {@code mtime} seconds. */
    public static LayerTar write(List<LayerEntry> entries, long mtime) {
        List<LayerEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(LayerEntry::name, PATH_ORDER));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
                throw new IllegalArgumentException("two entries named " + sorted.get(i).name());
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (LayerEntry e : sorted) {
                TarArchiveEntry t = switch (e.type()) {
                    case DIRECTORY -> new TarArchiveEntry(e.name() + "/", TarConstants.LF_DIR);
                    case SYMLINK -> new TarArchiveEntry(e.name(), TarConstants.LF_SYMLINK);
                    case FILE -> new TarArchiveEntry(e.name(), TarConstants.LF_NORMAL);
                };
                int typeBits = switch (e.type()) {
                    case DIRECTORY -> 0040000;
                    case SYMLINK -> 0120000;
                    case FILE -> 0100000;
                };
                t.setMode(typeBits | (e.mode() & 07777));
                t.setIds(0, 0);
                t.setUserName("root");
                t.setGroupName("root");
                t.setModTime(FileTime.from(mtime, TimeUnit.SECONDS));
                if (e.type() == LayerEntry.Type.SYMLINK) {
                    t.setLinkName(e.target());
                }
                t.setSize(e.type() == LayerEntry.Type.FILE ? e.content().length : 0);
                out.putArchiveEntry(t);
                if (e.type() == LayerEntry.Type.FILE) {
                    out.write(e.content());
                }
                out.closeArchiveEntry();
            }
            out.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("writing a tar in memory", e);
        }
        byte[] tar = bytes.toByteArray();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(compressed)) {
            gz.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException("compressing a tar in memory", e);
        }
        return new LayerTar(tar, compressed.toByteArray(), List.copyOf(sorted));
    }

    /** The uncompressed tar. */
    public byte[] tar() {
        return tar.clone();
    }

    /** The gzip-compressed tar: the blob the manifest points at. */
    public byte[] gzip() {
        return gzip.clone();
    }

    public Digest diffId() {
        return diffId;
    }

    /** The entries in the order they are in the tar. */
    public List<LayerEntry> entries() {
        return entries;
    }

    /**
     * Reads the entries of an uncompressed layer tar (names cleaned of {@code ./} and slashes; file
     * contents are not kept). Hard links, devices and fifos count as files: only the shape of the tree matters.
     */
    public static List<LayerEntry> readEntries(InputStream uncompressedTar) throws IOException {
        List<LayerEntry> result = new ArrayList<>();
        TarArchiveInputStream in = new TarArchiveInputStream(uncompressedTar);
        TarArchiveEntry t;
        while ((t = in.getNextEntry()) != null) {
            String name = clean(t.getName());
            if (name.isEmpty()) {
                continue;
            }
            int mode = t.getMode() & 07777;
            if (t.isDirectory()) {
                result.add(LayerEntry.directory(name, mode));
            } else if (t.isSymbolicLink()) {
                result.add(LayerEntry.symlink(name, t.getLinkName()));
            } else {
                result.add(new LayerEntry(name, LayerEntry.Type.FILE, mode, new byte[0], null));
            }
        }
        return result;
    }

    private static String clean(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.startsWith("./") ? n.substring(2) : n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.equals(".") ? "" : n;
    }
}
