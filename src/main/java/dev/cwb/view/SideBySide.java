package dev.cwb.view;

import java.util.ArrayList;
import java.util.List;

/**
 * Two texts beside each other, lines matched as {@code diff} matches them (the longest common
 * subsequence), so that what is the same sits on one row and what differs is marked: {@code =} the same
 * line on both sides, {@code ≠} a different line in the same place, {@code <} only on the left, {@code >}
 * only on the right.
 */
public final class SideBySide {
    /** Texts longer than this are compared by their first lines only (the rest is said to be left out). */
    public static final int MOST_LINES = 400;

    /** One row: the mark and the two cells (either may be empty). */
    public record Row(char mark, String left, String right) {
        public boolean same() {
            return mark == '=';
        }
    }

    private SideBySide() {
    }

    public static List<Row> rows(List<String> left, List<String> right) {
        List<String> a = left.subList(0, Math.min(left.size(), MOST_LINES));
        List<String> b = right.subList(0, Math.min(right.size(), MOST_LINES));
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Row> rows = new ArrayList<>();
        List<String> onlyLeft = new ArrayList<>();
        List<String> onlyRight = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                pair(rows, onlyLeft, onlyRight);
                rows.add(new Row('=', a.get(i++), b.get(j++)));
            } else if (j >= b.size() || (i < a.size() && lcs[i + 1][j] >= lcs[i][j + 1])) {
                onlyLeft.add(a.get(i++));
            } else {
                onlyRight.add(b.get(j++));
            }
        }
        pair(rows, onlyLeft, onlyRight);
        return rows;
    }

    /** Lines removed and added at one place become "changed" rows side by side, the rest one-sided rows. */
    private static void pair(List<Row> rows, List<String> onlyLeft, List<String> onlyRight) {
        int n = Math.max(onlyLeft.size(), onlyRight.size());
        for (int k = 0; k < n; k++) {
            boolean l = k < onlyLeft.size();
            boolean r = k < onlyRight.size();
            rows.add(new Row(l && r ? '≠' : l ? '<' : '>', l ? onlyLeft.get(k) : "", r ? onlyRight.get(k) : ""));
        }
        onlyLeft.clear();
        onlyRight.clear();
    }

    /** The rows drawn in {@code width} columns: two cells, the mark between them. */
    public static List<String> draw(List<Row> rows, String leftTitle, String rightTitle, int width, boolean unicode, boolean color) {
        int cell = Math.max(10, (width - 5) / 2);
        List<String> out = new ArrayList<>();
        out.add(fit(leftTitle, cell, unicode) + "     " + fit(rightTitle, cell, unicode).strip());
        out.add((unicode ? "─" : "-").repeat(cell) + "     " + (unicode ? "─" : "-").repeat(cell));
        for (Row r : rows) {
            char mark = unicode ? r.mark() : r.mark() == '≠' ? '|' : r.mark();
            String line = fit(Printable.of(r.left()), cell, unicode) + "  " + mark + "  " + fit(Printable.of(r.right()), cell, unicode).stripTrailing();
            out.add(color && !r.same() ? "\u001b[33m" + line + "\u001b[0m" : line);
        }
        return out;
    }

    private static String fit(String s, int width, boolean unicode) {
        String c = s.length() <= width ? s : s.substring(0, width - 1) + (unicode ? "…" : "~");
        return c + " ".repeat(width - c.length());
    }
}
