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
        AsciiTable t = new AsciiTable();
        t.addRule();
        t.addRow(header.toArray()).setTextAlignment(TextAlignment.LEFT);
        t.addRule();
        for (List<String> row : rows) {
            Object[] cells = new Object[row.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = escape(truncate(row.get(i), maxCell, unicode));
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
        t.setPaddingLeftRight(1);
        return t.render();
    }

    static String truncate(String s, int max, boolean unicode) {
        if (max <= 0 || s.length() <= max) {
            return s;
        }
        return s.substring(0, max - 1) + (unicode ? "…" : "~");
    }

    /** AsciiTable treats some sequences as markup ("<br>" as a line break); show text as it is. */
    private static String escape(String s) {
        return s.replace("<br>", "<br >").replace("\n", " ").replace("\t", " ");
    }
}
