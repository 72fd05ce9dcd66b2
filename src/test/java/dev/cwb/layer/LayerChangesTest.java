package dev.cwb.layer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.cwb.layer.LayerEntry.Kind.DIRECTORY;
import static dev.cwb.layer.LayerEntry.Kind.FILE;
import static dev.cwb.layer.LayerEntry.Kind.OPAQUE;
import static dev.cwb.layer.LayerEntry.Kind.WHITEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerChangesTest {
    private static LayerEntry e(String path, LayerEntry.Kind kind) {
        return new LayerEntry(path, kind, 0);
    }

    @Test
    void countsAddedModifiedAndRemovedAgainstLowerLayers() {
        LayerChanges changes = new LayerChanges();
        assertEquals(new LayerChanges.Counts(3, 0, 0, 0),
                changes.apply(List.of(e("etc", DIRECTORY), e("etc/passwd", FILE), e("etc/group", FILE))));
        assertEquals(new LayerChanges.Counts(1, 2, 1, 0),
                changes.apply(List.of(e("etc", DIRECTORY), e("etc/passwd", FILE), e("etc/group", WHITEOUT), e("etc/shadow", FILE))));
        assertFalse(changes.paths().contains("etc/group"));
        assertTrue(changes.paths().contains("etc/shadow"));
    }

    @Test
    void whiteoutOfADirectoryRemovesEverythingBelowIt() {
        LayerChanges changes = new LayerChanges();
        changes.apply(List.of(e("a/b/c", FILE), e("a/bc", FILE)));
        changes.apply(List.of(e("a/b", WHITEOUT)));
        assertEquals(List.of("a", "a/bc"), List.copyOf(changes.paths()));
    }

    @Test
    void opaqueWhiteoutAppliesFirstWhateverTheEntryOrder() {
        LayerChanges changes = new LayerChanges();
        changes.apply(List.of(e("app", DIRECTORY), e("app/old", FILE), e("app/keep", FILE)));
        // the new file comes before the marker in the tar, and must survive it
        LayerChanges.Counts c = changes.apply(List.of(e("app/new", FILE), e("app", OPAQUE), e("app", DIRECTORY)));
        assertEquals(new LayerChanges.Counts(1, 1, 0, 1), c);
        assertEquals(List.of("app", "app/new"), List.copyOf(changes.paths()));
    }

    @Test
    void implicitParentsCountAsPresent() {
        LayerChanges changes = new LayerChanges();
        changes.apply(List.of(e("usr/bin/tool", FILE)));
        assertEquals(new LayerChanges.Counts(0, 1, 0, 0), changes.apply(List.of(e("usr/bin", DIRECTORY))));
    }
}
