package dev.cwb.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Draws paths as a tree, one line each — a mark column, a size column, then the name under its parent:
 * <pre>
 *   M   1.04MB  /
 *   A   1.04MB  ├── bin/
 *   A   1.04MB  │   ├── busybox
 *   A       0B  │   └── sh → busybox
 * </pre>
 * Parents of the given paths that have no row of their own are drawn unmarked, for context. A directory's
 * size is the total of the files drawn below it (for a row marked {@link Row#removed removed}, of the
 * removed files below it; otherwise of the others), so the numbers add up the way a learner reads them.
 *
 * <p>Large trees stay readable: beyond {@code limit} lines, directories deeper than the deepest level that
 * fits are collapsed ({@code +N entries}) and the caller is told, to print a hint.
 */
public final class FileTree {
    /** The colour of a row's mark and name. */
    public enum Tone { PLAIN, GREEN, YELLOW, RED }

    /**
     * One path to draw.
     *
     * @param path      relative, '/'-separated, no leading slash
     * @param mark      a short mark ("A", "M", "D", a layer number...)
     * @param size      the file's size (ignored for directories: they show totals)
     * @param removed   the row shows something removed (its size counts only in removed totals)
     * @param note      text after the name ("→ target", "(replaced)"), or null
     */
    public record Row(String path, String mark, Tone tone, boolean directory, long size, boolean removed, String note) {
    }

    /** What {@link #render} drew. */
    public record Rendered(String text, int linesShown, int pathsTotal, int depthShown, boolean collapsed, boolean cut) {
    }

    private static final class Node {
        final String name;
        Row row;
        boolean directory;
        final Map<String, Node> children = new TreeMap<>();
        long liveBytes;
        long removedBytes;
        int descendants;

        Node(String name) {
            this.name = name;
        }
    }

    private final Node root = new Node("");

    public FileTree(List<Row> rows) {
        root.directory = true;
        for (Row r : rows) {
            Node n = root;
            if (!r.path().isEmpty()) {
                for (String part : r.path().split("/")) {
                    n.directory = true;
                    n = n.children.computeIfAbsent(part, Node::new);
                }
            }
            n.row = r;
            n.directory |= r.directory();
        }
        total(root);
    }

    private static void total(Node n) {
        if (!n.directory && n.row != null) {
            if (n.row.removed()) {
                n.removedBytes = n.row.size();
            } else {
                n.liveBytes = n.row.size();
            }
        }
        for (Node c : n.children.values()) {
            total(c);
            n.liveBytes += c.liveBytes;
            n.removedBytes += c.removedBytes;
            n.descendants += 1 + c.descendants;
        }
    }

    /**
     * @param start   the directory to draw from ("" for the root); it must be one of the paths or their parents
     * @param depth   levels to draw below {@code start}; 0 chooses the deepest level that fits in {@code limit}
     * @param limit   the most lines to draw (0: no limit)
     */
    public Rendered render(String start, int depth, int limit, boolean unicode, boolean color) {
        Node from = root;
        if (!start.isEmpty()) {
            for (String part : start.split("/")) {
                from = from.children.get(part);
                if (from == null) {
                    return new Rendered("", 0, 0, 0, false, false);
                }
            }
        }
        int markWidth = markWidth(root);
        int levels = depth > 0 ? depth : fittingDepth(from, limit);
        List<String> lines = new ArrayList<>();
        lines.add(line(from, "/" + Printable.name(start), "", markWidth, color));
        Glyphs g = unicode ? Glyphs.UNICODE : Glyphs.ASCII;
        boolean[] collapsed = {false};
        draw(from, "", 1, levels, markWidth, g, color, lines, collapsed);
        boolean cut = false;
        if (limit > 0 && lines.size() > limit + 1) {
            int hidden = lines.size() - (limit + 1);
            lines = new ArrayList<>(lines.subList(0, limit + 1));
            lines.add(" ".repeat(markWidth) + "          " + (unicode ? "…" : "...") + " " + hidden + " more line" + (hidden == 1 ? "" : "s"));
            cut = true;
        }
        return new Rendered(String.join("\n", lines), lines.size(), from.descendants, levels, collapsed[0], cut);
    }

    private void draw(Node dir, String indent, int level, int levels, int markWidth, Glyphs g, boolean color, List<String> out,
                      boolean[] collapsed) {
        int i = 0;
        for (Node c : dir.children.values()) {
            boolean last = ++i == dir.children.size();
            String branch = indent + (last ? g.last : g.tee);
            String suffix = "";
            boolean hideChildren = !c.children.isEmpty() && level >= levels;
            if (hideChildren) {
                suffix = "  (+" + c.descendants + (c.descendants == 1 ? " entry)" : " entries)");
                collapsed[0] = true;
            }
            out.add(line(c, Printable.name(c.name), branch, markWidth, color) + suffix);
            if (!hideChildren) {
                draw(c, indent + (last ? g.space : g.bar), level + 1, levels, markWidth, g, color, out, collapsed);
            }
        }
    }

    private static String line(Node n, String name, String branch, int markWidth, boolean color) {
        Row r = n.row;
        String mark = r == null ? "" : r.mark();
        long size = n.directory ? (r != null && r.removed() ? n.removedBytes : n.liveBytes) : (r == null ? 0 : r.size());
        String shown = name + (n.directory && !name.endsWith("/") ? "/" : "") + (r != null && r.note() != null ? " " + r.note() : "");
        Tone tone = r == null ? Tone.PLAIN : r.tone();
        String sizeText = String.format("%8s", Sizes.human(size));
        return paint(pad(mark, markWidth), tone, color) + "  " + sizeText + "  " + branch + paint(shown, tone, color);
    }

    /** The deepest level whose lines all fit in {@code limit} (at least 1). */
    private static int fittingDepth(Node from, int limit) {
        if (limit <= 0) {
            return Integer.MAX_VALUE;
        }
        List<Integer> perLevel = new ArrayList<>();
        count(from, 1, perLevel);
        int lines = 0;
        for (int level = 1; level <= perLevel.size(); level++) {
            lines += perLevel.get(level - 1);
            if (lines > limit) {
                return Math.max(1, level - 1);
            }
        }
        return Math.max(1, perLevel.size());
    }

    private static void count(Node n, int level, List<Integer> perLevel) {
        for (Node c : n.children.values()) {
            while (perLevel.size() < level) {
                perLevel.add(0);
            }
            perLevel.set(level - 1, perLevel.get(level - 1) + 1);
            count(c, level + 1, perLevel);
        }
    }

    private static int markWidth(Node n) {
        int w = n.row == null ? 1 : n.row.mark().length();
        for (Node c : n.children.values()) {
            w = Math.max(w, markWidth(c));
        }
        return w;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    /** Wraps text in the ANSI colour of {@code tone} (SGR 32 green, 33 yellow, 31 red) when colour is on. */
    public static String paint(String text, Tone tone, boolean color) {
        if (!color || tone == Tone.PLAIN) {
            return text;
        }
        String code = switch (tone) {
            case GREEN -> "32";
            case YELLOW -> "33";
            case RED -> "31";
            case PLAIN -> "0";
        };
        return "\u001b[" + code + "m" + text + "\u001b[0m";
    }

    private enum Glyphs {
        UNICODE("├── ", "└── ", "│   ", "    "),
        ASCII("|-- ", "`-- ", "|   ", "    ");

        final String tee;
        final String last;
        final String bar;
        final String space;

        Glyphs(String tee, String last, String bar, String space) {
            this.tee = tee;
            this.last = last;
            this.bar = bar;
            this.space = space;
        }
    }
}
