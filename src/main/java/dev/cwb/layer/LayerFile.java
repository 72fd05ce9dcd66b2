package dev.cwb.layer;

/**
 * One entry of a layer tar with what {@code diff} and {@code cat} need beyond {@link LayerEntry}: the
 * target of a link. A symbolic link's target is kept exactly as the tar gives it (it is resolved later,
 * inside the image); a hard link's target is a tar entry name, so it is cleaned like one.
 *
 * @param path       cleaned path relative to the root (see {@link TarPaths#clean}); for a whiteout, the
 *                   path it deletes; for an opaque marker, its directory
 * @param kind       what the entry is
 * @param size       the content size of a regular file, 0 for everything else
 * @param linkTarget a symlink's target as written, a hardlink's cleaned target path, otherwise {@code null}
 */
public record LayerFile(String path, LayerEntry.Kind kind, long size, String linkTarget) {

    public boolean isDirectory() {
        return kind == LayerEntry.Kind.DIRECTORY;
    }

    public boolean isWhiteoutOrOpaque() {
        return kind == LayerEntry.Kind.WHITEOUT || kind == LayerEntry.Kind.OPAQUE;
    }

    public boolean isRegularFile() {
        return kind == LayerEntry.Kind.FILE;
    }

    /** A directory that exists only because a deeper entry needs it (the tar has no entry of its own for it). */
    static LayerFile impliedDirectory(String path) {
        return new LayerFile(path, LayerEntry.Kind.DIRECTORY, 0, null);
    }

    /** A short word for the kind, as listings show it ("file", "dir", "symlink"...). */
    public String typeName() {
        return switch (kind) {
            case FILE -> "file";
            case DIRECTORY -> "dir";
            case SYMLINK -> "symlink";
            case HARDLINK -> "hardlink";
            case CHAR_DEVICE -> "char-device";
            case BLOCK_DEVICE -> "block-device";
            case FIFO -> "fifo";
            case WHITEOUT -> "whiteout";
            case OPAQUE -> "opaque";
        };
    }
}
