package dev.cwb.cli;

import dev.cwb.image.Image;
import dev.cwb.image.Json;
import dev.cwb.layer.LayerAnalysis;
import dev.cwb.layer.LayerStats;
import dev.cwb.view.Sizes;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code inspect layers IMAGE}: one row per layer, bottom first — the blob digest (compressed) and the
 * diff_id (uncompressed), both sizes, what the layer adds, modifies and removes relative to the layers
 * below it, and the build step that made it.
 */
@Command(name = "layers", description = "A row per layer: digest, diff_id, sizes, files added/modified/removed, created_by.",
        footer = {"", "DIGEST names the layer blob as STORED (usually compressed); DIFF_ID names the uncompressed tar (the config's",
                "rootfs.diff_ids). Both were checked while reading. REMOVED counts whiteouts (.wh.NAME); OPAQUE counts",
                "directories whose lower contents the layer hides (.wh..wh..opq)."})
public final class InspectLayersCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Option(names = "--no-trunc", description = "Show full digests and CREATED BY lines.")
    boolean noTrunc;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image (name:tag or image id).")
    String image;

    @Override
    protected int run() {
        Image img = workbench.images().image(image);
        boolean progress = !json.enabled() && img.layers().size() > 1 && workbench.color();
        List<LayerStats> stats = new LayerAnalysis(workbench.images(), workbench.cacheDir()).stats(img,
                progress ? (i, n) -> {
                    workbench.err().print("\rreading layers: " + i + "/" + n + (i == n ? "\r\u001b[K" : ""));
                    workbench.err().flush();
                } : LayerAnalysis.Progress.NONE);
        List<HistoryCommand.Step> steps = HistoryCommand.steps(img, stats);
        if (json.enabled()) {
            List<Map<String, Object>> rows = new java.util.ArrayList<>();
            for (LayerStats s : stats) {
                Map<String, Object> m = new LinkedHashMap<>(Json.mapper().convertValue(s, Map.class));
                m.put("mediaType", img.layers().get(s.index() - 1).mediaType());
                m.put("createdBy", createdBy(steps, s));
                rows.add(m);
            }
            out().println(Json.pretty(rows));
            return 0;
        }
        out().println("Layers of " + img.reference().familiar() + ", bottom first (stacked, they make the root filesystem):");
        if (stats.isEmpty()) {
            out().println("  (none: this image has no layers, so its root filesystem is empty)");
            return 0;
        }
        Table table = new Table("#", "DIGEST", "DIFF_ID", "STORED", "SIZE", "ADDED", "MODIFIED", "REMOVED", "OPAQUE", "CREATED BY")
                .alignRight(0, 3, 4, 5, 6, 7, 8).shrinkFirst(9);
        long compressed = 0;
        long uncompressed = 0;
        for (LayerStats s : stats) {
            compressed += s.compressedSize();
            uncompressed += s.uncompressedSize();
            table.row(s.index(), id(s.digest().toString()), id(s.diffId().toString()), Sizes.human(s.compressedSize()),
                    Sizes.human(s.uncompressedSize()), s.added(), s.modified(), s.removed(), s.opaqueDirs(), createdBy(steps, s));
        }
        out().println(table.render(workbench.unicode(), noTrunc ? 0 : 48, noTrunc ? 0 : workbench.terminalWidth()));
        out().println("Total: " + Sizes.human(compressed) + " stored, " + Sizes.human(uncompressed) + " unpacked; "
                + "every blob digest and diff_id verified.");
        return 0;
    }

    private String id(String digest) {
        // like docker's IMAGE ID column: the first 12 hex digits, enough to tell layers apart
        return noTrunc ? digest : digest.substring(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
    }

    private static String createdBy(List<HistoryCommand.Step> steps, LayerStats s) {
        for (HistoryCommand.Step step : steps) {
            if (step.layer() == s) {
                return step.history().createdBy() == null ? "" : step.history().createdBy();
            }
        }
        return "";
    }
}
