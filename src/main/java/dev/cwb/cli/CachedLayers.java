package dev.cwb.cli;

import dev.cwb.image.Image;
import dev.cwb.layer.LayerCache;
import dev.cwb.view.Sizes;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Unpacking an image into the layer cache with one line per layer, as {@code unpack} and {@code new} show it. */
final class CachedLayers {
    private CachedLayers() {
    }

    /**
     * Unpacks what is not cached yet; returns the layers bottom first. Layers finish in any order (they
     * unpack in parallel); lines are printed bottom first, as each one and all below it are done, so the
     * learner reads the stack in order.
     */
    static List<LayerCache.Unpacked> unpack(LayerCache cache, Image img, PrintWriter out) {
        Map<Integer, LayerCache.Unpacked> finished = new TreeMap<>();
        int[] nextToPrint = {1};
        return cache.unpack(img, (u, n) -> {
            synchronized (finished) {
                finished.put(u.index(), u);
                for (LayerCache.Unpacked ready; (ready = finished.remove(nextToPrint[0])) != null; nextToPrint[0]++) {
                    LayerCache.Info info = ready.info();
                    out.printf(Locale.ROOT, "  layer %d/%d  %s  %s%n", ready.index(), n, info.diffId().shortId(), ready.cached()
                            ? "already unpacked (shared)"
                            : String.format(Locale.ROOT, "%,d entries  %s  %d whiteouts%s  %.2fs", info.entries(), Sizes.human(info.fileBytes()),
                            info.whiteouts(), info.opaques() > 0 ? " (" + info.opaques() + " opaque)" : "", info.seconds()));
                }
                out.flush();
            }
        });
    }
}
