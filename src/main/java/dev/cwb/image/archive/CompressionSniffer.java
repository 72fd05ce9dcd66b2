package dev.cwb.image.archive;

import dev.cwb.image.MediaTypes.Compression;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import dev.cwb.layer.LayerStreams;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Tells compressed streams apart by their first bytes ("magic numbers"), as {@code file(1)}, Docker's
 * {@code DecompressStream} and containers/image's {@code DetectCompression} do: gzip starts with
 * {@code 1f 8b} (RFC 1952 §2.3.1), zstd frames with {@code 28 b5 2f fd} (RFC 8878 §3.1.1). A file name
 * says nothing reliable about the content, so the loader never trusts {@code .gz} or {@code .tar}.
 */
final class CompressionSniffer {
    private CompressionSniffer() {
    }

    /** Peeks at the first bytes of {@code in} without consuming them (the magic numbers, see {@link LayerStreams}). */
    static Compression sniff(BufferedInputStream in) throws IOException {
        return LayerStreams.sniff(in);
    }

    /** {@code in}, decompressed if it is compressed. */
    static InputStream decompressed(BufferedInputStream in) throws IOException {
        return switch (sniff(in)) {
            case GZIP -> GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
            case ZSTD -> new ZstdCompressorInputStream(in);
            case NONE -> in;
        };
    }
}
