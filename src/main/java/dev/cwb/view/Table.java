package dev.cwb.view;

import java.util.ArrayList;
import java.util.List;

/**
 * A table with a header row: box-drawing lines on a UTF-8 terminal, plain ASCII ({@code +-|}) otherwise,
 * drawn here as AsciiTable drew them (a library of some 300 classes that every table-printing command
 * used to load at start). Column widths follow the longest cell; cells longer than {@code maxCell} are
 * shortened with an ellipsis (commands offer {@code --no-trunc} where that matters).
 */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final boolean[] rightAligned;
    private int[] shrinkFirst = new int[0];

    public Table(String... header) {
        this.header = List.of(header);
        this.rightAligned = new boolean[header.length];
    }

    /** Right-aligns the numeric columns at these indexes. */
    public Table alignRight(int... columns) {
        for (int c : columns) {
            rightAligned[c] = true;
        }
        return this;
    }

    /** When the table is too wide, these columns (free text, say) give up width before the others. */
    public Table shrinkFirst(int... columns) {
        shrinkFirst = columns.clone();
        return this;
    }

    public Table row(Object... cells) {
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(cell == null ? "" : cell.toString());
        }
        rows.add(row);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** Renders the table; {@code maxCell} &lt;= 0 means no truncation. */
    public String render(boolean unicode, int maxCell) {
        return render(unicode, maxCell, 0);
    }

    /**
     * Renders the table no wider than {@code width} columns (0: no limit): when it would be wider, the
     * widest columns are shortened first (with an ellipsis), down to a few characters each.
     */
    public String render(boolean unicode, int maxCell, int width) {
        // When shortening the free-text columns is not enough, the cells lose their padding before any
        // other column (a digest, a number) is shortened.
        int padding = width > 0 && total(columnLimits(maxCell, width, 1, false), 1) > width ? 0 : 1;
        int[] limits = columnLimits(maxCell, width, padding, true);
        List<String[]> lines = new ArrayList<>();
        lines.add(header.toArray(String[]::new));
        for (List<String> row : rows) {
            String[] cells = new String[row.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = truncate(Printable.of(row.get(i)), limits[i], unicode);
            }
            lines.add(cells);
        }
        return draw(lines, rightAligned, padding, unicode);
    }

    /** The header (first) and the rows, each column as wide as its longest cell, {@code padding} spaces each side. */
    static String draw(List<String[]> given, boolean[] rightAligned, int padding, boolean unicode) {
        int[] w = new int[rightAligned.length];
        List<String[]> lines = new ArrayList<>();
        for (String[] cells : given) {
            String[] shown = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                w[i] = Math.max(w[i], cells[i].length());
                shown[i] = cellText(cells[i]);
            }
            lines.add(shown);
        }
        Grid g = unicode ? Grid.LIGHT : Grid.ASCII;
        StringBuilder out = new StringBuilder();
        rule(out, w, padding, g.top, g);
        for (int r = 0; r < lines.size(); r++) {
            String[] cells = lines.get(r);
            out.append(g.vertical);
            for (int i = 0; i < w.length; i++) {
                String cell = cells[i];
                String fill = " ".repeat(w[i] - cell.length());
                String pad = " ".repeat(padding);
                out.append(pad).append(r > 0 && rightAligned[i] ? fill + cell : cell + fill).append(pad).append(g.vertical);
            }
            out.append('\n');
            if (r == 0) {
                rule(out, w, padding, g.middle, g);
            }
        }
        rule(out, w, padding, g.bottom, g);
        out.setLength(out.length() - 1);
        return out.toString();
    }

    /** The characters of a grid: a rule's left end, crossing and right end, per rule; the line characters. */
    private record Grid(char[] top, char[] middle, char[] bottom, char horizontal, char vertical) {
        static final Grid LIGHT = new Grid(new char[] {'┌', '┬', '┐'}, new char[] {'├', '┼', '┤'},
                new char[] {'└', '┴', '┘'}, '─', '│');
        static final Grid ASCII = new Grid(new char[] {'+', '+', '+'}, new char[] {'+', '+', '+'},
                new char[] {'+', '+', '+'}, '-', '|');
    }

    private static void rule(StringBuilder out, int[] w, int padding, char[] ends, Grid g) {
        out.append(ends[0]);
        for (int i = 0; i < w.length; i++) {
            out.append(String.valueOf(g.horizontal).repeat(w[i] + 2 * padding)).append(i == w.length - 1 ? ends[2] : ends[1]);
        }
        out.append('\n');
    }

    /**
     * A cell's text as AsciiTable, which drew these tables before, shows it: its words, one space between
     * each, in a column as wide as the text was ({@code TableTest} compares the two renderers).
     */
    private static String cellText(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (String word : s.split(" ")) {
            if (!word.isEmpty()) {
                b.append(b.length() == 0 ? "" : " ").append(word);
            }
        }
        return b.toString();
    }

    /** The table's width: the columns, and per column a border and {@code padding} spaces on each side. */
    private static int total(int[] widths, int padding) {
        int total = 1;
        for (int w : widths) {
            total += w + 1 + 2 * padding;
        }
        return total;
    }

    /** The longest each column's cells may be so the table fits in {@code width}. */
    private int[] columnLimits(int maxCell, int width, int padding, boolean shrinkAll) {
        int n = header.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = header.get(i).length();
            for (List<String> row : rows) {
                w[i] = Math.max(w[i], Printable.of(row.get(i)).length());
            }
            if (maxCell > 0) {
                w[i] = Math.min(w[i], Math.max(maxCell, header.get(i).length()));
            }
        }
        if (width > 0) {
            int total = total(w, padding);
            total = shrink(w, shrinkFirst, total, width);
            if (!shrinkAll) {
                return w;
            }
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            shrink(w, all, total, width);
        }
        return w;
    }

    /** Shortens the widest of {@code columns}, one after another, until the total fits or none can give more. */
    private int shrink(int[] w, int[] columns, int total, int width) {
        while (total > width && columns.length > 0) {
            int widest = columns[0];
            for (int c : columns) {
                widest = w[c] > w[widest] ? c : widest;
            }
            int floor = Math.max(8, header.get(widest).length());
            if (w[widest] <= floor) {
                break; // cannot shrink further without losing the headers: let the terminal wrap
            }
            int cut = Math.min(total - width, w[widest] - floor);
            w[widest] -= cut;
            total -= cut;
        }
        return total;
    }

    static String truncate(String s, int max, boolean unicode) {
        if (max <= 0 || s.length() <= max) {
            return s;
        }
        return s.substring(0, max - 1) + (unicode ? "…" : "~");
    }

}
