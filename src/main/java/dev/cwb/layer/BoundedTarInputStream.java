package dev.cwb.layer;

import dev.cwb.kernel.FileNames;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A tar reader that refuses oversized metadata before reading it. A tar header can announce that the
 * next entry is a long name (GNU {@code L}/{@code K}) or a PAX header ({@code x}/{@code g}), and
 * commons-compress reads such an entry into memory whole: a 1.5 GB name of one repeated letter gzips
 * to 1.5 MB, so a tiny layer could exhaust the JVM. Real names are at most a few KiB (PATH_MAX is
 * 4096), so anything over {@link #MAX_METADATA_ENTRY} is refused with an {@link IOException} as soon as
 * its 512-byte header is read (POSIX pax "ustar Interchange Format": typeflag at offset 156, size at 124).
 *
 * <p>It also keeps names byte-exact. A name in a tar is bytes, in no declared encoding (PAX records are
 * meant to be UTF-8, but Go's archive/tar and others write whatever bytes a name has). Header and GNU
 * long names are read as ISO-8859-1 (one char per byte, so nothing is lost), PAX records are kept as the
 * bytes they are ({@link #rawPax}), and each entry's name and link target are then given as
 * {@link FileNames} spells them: valid UTF-8 as its characters, any other byte escaped, never {@code ?}.
 */
public final class BoundedTarInputStream extends TarArchiveInputStream {
    /** PAX records of a real entry (path, linkpath, xattrs) stay far below this. */
    public static final long MAX_METADATA_ENTRY = 1 << 20;
    private static final int TYPEFLAG = 156;
    private static final int SIZE = 124;
    private static final int SIZE_LENGTH = 12;

    /** The content of the PAX header being read (between its header record and the next one), or null. */
    private ByteArrayOutputStream paxContent;
    /** The PAX records of the entry last returned, as bytes. */
    private Map<String, byte[]> rawPax = Map.of();
    private int depth;

    public BoundedTarInputStream(InputStream in) {
        super(in, StandardCharsets.ISO_8859_1.name());
    }

    @Override
    public TarArchiveEntry getNextEntry() throws IOException {
        if (depth == 0) {
            rawPax = Map.of();
            paxContent = null;
        }
        depth++;
        TarArchiveEntry e;
        try {
            e = super.getNextEntry(); // calls itself again for the entry after a long-name or PAX header
        } finally {
            depth--;
        }
        if (depth == 0 && e != null) {
            // Only a changed name is set: setName also strips a leading '/', which callers must still see to refuse it.
            byte[] path = rawPax.get("path");
            String name = path != null ? FileNames.decode(path) : FileNames.fromLatin1(e.getName());
            if (!name.equals(e.getName())) {
                e.setName(name);
            }
            byte[] link = rawPax.get("linkpath");
            String linkName = link != null ? FileNames.decode(link) : FileNames.fromLatin1(e.getLinkName());
            if (!linkName.equals(e.getLinkName())) {
                e.setLinkName(linkName);
            }
        }
        return e;
    }

    /** The PAX records of the current entry with their values as the bytes the tar holds (xattr values are binary). */
    public Map<String, byte[]> rawPax() {
        return rawPax;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (paxContent != null && n > 0) {
            paxContent.write(buf, off, n);
        }
        return n;
    }

    @Override
    protected byte[] readRecord() throws IOException {
        byte[] record = super.readRecord();
        if (paxContent != null) {
            rawPax = parsePax(paxContent.toByteArray());
            paxContent = null;
        }
        if (record != null && record.length > TYPEFLAG && record[TYPEFLAG] == 'x') {
            paxContent = new ByteArrayOutputStream();
        }
        if (record != null && record.length > TYPEFLAG) {
            byte type = record[TYPEFLAG];
            if (type == 'L' || type == 'K' || type == 'x' || type == 'g' || type == 'X') {
                long size;
                try {
                    size = TarUtils.parseOctalOrBinary(record, SIZE, SIZE_LENGTH);
                } catch (IllegalArgumentException e) {
                    throw new IOException("a tar header has an unreadable size field", e);
                }
                if (size > MAX_METADATA_ENTRY) {
                    throw new IOException("a tar " + (type == 'L' || type == 'K' ? "long-name" : "PAX header") + " entry claims "
                            + size + " bytes (more than " + MAX_METADATA_ENTRY + "); no real file name or attribute is that long");
                }
            }
        }
        return record;
    }

    /** PAX extended header records, {@code "LEN key=value\n"} (POSIX pax, "pax Extended Header"), values as bytes. */
    static Map<String, byte[]> parsePax(byte[] data) {
        Map<String, byte[]> records = new HashMap<>();
        int off = 0;
        while (off < data.length) {
            int space = off;
            int len = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && space - off < 9) {
                len = len * 10 + (data[space] - '0');
                space++;
            }
            if (space >= data.length || data[space] != ' ' || len <= space - off || off + len > data.length || data[off + len - 1] != '\n') {
                break; // the rest is padding or not PAX at all: commons-compress has judged it already
            }
            int eq = space + 1;
            while (eq < off + len && data[eq] != '=') {
                eq++;
            }
            if (eq >= off + len) {
                break;
            }
            String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            records.put(key, java.util.Arrays.copyOfRange(data, eq + 1, off + len - 1));
            off += len;
        }
        return records;
    }
}
