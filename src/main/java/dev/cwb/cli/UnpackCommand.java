package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.WorkbenchHome;
import dev.cwb.image.Image;
import dev.cwb.layer.FlatUnpacker;
import dev.cwb.layer.LayerCache;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code unpack IMAGE [DIR]}: turns an image's layer tars into directories.
 *
 * <p>By default each layer goes to its own directory in the shared layer cache (one per diff_id), ready
 * to be stacked by overlayfs; with DIR, DIR gets numbered links to them. With {@code --flat} the layers
 * are applied one over the other into DIR, whiteouts and all: the root filesystem a container sees.
 */
@Command(name = "unpack", description = "Unpack an image's layers: each into the shared layer cache, or --flat into one root filesystem.",
        footer = {"", "Without root, files keep your uid and device nodes are skipped; whiteouts become overlayfs whiteouts with",
                "user.overlay.* attributes (for an overlay in a user namespace). Run with sudo to keep owners and devices too."})
public final class UnpackCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image (name:tag or image id).")
    String image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR",
            description = "With --flat: the new directory for the root filesystem. Without: where to put links to the layer directories.")
    Path dir;

    @Option(names = "--flat", description = "Apply all layers into DIR as one merged root filesystem (whiteouts applied).")
    boolean flat;

    @Override
    protected int run() throws IOException {
        Image img = workbench.images().image(image);
        boolean root = WorkbenchHome.isRoot();
        if (flat) {
            if (dir == null) {
                throw new CwbException(CwbException.USAGE, "unpack --flat needs a directory to unpack into",
                        "for example: unpack --flat " + image + " ./rootfs");
            }
            FlatUnpacker.requireEmptyOrNew(dir); // DIR gets the tree or numbered links: nothing of the learner's may be replaced
            out().println("Applying " + img.layers().size() + " layers of " + img.reference().familiar() + " into " + dir + " (bottom first):");
            long start = System.nanoTime();
            new FlatUnpacker(workbench.images(), root, workbench.home().pending()).unpack(img, dir, (i, n, layer, r, tarBytes, seconds) -> {
                out().printf(Locale.ROOT, "  layer %d/%d  %s  %,d entries  %s  %d whiteouts%s  %.2fs%n", i, n, layer.digest().shortId(),
                        r.entries(), Sizes.human(r.fileBytes()), r.whiteouts(), r.opaques() > 0 ? " (" + r.opaques() + " opaque)" : "", seconds);
                out().flush();
            });
            out().printf(Locale.ROOT, "Done in %.2fs: %s is the root filesystem of %s.%s%n", (System.nanoTime() - start) / 1e9, dir,
                    img.reference().familiar(), root ? " Its top directory is mode 0700: set-uid programs and device nodes"
                            + " inside it are root's alone." : " (not root: owners and device nodes were not kept)");
            return 0;
        }
        if (dir != null) {
            FlatUnpacker.requireEmptyOrNew(dir); // DIR gets the tree or numbered links: nothing of the learner's may be replaced
        }
        LayerCache cache = new LayerCache(workbench.images(), workbench.home().layers(), root);
        out().println("Unpacking " + img.layers().size() + " layers of " + img.reference().familiar() + " into the layer cache " + cache.dir() + ":");
        List<LayerCache.Unpacked> layers = CachedLayers.unpack(cache, img, out());
        if (dir != null) {
            Files.createDirectories(dir);
            for (LayerCache.Unpacked u : layers) {
                Files.createSymbolicLink(dir.resolve(String.valueOf(u.index())), u.fs());
            }
            out().println("Linked as " + dir + "/1 .. " + dir + "/" + layers.size() + " (bottom first).");
        }
        StringBuilder lower = new StringBuilder();
        for (int i = layers.size() - 1; i >= 0; i--) {
            lower.append(lower.length() == 0 ? "" : ":").append(layers.get(i).fs());
        }
        out().println("overlayfs lowerdir (top layer first):");
        out().println("  " + lower);
        if (!root) {
            out().println("Not root: files are yours and device nodes were skipped; opaque directories carry user.overlay.opaque,"
                    + " so mount with the userxattr option (as the container steps do); 'sudo ./cwb' keeps owners and devices.");
        }
        return 0;
    }
}
