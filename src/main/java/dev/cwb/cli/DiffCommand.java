package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig.History;
import dev.cwb.image.Json;
import dev.cwb.layer.FilesystemView;
import dev.cwb.layer.ImageEfficiency;
import dev.cwb.layer.LayerDiff;
import dev.cwb.layer.LayerEntry;
import dev.cwb.layer.LayerFile;
import dev.cwb.layer.LayerListing;
import dev.cwb.layer.LayerReader;
import dev.cwb.layer.LayerSelector;
import dev.cwb.layer.TarPaths;
import dev.cwb.view.FileTree;
import dev.cwb.view.Printable;
import dev.cwb.view.Sizes;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code diff IMAGE [LAYER] [/PATH]}: an image is a stack of diffs, and this shows them.
 *
 * <p>With a layer: the paths that layer adds (A), modifies (M) or deletes (D) relative to the layers below
 * it, as a tree with sizes (see {@link LayerDiff}); {@code --aggregate} shows instead the whole tree after
 * that layer, each path with the layer that last changed it. Without a layer: a row per layer, and how much
 * of the image's file content survives to the final root filesystem ({@link ImageEfficiency}).
 * Every layer read is verified (blob digest and diff_id) before anything from it is shown.
 */
@Command(name = "diff", description = "Show an image as a stack of diffs: what one layer adds/modifies/deletes, or a summary of all layers.",
        footer = {"", "Examples:",
                "  diff busybox                    a row per layer, and the image's efficiency",
                "  diff layers-demo 8              what layer 8 adds, modifies, deletes",
                "  diff busybox 1 /bin             only the paths under /bin",
                "  diff layers-demo 8 --aggregate  every path after layer 8, with its last layer",
                "LAYER is a number (1 is the bottom, as 'inspect layers' shows) or a prefix",
                "of the layer's digest or diff_id.", ""})
public final class DiffCommand extends WorkbenchCommand {
    static final int DEFAULT_LIMIT = 200;
    static final int DEFAULT_TOP = 10;

    @Mixin
    JsonOption json;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image (name:tag or image id).")
    String image;

    @Parameters(index = "1..*", arity = "0..2", paramLabel = "LAYER|/PATH",
            description = "The layer (number, or digest/diff_id prefix); a path starting with '/' limits the tree to what is under it.")
    List<String> more = new ArrayList<>();

    @Option(names = "--added", description = "Only paths the layer adds (A).")
    boolean added;

    @Option(names = "--modified", description = "Only paths the layer modifies (M).")
    boolean modified;

    @Option(names = {"--removed", "--deleted"}, description = "Only paths the layer deletes (D).")
    boolean removed;

    @Option(names = "--aggregate", description = "The merged tree after layers 1..LAYER (default: all), each path with the layer that last changed it.")
    boolean aggregate;

    @Option(names = "--depth", paramLabel = "N", description = "Draw N levels of directories (below PATH if given); deeper ones are collapsed.")
    int depth;

    @Option(names = "--limit", paramLabel = "LINES", description = "Collapse directories to fit the tree in about LINES lines (default ${DEFAULT-VALUE}).")
    int limit = DEFAULT_LIMIT;

    @Option(names = "--all", description = "Draw every path: no collapsing, no line limit.")
    boolean all;

    @Option(names = "--top", paramLabel = "N", description = "Without a layer: how many files to list by wasted bytes (default ${DEFAULT-VALUE}).")
    int top = DEFAULT_TOP;

    @Option(names = "--no-trunc", description = "Do not shorten CREATED BY lines.")
    boolean noTrunc;

    @Override
    protected int run() {
        Image img = workbench.images().image(image);
        String layerArg = null;
        String pathArg = null;
        for (String m : more) {
            if (m.startsWith("/")) {
                if (pathArg != null) {
                    throw usage("two paths given ('" + pathArg + "' and '" + m + "')");
                }
                pathArg = m;
            } else {
                if (layerArg != null) {
                    throw usage("two layers given ('" + layerArg + "' and '" + m + "')");
                }
                layerArg = m;
            }
        }
        Set<LayerDiff.Mark> marks = marks();
        if (aggregate && marks.size() < 3) {
            throw usage("--added/--modified/--removed pick marks of one layer's diff; --aggregate shows the merged tree, which has no marks");
        }
        if (limit < 1 || depth < 0 || top < 0) {
            throw usage("--limit must be at least 1, --depth and --top at least 0");
        }
        LayerReader reader = new LayerReader(workbench.images(), img);
        if (reader.count() == 0) {
            out().println(img.reference().familiar() + " has no layers: its root filesystem is empty, so there is nothing to diff.");
            return 0;
        }
        if (layerArg == null && !aggregate) {
            if (pathArg != null || marks.size() < 3) {
                throw usage("a path or a filter needs a layer, e.g. 'diff " + image + " 1 " + (pathArg == null ? "/" : pathArg) + "'");
            }
            return summary(reader);
        }
        int layer = layerArg == null ? reader.count() : LayerSelector.select(img, layerArg);
        String prefix = pathArg == null ? "" : TarPaths.clean(pathArg);
        List<LayerListing> listings = reader.listUpTo(layer);
        FilesystemView view = new FilesystemView();
        LayerDiff diff = null;
        for (LayerListing l : listings) {
            diff = view.apply(l);
        }
        return aggregate ? aggregate(img, layer, view, prefix) : layerDiff(img, layer, diff, listings.get(layer - 1), prefix, marks);
    }

