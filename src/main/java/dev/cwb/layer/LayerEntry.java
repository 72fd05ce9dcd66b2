package dev.cwb.layer;

/**
 * One entry of a layer tar as the image spec reads it: a cleaned relative path, what kind of change it is,
 * and its size. A whiteout is not a file: {@code dir/.wh.name} says "delete name from the layers below",
 * and {@code dir/.wh..wh..opq} says "hide everything the layers below had in dir" (OCI image-spec
 * "Representing Changes": Whiteouts, Opaque Whiteout).
 *
 * @param path   the path the entry affects, relative to the root, without {@code ./} or a trailing
 *               slash; for a whiteout, the path being deleted; for an opaque marker, its directory
 *               ("" for the root)
 */
public record LayerEntry(String path, Kind kind, long size) {

    public enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, WHITEOUT, OPAQUE }

    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE_MARKER = ".wh..wh..opq";

    public boolean isWhiteout() {
        return kind == Kind.WHITEOUT || kind == Kind.OPAQUE;
    }
}
