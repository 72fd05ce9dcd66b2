package dev.cwb.layer;

import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

import java.io.IOException;
import java.io.InputStream;

/**
 * A tar reader that refuses oversized metadata before reading it. A tar header can announce that the
 * next entry is a long name (GNU {@code L}/{@code K}) or a PAX header ({@code x}/{@code g}), and
 * commons-compress reads such an entry into memory whole: a 1.5 GB name of one repeated letter gzips
 * to 1.5 MB, so a tiny layer could exhaust the JVM. Real names are at most a few KiB (PATH_MAX is
 * 4096), so anything over {@link #MAX_METADATA_ENTRY} is refused with an {@link IOException} as soon as
 * its 512-byte header is read (POSIX pax "ustar Interchange Format": typeflag at offset 156, size at 124).
 */
public final class BoundedTarInputStream extends TarArchiveInputStream {
    /** PAX records of a real entry (path, linkpath, xattrs) stay far below this. */
    public static final long MAX_METADATA_ENTRY = 1 << 20;
    private static final int TYPEFLAG = 156;
    private static final int SIZE = 124;
    private static final int SIZE_LENGTH = 12;

    public BoundedTarInputStream(InputStream in) {
        super(in);
    }

    @Override
    protected byte[] readRecord() throws IOException {
        byte[] record = super.readRecord();
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
}
