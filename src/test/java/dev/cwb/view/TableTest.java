package dev.cwb.view;

import de.vandermeer.asciitable.AsciiTable;
import de.vandermeer.asciitable.CWC_LongestLine;
import de.vandermeer.asciithemes.a7.A7_Grids;
import de.vandermeer.asciithemes.u8.U8_Grids;
import de.vandermeer.skb.interfaces.transformers.textformat.TextAlignment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableTest {
    private static Table layers() {
        return new Table("#", "DIGEST", "CREATED BY").alignRight(0).shrinkFirst(2)
                .row(1, "6be6d3238b86", "HOST-BUSYBOX /bin/busybox and a long explanation of the step")
                .row(2, "dbcbae572735", "COPY rootfs/ /");
    }

    private static int widest(String table) {
        return table.lines().mapToInt(String::length).max().orElse(0);
    }

    @Test
    void withoutALimitNothingIsShortened() {
        String t = layers().render(true, 0, 0);
        assertTrue(t.contains("HOST-BUSYBOX /bin/busybox and a long explanation of the step"), t);
        assertTrue(t.contains("│ 6be6d3238b86 │"), t);
    }

    @Test
    void freeTextGivesWayFirstAndTheTableFits() {
        String t = layers().render(true, 0, 50);
        assertTrue(widest(t) <= 50, t);
        assertTrue(t.contains("6be6d3238b86"), "ids stay whole while the free text can give way:\n" + t);
        assertTrue(t.contains("…"), t);
    }

    @Test
    void onAVeryNarrowTerminalPaddingGoesBeforeIds() {
        String t = layers().render(false, 0, 30);
        assertTrue(widest(t) <= 30, t);
        assertTrue(t.contains("|6be6d3238b86|"), "no padding, ids whole:\n" + t);
    }

    @Test
    void maxCellShortensLongCells() {
        String t = layers().render(false, 20, 0);
        assertTrue(t.contains("HOST-BUSYBOX /bin/b~"), t);
        assertEquals(-1, t.indexOf("explanation"), t);
    }

    /**
     * The tables look exactly as AsciiTable (now a test dependency only) drew them, with the settings
     * Table used: header and rows between rules, light box lines or +-|, columns as wide as their
     * longest cell, numbers right-aligned, padding 1 or 0. Random cells: words, runs of spaces (leading
     * ones included), symbols, an ellipsis, empty cells.
     */
    @Test
    void drawsExactlyWhatAsciiTableDrew() {
        Random random = new Random(16);
        String[] words = {"busybox:latest", "3", "1.04MB", "", " ", "  two  spaces", "a  b", "…", "sha256:6be6d3238b86",
                "/bin/sh -c #(nop) ENV A=b", "~", "-", "|x|", "ünï", "0B", "(none)", "x "};
        for (int n = 0; n < 300; n++) {
            int columns = 1 + random.nextInt(5);
            boolean[] right = new boolean[columns];
            for (int i = 0; i < columns; i++) {
                right[i] = random.nextBoolean();
            }
            List<String[]> lines = new ArrayList<>();
            for (int r = 0; r < 2 + random.nextInt(4); r++) { // the header and at least one row
                String[] cells = new String[columns];
                for (int i = 0; i < columns; i++) {
                    cells[i] = r == 0 ? "COL" + i : words[random.nextInt(words.length)] + (random.nextInt(4) == 0 ? words[random.nextInt(words.length)] : "");
                }
                lines.add(cells);
            }
            int padding = random.nextInt(2);
            boolean unicode = random.nextBoolean();
            assertEquals(asciiTable(lines, right, padding, unicode), Table.draw(lines, right, padding, unicode),
                    "table " + n + " (padding " + padding + ", unicode " + unicode + ")");
        }
    }

    @Test
    void aCellShowsItsTextAsItIs() {
        String t = new Table("A").row("<br>").render(false, 0, 0);
        assertTrue(t.contains("| <br> |"), "AsciiTable read <br> as a line break; here it is text:\n" + t);
    }

    /** How Table drew with AsciiTable before. */
    private static String asciiTable(List<String[]> lines, boolean[] right, int padding, boolean unicode) {
        AsciiTable t = new AsciiTable();
        t.addRule();
        t.addRow((Object[]) lines.get(0)).setTextAlignment(TextAlignment.LEFT);
        t.addRule();
        for (String[] row : lines.subList(1, lines.size())) {
            var r = t.addRow((Object[]) row);
            r.setTextAlignment(TextAlignment.LEFT);
            for (int i = 0; i < row.length; i++) {
                if (right[i]) {
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
}
