package dev.cwb.cli;

import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.view.Sizes;
import dev.cwb.view.Table;
import dev.cwb.view.Times;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code images}: the images in the store. */
@Command(name = "images", description = "List the images in the store.",
        footer = {"", "IMAGE ID is the start of the config blob's digest. SIZE is what the image's blobs take in the store",
                "(layers as stored, usually compressed); layers shared by several images are stored once."})
public final class ImagesCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Override
    protected int run() {
        ImageStore store = workbench.images();
        List<Image> images = new ArrayList<>();
        for (ImageStore.ImageEntry entry : store.list()) {
            images.add(store.image(entry));
        }
        if (json.enabled()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Image image : images) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reference", image.reference().toString());
                m.put("name", image.reference().familiarName());
                m.put("tag", image.reference().tag());
                m.put("id", image.id().toString());
                m.put("manifestDigest", image.manifestDescriptor().digest().toString());
                m.put("created", image.config().created());
                m.put("size", image.contentSize());
                m.put("layers", image.layers().size());
                m.put("platform", image.config().platform().toString());
                list.add(m);
            }
            out().println(Json.pretty(list));
            return 0;
        }
        if (images.isEmpty()) {
            out().println("No images yet. Build the samples with 'samples build', or add one with 'load PATH'.");
            return 0;
        }
        Instant now = Instant.now();
        Table table = new Table("IMAGE", "IMAGE ID", "CREATED", "SIZE", "LAYERS").alignRight(3, 4);
        for (Image image : images) {
            table.row(image.reference().familiar(), image.id().shortId(), Times.ago(image.config().created(), now),
                    Sizes.human(image.contentSize()), image.layers().size());
        }
        out().println(table.render(workbench.unicode(), 0, workbench.terminalWidth()));
        return 0;
    }
}
