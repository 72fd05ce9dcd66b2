package dev.cwb.samples;

/**
 * One entry of a layer tar: a directory, a regular file, a symbolic link, or a whiteout (an empty file
 * whose name starts with {@code .wh.}; see {@link Whiteouts}). Owner and timestamps are not here on
 * purpose: every entry is owned by root (0:0) and dated {@link LayerTar#mtime}, so the same recipe gives
 * the same bytes.
 *
 * @param name    the tar name, relative, without a leading slash ({@code usr/bin/awk})
 * @param mode    permission bits including setuid/setgid/sticky ({@code 01777} for /tmp)
 * @param content a regular file's bytes (empty otherwise)
 * @param target  a symlink's target (null otherwise)
 */
public record LayerEntry(String name, Type type, int mode, byte[] content, String target) {
    public enum Type { DIRECTORY, FILE, SYMLINK }

    public static LayerEntry directory(String name, int mode) {
        return new LayerEntry(name, Type.DIRECTORY, mode, new byte[0], null);
    }

    public static LayerEntry file(String name, int mode, byte[] content) {
        return new LayerEntry(name, Type.FILE, mode, content, null);
    }

    public static LayerEntry symlink(String name, String target) {
        return new LayerEntry(name, Type.SYMLINK, 0777, new byte[0], target);
    }
}
