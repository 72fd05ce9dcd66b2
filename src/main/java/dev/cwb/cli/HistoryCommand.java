package dev.cwb.cli;

import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig.History;
import dev.cwb.image.Json;
import dev.cwb.layer.LayerAnalysis;
import dev.cwb.layer.LayerStats;
import dev.cwb.view.Sizes;
import dev.cwb.view.Table;
import dev.cwb.view.Times;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code history IMAGE}: the build steps recorded in the image config, newest first, like
 * {@code docker history}. A step that changed no files ({@code empty_layer}: ENV, CMD, ...) shows 0B;
 * each other step owns one layer, shown with its uncompressed size.
 */
@Command(name = "history", description = "Show how an image was built, newest step first.",
        footer = {"", "Steps marked 0B changed no files (ENV, CMD, LABEL...): they live only in the config.",
                "<missing> in the IMAGE column: only the top step is an image of its own here; the steps below",
                "were built elsewhere, so no image id exists for them (as in 'docker history')."})
public final class HistoryCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Option(names = "--no-trunc", description = "Do not shorten long CREATED BY lines.")
    boolean noTrunc;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    String image;

    /** One history step joined with the layer it made, if any. */
    record Step(History history, LayerStats layer) {
        long size() {
            return layer == null ? 0 : layer.uncompressedSize();
        }
    }

    @Override
    protected int run() {
        Image img = workbench.images().image(image);
        List<LayerStats> layers = new LayerAnalysis(workbench.images(), workbench.cacheDir()).stats(img, LayerAnalysis.Progress.NONE);
        List<Step> steps = steps(img, layers);
        if (json.enabled()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = steps.size() - 1; i >= 0; i--) {
                Step s = steps.get(i);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("created", s.history().created());
                m.put("createdBy", s.history().createdBy());
                m.put("comment", s.history().comment());
                m.put("emptyLayer", s.history().emptyLayer());
                m.put("size", s.size());
                m.put("layer", s.layer() == null ? null : s.layer().digest().toString());
                list.add(m);
            }
            out().println(Json.pretty(list));
            return 0;
        }
        Instant now = Instant.now();
        Table table = new Table("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT").alignRight(3).shrinkFirst(4, 2);
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            table.row(i == steps.size() - 1 ? img.id().shortId() : "<missing>", Times.ago(s.history().created(), now),
                    s.history().createdBy(), Sizes.human(s.size()), s.history().comment());
        }
        out().println(table.render(workbench.unicode(), noTrunc ? 0 : 60, noTrunc ? 0 : workbench.terminalWidth()));
        return 0;
    }

    /** Pairs each non-empty history entry with the next layer, bottom up (image-spec: history order = layer order). */
    static List<Step> steps(Image img, List<LayerStats> layers) {
        List<Step> steps = new ArrayList<>();
        int next = 0;
        for (History h : img.config().history()) {
            LayerStats layer = !h.emptyLayer() && next < layers.size() ? layers.get(next++) : null;
            steps.add(new Step(h, layer));
        }
        // Layers with no history entry (some tools write none): show them as steps of their own.
        for (; next < layers.size(); next++) {
            steps.add(new Step(new History(null, "(no history entry for this layer)", null, null, false), layers.get(next)));
        }
        return steps;
    }
}
