package dev.cwb.view;

import de.vandermeer.asciitable.AsciiTable;
import de.vandermeer.asciitable.CWC_LongestLine;
import de.vandermeer.asciithemes.a7.A7_Grids;
import de.vandermeer.asciithemes.u8.U8_Grids;
import de.vandermeer.skb.interfaces.transformers.textformat.TextAlignment;

import java.util.ArrayList;
import java.util.List;

/**
 * A table with a header row, drawn with AsciiTable: box-drawing lines on a UTF-8 terminal, plain ASCII
 * ({@code +-|}) otherwise. Column widths follow the longest cell; cells longer than {@code maxCell} are
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
        AsciiTable t = new AsciiTable();
        t.addRule();
        t.addRow(header.toArray()).setTextAlignment(TextAlignment.LEFT);
        t.addRule();
        for (List<String> row : rows) {
            Object[] cells = new Object[row.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = escape(truncate(Printable.of(row.get(i)), limits[i], unicode));
            }
            var r = t.addRow(cells);
            r.setTextAlignment(TextAlignment.LEFT);
            for (int i = 0; i < cells.length; i++) {
                if (rightAligned[i]) {
                    r.getCells().get(i).getContext().setTextAlignment(TextAlignment.RIGHT);
                }
            }
        }
        t.addRule();
        t.getRenderer().setCWC(new CWC_LongestLine());
        t.getContext().setGrid(unicode ? U8_Grids.borderLight() : A7_Grids.minusBarPlus());
        t.setPaddingLeftRight(padding);
        return t.render();
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

    /** AsciiTable reads "<br>" as a line break; break it up so text shows as it is. */
    private static String escape(String s) {
        return s.replace("<br>", "<br >");
    }
}
