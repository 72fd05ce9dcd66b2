package dev.cwb.layer;

import dev.cwb.CwbException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * Walks the entries of a layer tar the way every reader here must: each header's checksum is checked
 * (commons-compress parses a header whatever its checksum says; GNU tar and Go's archive/tar refuse a
 * damaged one — POSIX "ustar Interchange Format": chksum), and a Ctrl-C (thread interruption) stops the
 * walk between entries.
 */
final class CheckedTar {
    private final BoundedTarInputStream tar;
    private final String what;

    CheckedTar(InputStream tarStream, String what) {
        this.tar = new BoundedTarInputStream(tarStream);
        this.what = what;
    }

    /** The next entry, or {@code null} at the end of the archive. */
    TarArchiveEntry next() throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("cancelled while reading " + what);
        }
        TarArchiveEntry e = tar.getNextEntry();
        if (e != null && !e.isCheckSumOK()) {
            throw CwbException.corrupt(what + ": the tar header of entry '" + e.getName() + "' fails its checksum",
                    "the layer is damaged; it was not used");
        }
        return e;
    }

    /** The current entry's PAX records, values as the tar's bytes. */
    java.util.Map<String, byte[]> rawPax() {
        return tar.rawPax();
    }

    /** The current entry's content. */
    InputStream content() {
        return tar;
    }
}
