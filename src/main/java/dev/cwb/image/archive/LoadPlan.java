package dev.cwb.image.archive;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a load will do, worked out from an archive's small JSON files before any large blob is read:
 * the metadata blobs already in memory (and already checked), the large files to stream and what each
 * must turn out to be, and the images to name once everything is stored. Planning first means a
 * malformed archive is refused before gigabytes are copied, and that every blob is imported against a
 * digest known in advance.
 */
final class LoadPlan {
    /** A small blob already read and checked: a manifest, an index or a config. */
    record InlineBlob(String mediaType, byte[] bytes, Digest digest, String what) {
    }

    /** Stores one streamed file into the transaction and returns its descriptor. */
    @FunctionalInterface
    interface BlobImporter {
        Descriptor importBlob(StoreTransaction tx, InputStream content);
    }

    /** A large file of the archive to stream into the store. */
    record StreamedBlob(String entry, long size, String what, BlobImporter importer) {
    }

    /** An image to name once its blobs are stored; {@code finish} returns the descriptor to tag. */
    interface PendingImage {
        List<Reference> names();

        Descriptor finish(StoreTransaction tx, Map<String, Descriptor> streamed);
    }

    final Map<Digest, InlineBlob> inline = new LinkedHashMap<>();
    final Map<String, StreamedBlob> streamed = new LinkedHashMap<>();
    final List<PendingImage> images = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void addInline(InlineBlob blob) {
        inline.putIfAbsent(blob.digest(), blob);
    }

    void addStreamed(StreamedBlob blob) {
        streamed.putIfAbsent(blob.entry(), blob);
    }

    long streamedBytes() {
        return streamed.values().stream().mapToLong(StreamedBlob::size).sum();
    }
}
