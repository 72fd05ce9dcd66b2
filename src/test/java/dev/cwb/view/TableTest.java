package dev.cwb.view;

import org.junit.jupiter.api.Test;

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
}
