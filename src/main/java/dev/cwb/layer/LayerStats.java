package dev.cwb.layer;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cwb.image.Digest;

/**
 * What one layer changes, measured against the layers below it:
 * <ul>
 *   <li>{@code added}: entries at paths the lower layers did not have;</li>
 *   <li>{@code modified}: entries replacing a path the lower layers had (a changed file, or a directory
 *       listed again because something inside it changed);</li>
 *   <li>{@code removed}: whiteouts ({@code .wh.NAME}), each deleting a path of a lower layer;</li>
 *   <li>{@code opaqueDirs}: opaque whiteouts, each hiding everything a lower layer had in one directory.</li>
 * </ul>
 */
public record LayerStats(
        @JsonProperty("index") int index,
        @JsonProperty("digest") Digest digest,
        @JsonProperty("diffId") Digest diffId,
        @JsonProperty("compressedSize") long compressedSize,
        @JsonProperty("uncompressedSize") long uncompressedSize,
        @JsonProperty("entries") int entries,
        @JsonProperty("added") int added,
        @JsonProperty("modified") int modified,
        @JsonProperty("removed") int removed,
        @JsonProperty("opaqueDirs") int opaqueDirs) {
}