    private Set<LayerDiff.Mark> marks() {
        Set<LayerDiff.Mark> marks = EnumSet.noneOf(LayerDiff.Mark.class);
        if (added) {
            marks.add(LayerDiff.Mark.ADDED);
        }
        if (modified) {
            marks.add(LayerDiff.Mark.MODIFIED);
        }
        if (removed) {
            marks.add(LayerDiff.Mark.DELETED);
        }
        return marks.isEmpty() ? EnumSet.allOf(LayerDiff.Mark.class) : marks;
    }

    private int layerDiff(Image img, int layer, LayerDiff diff, LayerListing listing, String prefix, Set<LayerDiff.Mark> marks) {
        List<LayerDiff.Change> shown = new ArrayList<>();
        for (LayerDiff.Change c : diff.changes()) {
            if (marks.contains(c.mark()) && under(c.path(), prefix)) {
                shown.add(c);
            }
        }
        String name = img.reference().familiar();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("image", img.reference().toString());
            m.put("layer", layer);
            m.put("digest", img.layers().get(layer - 1).digest().toString());
            m.put("diffId", img.config().diffIds().get(layer - 1).toString());
            m.put("createdBy", createdBy(img).get(layer - 1));
            m.put("fileBytes", listing.fileBytes());
            m.put("added", diff.count(LayerDiff.Mark.ADDED));
            m.put("modified", diff.count(LayerDiff.Mark.MODIFIED));
            m.put("deleted", diff.count(LayerDiff.Mark.DELETED));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LayerDiff.Change c : shown) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("path", "/" + c.path());
                r.put("mark", c.mark().letter());
                r.put("type", c.file().typeName());
                r.put("size", c.file().size());
                r.put("linkTarget", c.file().linkTarget());
                r.put("fromLayer", c.fromLayer());
                r.put("replaced", c.replaced());
                rows.add(r);
            }
            m.put("changes", rows);
            out().println(Json.pretty(m));
            return 0;
        }
        out().println("Layer " + layer + " of " + img.layers().size() + " of " + name + ": " + Printable.of(createdBy(img).get(layer - 1)));
        out().println("  " + listing.entries().size() + " tar entries, " + Sizes.human(listing.fileBytes()) + " of file content; "
                + diff.count(LayerDiff.Mark.ADDED) + " added, " + diff.count(LayerDiff.Mark.MODIFIED) + " modified, "
                + diff.count(LayerDiff.Mark.DELETED) + " deleted (paths)");
        if (shown.isEmpty()) {
            out().println("  nothing to show" + (prefix.isEmpty() ? "" : " under /" + prefix)
                    + (marks.size() < 3 ? " with the chosen marks" : "") + ".");
            return 0;
        }
        List<FileTree.Row> rows = new ArrayList<>();
        for (LayerDiff.Change c : shown) {
            rows.add(new FileTree.Row(c.path(), c.mark().letter(), tone(c.mark()), c.file().isDirectory(), c.file().size(),
                    c.mark() == LayerDiff.Mark.DELETED, note(c.file(), c.replaced())));
        }
        printTree(new FileTree(rows), rows, prefix, layer);
        out().println("A added (new path)  M modified (the path existed below)  D deleted (whiteout, or hidden by an opaque directory)");
        out().println("Sizes: files as this layer stores them (D: the deleted version); directories: the total of the added and modified"
                + " files below them (for a deleted directory: of what it deleted).");
        return 0;
    }

    private int aggregate(Image img, int layer, FilesystemView view, String prefix) {
        Map<String, FilesystemView.Node> nodes = prefix.isEmpty() ? view.nodes() : new LinkedHashMap<>();
        if (!prefix.isEmpty()) {
            FilesystemView.Node self = view.nodes().get(prefix);
            if (self != null) {
                nodes.put(prefix, self);
            }
            nodes.putAll(view.below(prefix));
        }
        String name = img.reference().familiar();
        if (json.enabled()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map.Entry<String, FilesystemView.Node> e : nodes.entrySet()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("path", "/" + e.getKey());
                r.put("type", e.getValue().file().typeName());
                r.put("size", e.getValue().file().size());
                r.put("linkTarget", e.getValue().file().linkTarget());
                r.put("layer", e.getValue().layer());
                rows.add(r);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("image", img.reference().toString());
            m.put("afterLayer", layer);
            m.put("paths", rows);
            out().println(Json.pretty(m));
            return 0;
        }
        out().println("The root filesystem of " + name + " after layers 1.." + layer + " (of " + img.layers().size()
                + "); the first column is the layer that last changed each path:");
        if (nodes.isEmpty()) {
            out().println("  nothing" + (prefix.isEmpty() ? "" : " at /" + prefix) + ".");
            return 0;
        }
        List<FileTree.Row> rows = new ArrayList<>();
        for (Map.Entry<String, FilesystemView.Node> e : nodes.entrySet()) {
            LayerFile f = e.getValue().file();
            rows.add(new FileTree.Row(e.getKey(), String.valueOf(e.getValue().layer()),
                    e.getValue().layer() == layer ? FileTree.Tone.GREEN : FileTree.Tone.PLAIN, f.isDirectory(), f.size(), false, note(f, false)));
        }
        printTree(new FileTree(rows), rows, prefix, layer);
        return 0;
    }

    private void printTree(FileTree tree, List<FileTree.Row> rows, String prefix, int layer) {
        boolean startsAtPrefix = !prefix.isEmpty() && rows.stream().anyMatch(r -> r.path().startsWith(prefix + "/"));
        String start = prefix.isEmpty() || startsAtPrefix ? prefix : TarPaths.parent(prefix);
        FileTree.Rendered r = tree.render(start, depth, all ? 0 : limit, workbench.unicode(), workbench.color());
        out().println(r.text());
        if (r.collapsed() || r.cut()) {
            String biggest = biggestDirectory(rows, start);
            out().println("(" + r.pathsTotal() + " paths; "
                    + (r.collapsed() ? "directories deeper than " + r.depthShown() + " level" + (r.depthShown() == 1 ? "" : "s") + " are collapsed" : "")
                    + (r.collapsed() && r.cut() ? " and " : "") + (r.cut() ? "the list is cut at " + limit + " lines" : "")
                    + ". Narrow it with a path" + (biggest == null ? "" : " (e.g. 'diff " + image + " " + (aggregate ? "--aggregate " : "")
                    + layer + " /" + biggest + "')") + ", or use --depth N, --limit LINES or --all.)");
        }
    }

    /** The directory right under {@code start} holding the most rows: the best example for a narrowing hint. */
    private static String biggestDirectory(List<FileTree.Row> rows, String start) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        int skip = start.isEmpty() ? 0 : start.length() + 1;
        for (FileTree.Row row : rows) {
            if (row.path().length() <= skip || !under(row.path(), start)) {
                continue;
            }
            int slash = row.path().indexOf('/', skip);
            if (slash > 0) {
                counts.merge(row.path().substring(0, slash), 1, Integer::sum);
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    private int summary(LayerReader reader) {
        Image img = reader.image();
        List<LayerListing> listings = reader.listUpTo(reader.count());
        FilesystemView view = new FilesystemView();
        List<LayerDiff> diffs = new ArrayList<>();
        for (LayerListing l : listings) {
            diffs.add(view.apply(l));
        }
        ImageEfficiency eff = ImageEfficiency.measure(listings, view);
        List<String> createdBy = createdBy(img);
        List<ImageEfficiency.WastedPath> worst = eff.wasted().subList(0, Math.min(top, eff.wasted().size()));
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("image", img.reference().toString());
            List<Map<String, Object>> layers = new ArrayList<>();
            for (LayerDiff d : diffs) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("index", d.layer());
                r.put("digest", img.layers().get(d.layer() - 1).digest().toString());
                r.put("fileBytes", d.fileBytes());
                r.put("uncompressedSize", listings.get(d.layer() - 1).uncompressedSize());
                r.put("added", d.count(LayerDiff.Mark.ADDED));
                r.put("modified", d.count(LayerDiff.Mark.MODIFIED));
                r.put("deleted", d.count(LayerDiff.Mark.DELETED));
                r.put("createdBy", createdBy.get(d.layer() - 1));
                layers.add(r);
            }
            m.put("layers", layers);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("totalFileBytes", eff.totalFileBytes());
            e.put("survivingBytes", eff.survivingBytes());
            e.put("wastedBytes", eff.wastedBytes());
            e.put("score", eff.score());
            m.put("efficiency", e);
            List<Map<String, Object>> files = new ArrayList<>();
            for (ImageEfficiency.WastedPath w : worst) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("path", "/" + w.path());
                r.put("versions", w.versions());
                r.put("wastedBytes", w.wastedBytes());
                files.add(r);
            }
            m.put("wastedFiles", files);
            out().println(Json.pretty(m));
            return 0;
        }
        String name = img.reference().familiar();
        out().println(name + " is a stack of " + diffs.size() + " diff" + (diffs.size() == 1 ? "" : "s") + ", bottom first (paths each layer adds, modifies, deletes):");
        Table table = new Table("#", "FILE BYTES", "ADDED", "MODIFIED", "DELETED", "CREATED BY").alignRight(0, 1, 2, 3, 4).shrinkFirst(5);
        for (LayerDiff d : diffs) {
            table.row(d.layer(), Sizes.human(d.fileBytes()), d.count(LayerDiff.Mark.ADDED), d.count(LayerDiff.Mark.MODIFIED),
                    d.count(LayerDiff.Mark.DELETED), createdBy.get(d.layer() - 1));
        }
        out().println(table.render(workbench.unicode(), noTrunc ? 0 : 60, noTrunc ? 0 : workbench.terminalWidth()));
        out().println();
        out().println("Image efficiency (content of regular files):");
        out().printf(Locale.ROOT, "  file bytes in all layers:  %s%n", Sizes.human(eff.totalFileBytes()));
        out().printf(Locale.ROOT, "  surviving (what a container sees):  %s%n", Sizes.human(eff.survivingBytes()));
        out().printf(Locale.ROOT, "  potential wasted space:  %s%n", Sizes.human(eff.wastedBytes()));
        out().printf(Locale.ROOT, "  efficiency score:  %.2f %%%n", eff.score() * 100);
        if (!worst.isEmpty()) {
            out().println();
            out().println("Files by wasted bytes" + (eff.wasted().size() > worst.size() ? " (top " + worst.size() + " of " + eff.wasted().size() + ")" : "") + ":");
            Table files = new Table("WASTED", "VERSIONS", "PATH").alignRight(0, 1);
            for (ImageEfficiency.WastedPath w : worst) {
                files.row(Sizes.human(w.wastedBytes()), w.versions(), "/" + w.path());
            }
            out().println(files.render(workbench.unicode(), 0, workbench.terminalWidth()));
        }
        out().println();
        out().println("Wasted = bytes of file versions no container sees: overwritten by a later entry, deleted by a whiteout, or hidden");
        out().println("by an opaque directory. They still sit in the lower layer, downloaded and stored. Score = surviving / all file bytes.");
        out().println("(dive counts every version of a path changed in more than one layer as wasted, the surviving one too, and");
        out().println("scores against each path's smallest version; here wasted + surviving = all file bytes exactly.)");
        out().println("'diff " + name + " N' shows what layer N changes.");
        return 0;
    }

    /** The created_by of each layer: non-empty history steps pair with layers in order (image-spec config "history"). */
    static List<String> createdBy(Image img) {
        List<String> result = new ArrayList<>();
        for (History h : img.config().history()) {
            if (!h.emptyLayer() && result.size() < img.layers().size()) {
                result.add(h.createdBy() == null ? "" : h.createdBy());
            }
        }
        while (result.size() < img.layers().size()) {
            result.add("(no history entry for this layer)");
        }
        return result;
    }

    private String note(LayerFile f, boolean replaced) {
        String arrow = workbench.unicode() ? "→" : "->";
        if (f.kind() == LayerEntry.Kind.SYMLINK) {
            return arrow + " " + Printable.name(f.linkTarget());
        }
        if (f.kind() == LayerEntry.Kind.HARDLINK) {
            return "(hard link to /" + Printable.name(f.linkTarget()) + ")";
        }
        if (replaced) {
            return "(replaced: an opaque whiteout hides what the layers below had here)";
        }
        return switch (f.kind()) {
            case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> "(" + f.typeName() + ")";
            default -> null;
        };
    }

    private static FileTree.Tone tone(LayerDiff.Mark mark) {
        return switch (mark) {
            case ADDED -> FileTree.Tone.GREEN;
            case MODIFIED -> FileTree.Tone.YELLOW;
            case DELETED -> FileTree.Tone.RED;
        };
    }

    private static boolean under(String path, String prefix) {
        return prefix.isEmpty() || path.equals(prefix) || path.startsWith(prefix + "/");
    }

    private CwbException usage(String message) {
        return new CwbException(CwbException.USAGE, message, "type 'help diff' for its usage");
    }
}
