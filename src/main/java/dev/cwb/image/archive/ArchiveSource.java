package dev.cwb.image.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/**
 * The files of an image archive, as the loader needs them, whether the archive is a tar (read as a
 * stream, possibly gzip-compressed) or an OCI layout directory. Names are archive-relative and already
 * cleaned by {@link EntryNames}.
 *
 * <p>A tar can only be read front to back, and its author chose the order of its entries: a layer may
 * come before the manifest that describes it. So the loader reads in two passes: first the small JSON
 * files it plans with ({@link #readMetadata}), then, once it knows every blob it needs and what each
 * must hash to, the large ones in whatever order the archive has them ({@link #stream}).
 */
interface ArchiveSource extends Closeable {
    /** Files larger than this are never treated as metadata (manifests, configs, indexes). */
    long MAX_METADATA = 4L << 20;

    /** The archive as the learner named it, for messages. */
    String displayName();

    /** The name of the regular file that {@code name} denotes after following links, or {@code null} if there is none. */
    String canonical(String name);

    /** The size of a regular file (a {@link #canonical} name). */
    long size(String canonicalName);

    /** The whole content of a small file; a {@link dev.cwb.CwbException} naming it if it is missing or too large. */
    byte[] readMetadata(String canonicalName);

    /** Streams each of {@code canonicalNames} to {@code sink}, once each, in the archive's own order. */
    void stream(Set<String> canonicalNames, EntrySink sink) throws IOException;

    /** Receives one file's content; the stream ends at the end of that file. */
    @FunctionalInterface
    interface EntrySink {
        void accept(String canonicalName, InputStream content) throws IOException;
    }
}
