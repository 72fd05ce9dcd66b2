package dev.cwb.shell;

import dev.cwb.Workbench;
import dev.cwb.image.Image;
import dev.cwb.layer.FilesystemView;
import dev.cwb.layer.LayerEntry;
import dev.cwb.layer.LayerListing;
import dev.cwb.layer.LayerReader;
import org.jline.reader.Candidate;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * Completes the PATH of {@code cat IMAGE[@LAYER] PATH} from the image's own tree, merged up to that layer —
 * not from the host's file system, which would teach the wrong thing (busybox has no /etc/apache2). The
 * merged tree of the last image asked for is kept, so only the first Tab reads the layers.
 */
final class ImagePaths {
    private final Workbench workbench;
    private String cachedKey;
    private FilesystemView cachedView;

    ImagePaths(Workbench workbench) {
        this.workbench = workbench;
    }

    void complete(String imageArgument, String typed, List<Candidate> candidates) {
        if (!Files.isRegularFile(workbench.home().imageLayout().resolve("index.json"))) {
            return; // no store yet: never create one from a Tab
        }
        try {
            String name = imageArgument;
            int top = Integer.MAX_VALUE;
            int at = imageArgument.lastIndexOf('@');
            if (at > 0 && imageArgument.substring(at + 1).matches("\\d+")) {
                name = imageArgument.substring(0, at);
                top = Integer.parseInt(imageArgument.substring(at + 1));
            }
            Image image = workbench.images().image(name);
            int layers = Math.min(top, image.layers().size());
            FilesystemView view = view(image, layers);
            String relative = typed.startsWith("/") ? typed.substring(1) : typed;
            int slash = relative.lastIndexOf('/');
            String dir = slash < 0 ? "" : relative.substring(0, slash);
            int depth = dir.isEmpty() ? 0 : dir.length() + 1;
            for (Map.Entry<String, FilesystemView.Node> e : view.below(dir).entrySet()) {
                String path = e.getKey();
                if (path.indexOf('/', depth) >= 0) {
                    continue; // deeper than one level: offered once the directory is typed
                }
                boolean isDir = e.getValue().file().kind() == LayerEntry.Kind.DIRECTORY;
                String value = "/" + path + (isDir ? "/" : "");
                candidates.add(new Candidate(value, path.substring(depth) + (isDir ? "/" : ""), null, null, null, null, !isDir));
            }
        } catch (RuntimeException e) {
            // an unknown image or a damaged layer: nothing to offer; the command itself will say why
        }
    }

    private FilesystemView view(Image image, int layers) {
        String key = image.id() + "@" + layers;
        if (!key.equals(cachedKey)) {
            FilesystemView view = new FilesystemView();
            LayerReader reader = new LayerReader(workbench.images(), image);
            for (LayerListing listing : reader.listUpTo(layers)) {
                view.apply(listing);
            }
            cachedKey = key;
            cachedView = view;
        }
        return cachedView;
    }
}
