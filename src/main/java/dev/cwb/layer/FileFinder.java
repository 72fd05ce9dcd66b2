package dev.cwb.layer;

import dev.cwb.CwbException;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a file in an image as the image leaves it after layer {@code top} — without unpacking anything.
 *
 * <p>A path is decided by the highest layer that says something about it (see {@link LayerListing#decide}),
 * so layers are read from the top down and the search stops at the first that decides; the layers below
 * it are never read. Symbolic links are followed inside the image the way the kernel follows them inside a
 * container's root (path_resolution(7)): an absolute target starts again at the image's root, {@code ..}
 * never climbs above the root, and more than 40 links in one lookup is an error (ELOOP). A hard link is
 * the file it links to, as that file was when the link's layer was applied.
 */
public final class FileFinder {
    /** Linux gives up after 40 symbolic links in one lookup (path_resolution(7)). */
    static final int MAX_LINKS = 40;

    private final LayerReader reader;
    private final int top;
    private final String image;
    private String requested;
    private final Map<Integer, ContentBuffer> captured = new HashMap<>();
    private final Map<Integer, Boolean> scanned = new HashMap<>();

    /** A link followed on the way: the link's path, its target as written, and the path it led to. */
    public record Hop(String link, String target, boolean hardlink) {
    }

    /**
     * Where a path led: the final path, its entry and the layer that entry comes from; {@code source} is the
     * path of the entry holding the content (the target of a hard link, else {@code path}).
     */
    public record Found(String path, LayerFile file, int layer, String source, List<Hop> hops) {
        public boolean isDirectory() {
            return file.isDirectory();
        }
    }

    /** A path's state after some layer: its entry and layer when present, else the verdict that removed it. */
    record Located(LayerFile file, int layer, LayerListing.Verdict verdict, String cause) {
        boolean present() {
            return file != null;
        }
    }

    public FileFinder(LayerReader reader, int top) {
        this.reader = reader;
        this.top = top;
        this.image = reader.image().reference().familiar();
    }

    /** Resolves {@code userPath} (absolute or not; "/" is the root), following every symbolic link. */
    public Found find(String userPath) {
        requested = TarPaths.clean(userPath); // only a guess of which file to copy on the first pass
        // Not cleaned textually: "a/../b" must follow a symlink at "a" before climbing, as the kernel does.
        Deque<String> pending = new ArrayDeque<>(TarPaths.components(userPath));
        List<String> resolved = new ArrayList<>();
        List<Hop> hops = new ArrayList<>();
        Located here = new Located(LayerFile.impliedDirectory(""), top, LayerListing.Verdict.PRESENT, "");
        while (!pending.isEmpty()) {
            String part = pending.pollFirst();
            if (part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                here = null; // re-located below if this is the last component
                continue;
            }
            String path = join(resolved, part);
            Located at = locate(path, top);
            if (at.present() && at.file().kind() == LayerEntry.Kind.HARDLINK) {
                hops.add(new Hop(path, at.file().linkTarget(), true));
                at = followHardlink(path, at, hops);
            }
            if (!at.present()) {
                throw missing(path, at, userPath, hops);
            }
            if (at.file().kind() == LayerEntry.Kind.SYMLINK) {
                if (hops.size() >= MAX_LINKS) {
                    throw CwbException.badInput("too many levels of symbolic links resolving '" + display(requested) + "' in " + image,
                            "the image holds a symlink loop (the kernel stops after " + MAX_LINKS + " links, with ELOOP)");
                }
                String target = at.file().linkTarget();
                hops.add(new Hop(path, target, false));
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                List<String> rest = TarPaths.components(target);
                for (int i = rest.size() - 1; i >= 0; i--) {
                    pending.addFirst(rest.get(i));
                }
                here = null;
                continue;
            }
            if (!pending.isEmpty() && !at.file().isDirectory()) {
                throw CwbException.badInput("cannot open '" + display(requested) + "' in " + image + ": " + display(path) + " is a "
                        + at.file().typeName() + " (layer " + at.layer() + "), not a directory", null);
            }
            resolved.add(part);
            here = at;
        }
        String finalPath = String.join("/", resolved);
        if (here == null) {
            here = finalPath.isEmpty() ? new Located(LayerFile.impliedDirectory(""), top, LayerListing.Verdict.PRESENT, "")
                    : locate(finalPath, top);
        }
        return new Found(finalPath, here.file(), here.layer(), here.cause(), List.copyOf(hops));
    }

    /** The content of a regular file that {@link #find} returned, read from its layer (already verified). */
    public ContentBuffer content(Found found) {
        if (!found.file().isRegularFile()) {
            throw new IllegalArgumentException("not a regular file: " + found.path());
        }
        if (found.source().equals(requested)) {
            ContentBuffer early = captured.remove(found.layer());
            if (early != null) {
                return early;
            }
        }
        ContentBuffer content = reader.list(found.layer(), found.source()).content();
        if (content == null) {
            // the listing said the file is there; a second pass over the same verified bytes must agree
            throw new IllegalStateException(reader.describe(found.layer()) + " has no file " + found.source() + " on the second pass");
        }
        return content;
    }

    /** The entries directly inside a directory {@link #find} returned, from the merged layers 1..top. */
    public List<Map.Entry<String, FilesystemView.Node>> list(Found dir) {
        FilesystemView view = new FilesystemView();
        for (LayerListing l : reader.listUpTo(top)) {
            view.apply(l);
        }
        List<Map.Entry<String, FilesystemView.Node>> children = new ArrayList<>();
        int depth = dir.path().isEmpty() ? 0 : dir.path().length() + 1;
        for (Map.Entry<String, FilesystemView.Node> e : view.below(dir.path()).entrySet()) {
            if (e.getKey().indexOf('/', depth) < 0) {
                children.add(Map.entry(e.getKey().substring(depth), e.getValue()));
            }
        }
        return children;
    }

    /** Frees content captured on the way but not asked for. */
    public void release() {
        for (ContentBuffer b : captured.values()) {
            try {
                b.close();
            } catch (IOException ignored) {
                // only a temporary file
            }
        }
        captured.clear();
    }

    /** The state of {@code path} after layer {@code from}, reading from that layer down until one decides. */
    Located locate(String path, int from) {
        if (path.isEmpty()) {
            return new Located(LayerFile.impliedDirectory(""), from, LayerListing.Verdict.PRESENT, "");
        }
        for (int k = from; k >= 1; k--) {
            LayerListing.Decision d = listing(k).decide(path);
            switch (d.verdict()) {
                case PRESENT -> {
                    return new Located(d.file(), k, d.verdict(), path);
                }
                case UNDECIDED -> {
                    // the layers below decide
                }
                default -> {
                    return new Located(null, k, d.verdict(), d.cause());
                }
            }
        }
        return new Located(null, 0, LayerListing.Verdict.UNDECIDED, null);
    }

    private LayerListing listing(int k) {
        if (scanned.containsKey(k) || requested == null) {
            return reader.list(k);
        }
        // First visit: copy the requested file's bytes in the same pass, in case it is here (the usual case).
        LayerReader.Pass pass = reader.list(k, requested);
        scanned.put(k, true);
        if (pass.content() != null) {
            captured.put(k, pass.content());
        }
        return pass.listing();
    }

    /** A hard link names an entry of its own layer or one below (image-spec: links are resolved within the tar). */
    private Located followHardlink(String path, Located link, List<Hop> hops) {
        Located at = link;
        while (at.present() && at.file().kind() == LayerEntry.Kind.HARDLINK) {
            if (hops.size() > MAX_LINKS) {
                throw CwbException.corrupt("hard link loop at '" + display(path) + "' in " + image, "the image is malformed");
            }
            String target = at.file().linkTarget();
            Located next = locate(target, at.layer());
            if (!next.present()) {
                throw CwbException.corrupt("'" + display(path) + "' in " + image + " is a hard link to '" + display(target)
                        + "', which does not exist in layer " + at.layer() + " or below", "the layer is malformed");
            }
            if (next.file().kind() == LayerEntry.Kind.HARDLINK) {
                hops.add(new Hop(target, next.file().linkTarget(), true));
            }
            at = next;
        }
        return at;
    }

    private CwbException missing(String path, Located at, String userPath, List<Hop> hops) {
        String what = display(path);
        String via = hops.isEmpty() ? "" : " (reached from '" + userPath + "' through " + hops.size() + " link" + (hops.size() == 1 ? "" : "s") + ")";
        String after = " in " + image + " after layer " + top;
        String parent = display(TarPaths.parent(path));
        switch (at.verdict()) {
            case DELETED -> {
                String how = at.cause().equals(path) ? "a whiteout (.wh." + TarPaths.baseName(path) + ")"
                        : "a whiteout of its directory " + display(at.cause());
                return CwbException.notFound("'" + what + "' was deleted by layer " + at.layer() + " of " + image + ": " + how + via,
                        earlierHint(path, at.layer()));
            }
            case HIDDEN_BY_OPAQUE -> {
                return CwbException.notFound("'" + what + "' is gone" + after + ": layer " + at.layer() + " replaced the directory "
                        + display(at.cause()) + " (opaque whiteout .wh..wh..opq) and did not put it back" + via, earlierHint(path, at.layer()));
            }
            case PARENT_NOT_DIRECTORY -> {
                return CwbException.notFound("no such file '" + what + "'" + after + ": layer " + at.layer() + " made "
                        + display(at.cause()) + " a " + (at.file() == null ? "non-directory" : at.file().typeName()) + via,
                        earlierHint(path, at.layer()));
            }
            default -> {
                return CwbException.notFound("no such file '" + what + "'" + after + via,
                        "'cat " + image + " " + parent + "' lists what is there; 'diff " + image + " --aggregate' shows every path");
            }
        }
    }

    private String earlierHint(String path, int layer) {
        for (int k = layer - 1; k >= 1; k--) {
            Located below = locate(path, k);
            if (below.present()) {
                return "it is there after layer " + below.layer() + ": try 'cat " + image + "@" + below.layer() + " " + display(path) + "'";
            }
            if (below.verdict() != LayerListing.Verdict.UNDECIDED) {
                k = below.layer();
                continue;
            }
            break;
        }
        return "no lower layer has it either";
    }

    static String display(String path) {
        return "/" + path;
    }

    private static String join(List<String> resolved, String part) {
        return resolved.isEmpty() ? part : String.join("/", resolved) + "/" + part;
    }
}
