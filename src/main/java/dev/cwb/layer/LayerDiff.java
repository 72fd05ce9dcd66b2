package dev.cwb.layer;

import java.util.List;

/**
 * What one layer changes in the file tree, path by path: the difference between the tree after the layers
 * below it and the tree after it.
 * <ul>
 *   <li>{@link Mark#ADDED A}: the path did not exist below;</li>
 *   <li>{@link Mark#MODIFIED M}: the path existed below and the layer has a new entry for it (a changed
 *       file, or a directory listed again, usually because something inside it changed);</li>
 *   <li>{@link Mark#DELETED D}: the path existed below and does not any more — removed by a whiteout
 *       ({@code .wh.NAME}, together with everything under it), hidden by an opaque whiteout
 *       ({@code .wh..wh..opq}) of a parent directory, or under a directory the layer replaced by a file.</li>
 * </ul>
 * A directory carrying an opaque whiteout that existed below is {@code replaced}: its lower contents are
 * hidden and it holds only what this layer puts in it.
 *
 * <p>Counts here are of paths: a deleted directory counts once for itself and once for each path below
 * it. ({@code inspect layers} counts tar entries, so its REMOVED column counts whiteout entries.)
 */
public record LayerDiff(int layer, List<Change> changes, long fileBytes) {

    public enum Mark {
        ADDED("A"), MODIFIED("M"), DELETED("D");

        private final String letter;

        Mark(String letter) {
            this.letter = letter;
        }

        public String letter() {
            return letter;
        }
    }

    /**
     * One changed path.
     *
     * @param file      the entry the layer put there (A, M), or the one that was deleted (D)
     * @param fromLayer the layer that entry comes from (this layer for A and M)
     * @param replaced  an opaque whiteout replaced this directory's lower contents
     */
    public record Change(String path, Mark mark, LayerFile file, int fromLayer, boolean replaced) {
    }

    public long count(Mark mark) {
        return changes.stream().filter(c -> c.mark() == mark).count();
    }
}
