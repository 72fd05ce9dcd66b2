package dev.cwb.layer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How much of an image's file content a container can actually see.
 *
 * <p>Layers only ever add bytes: a file overwritten by a later layer, or deleted by a whiteout, is still in
 * the layer below, downloaded and stored with every copy of the image. Here:
 * <ul>
 *   <li>{@code totalFileBytes}: the sizes of every regular-file entry of every layer — every version of
 *       every file;</li>
 *   <li>{@code survivingBytes}: the sizes of the versions in the final root filesystem;</li>
 *   <li>{@code wastedBytes} = total − surviving: versions overwritten by a later entry (in a later layer or
 *       later in the same tar), deleted by a whiteout, hidden by an opaque whiteout, or under a directory a
 *       later layer replaced by a file;</li>
 *   <li>{@code score} = surviving / total (1 when there are no file bytes at all).</li>
 * </ul>
 * This differs from the tool dive, which inspired it: dive counts, for every path that appears in more
 * than one layer (or is deleted), the bytes of <em>all</em> its versions as wasted — the surviving one
 * too — and scores against the smallest version of each path. Here only bytes no container can read
 * count as wasted, so {@code wasted + surviving = total} exactly. Directory, link and device entries
 * carry no content and count zero; tar headers and padding are not counted (they are in the layer's
 * uncompressed size, not in its file bytes).
 */
public record ImageEfficiency(long totalFileBytes, long survivingBytes, long wastedBytes, double score, List<WastedPath> wasted) {

    /** One path with bytes no container sees: how many regular-file versions it has, and their wasted bytes. */
    public record WastedPath(String path, int versions, long wastedBytes) {
    }

    /**
     * @param layers the listings of all layers, bottom first
     * @param top    the view after applying all of them
     */
    public static ImageEfficiency measure(List<LayerListing> layers, FilesystemView top) {
        Set<LayerFile> surviving = Collections.newSetFromMap(new IdentityHashMap<>());
        long survivingBytes = 0;
        for (FilesystemView.Node n : top.nodes().values()) {
            if (n.file().isRegularFile()) {
                surviving.add(n.file());
                survivingBytes += n.file().size();
            }
        }
        long total = 0;
        Map<String, long[]> byPath = new TreeMap<>(); // path -> {versions, wasted bytes}
        for (LayerListing layer : layers) {
            for (LayerFile f : layer.entries()) {
                if (!f.isRegularFile()) {
                    continue;
                }
                total += f.size();
                long[] counts = byPath.computeIfAbsent(f.path(), p -> new long[2]);
                counts[0]++;
                if (!surviving.contains(f)) {
                    counts[1] += f.size();
                }
            }
        }
        List<WastedPath> wasted = new ArrayList<>();
        for (Map.Entry<String, long[]> e : byPath.entrySet()) {
            if (e.getValue()[1] > 0) {
                wasted.add(new WastedPath(e.getKey(), (int) e.getValue()[0], e.getValue()[1]));
            }
        }
        wasted.sort(Comparator.comparingLong(WastedPath::wastedBytes).reversed().thenComparing(WastedPath::path));
        double score = total == 0 ? 1.0 : (double) survivingBytes / total;
        return new ImageEfficiency(total, survivingBytes, total - survivingBytes, score, List.copyOf(wasted));
    }
}
