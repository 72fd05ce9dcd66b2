package dev.cwb.layer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.cwb.layer.LayerEntry.Kind.DIRECTORY;
import static dev.cwb.layer.LayerEntry.Kind.FILE;
import static dev.cwb.layer.LayerEntry.Kind.OPAQUE;
import static dev.cwb.layer.LayerEntry.Kind.SYMLINK;
import static dev.cwb.layer.LayerEntry.Kind.WHITEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The path-by-path diff of a layer and the efficiency of a stack, on hand-made listings. */
class FilesystemViewTest {
    private static LayerFile f(String path, LayerEntry.Kind kind, long size) {
        return new LayerFile(path, kind, size, kind == SYMLINK ? "target" : null);
    }

    private static LayerListing layer(int index, LayerFile... files) {
        return new LayerListing(index, List.of(files), 0);
    }

    /** "path" -> "MARK size" for each change, the way a test can read it at a glance. */
    private static Map<String, String> marks(LayerDiff diff) {
        Map<String, String> m = new TreeMap<>();
        for (LayerDiff.Change c : diff.changes()) {
            m.put(c.path(), c.mark().letter() + " " + c.file().size() + (c.replaced() ? " replaced" : ""));
        }
        return m;
    }

    @Test
    void marksAddedModifiedAndWhitedOutPathsWithTheirSizes() {
        FilesystemView view = new FilesystemView();
        view.apply(layer(1, f("etc", DIRECTORY, 0), f("etc/passwd", FILE, 100), f("etc/motd", FILE, 30), f("usr/lib/a.so", FILE, 500)));
        LayerDiff d = view.apply(layer(2, f("etc", DIRECTORY, 0), f("etc/passwd", FILE, 120), f("etc/motd", WHITEOUT, 0),
                f("etc/hosts", FILE, 10), f("usr", WHITEOUT, 0)));
        assertEquals(Map.of("etc", "M 0", "etc/passwd", "M 120", "etc/motd", "D 30", "etc/hosts", "A 10",
                "usr", "D 0", "usr/lib", "D 0", "usr/lib/a.so", "D 500"), marks(d));
        // the deleted version names the layer it came from
        assertEquals(1, d.changes().stream().filter(c -> c.path().equals("usr/lib/a.so")).findFirst().orElseThrow().fromLayer());
        assertEquals(List.of("etc", "etc/hosts", "etc/passwd"), new ArrayList<>(view.nodes().keySet()));
    }

    @Test
    void opaqueDirectoryIsReplacedAndWhatItHidesIsDeleted() {
        FilesystemView view = new FilesystemView();
        view.apply(layer(1, f("app/config/a", FILE, 5), f("app/config/b", FILE, 7), f("app/config/sub/c", FILE, 9)));
        // the new file precedes the marker in the tar: the marker still applies first
        LayerDiff d = view.apply(layer(2, f("app/config/b", FILE, 8), f("app/config", OPAQUE, 0), f("app/config/new", FILE, 3)));
        assertEquals(Map.of("app/config", "M 0 replaced", "app/config/a", "D 5", "app/config/b", "M 8",
                "app/config/sub", "D 0", "app/config/sub/c", "D 9", "app/config/new", "A 3"), marks(d));
    }

    @Test
    void aFileReplacingADirectoryDeletesWhatWasInside() {
        FilesystemView view = new FilesystemView();
        view.apply(layer(1, f("lib/x", FILE, 4)));
        LayerDiff d = view.apply(layer(2, f("lib", SYMLINK, 0)));
        assertEquals(Map.of("lib", "M 0", "lib/x", "D 4"), marks(d));
        assertFalse(view.nodes().containsKey("lib/x"));
        // a whiteout of something no lower layer had changes nothing
        assertTrue(view.apply(layer(3, f("ghost", WHITEOUT, 0))).changes().isEmpty());
    }

    @Test
    void efficiencyCountsOnlyVersionsNoContainerSees() {
        List<LayerListing> layers = List.of(
                layer(1, f("data/big", FILE, 1000), f("data/gone", FILE, 300), f("data/keep", FILE, 50)),
                layer(2, f("data/big", FILE, 200), f("data/gone", WHITEOUT, 0)),
                layer(3, f("data/big", FILE, 400)));
        FilesystemView view = new FilesystemView();
        layers.forEach(view::apply);
        ImageEfficiency e = ImageEfficiency.measure(layers, view);
        // all versions: 1000 + 300 + 50 + 200 + 400 = 1950; what survives: big (400) + keep (50) = 450
        assertEquals(1950, e.totalFileBytes());
        assertEquals(450, e.survivingBytes());
        assertEquals(1500, e.wastedBytes());
        assertEquals(450.0 / 1950, e.score(), 1e-9);
        assertEquals(List.of(new ImageEfficiency.WastedPath("data/big", 3, 1200), new ImageEfficiency.WastedPath("data/gone", 1, 300)),
                e.wasted());
    }

    @Test
    void aLayerDecidesAPathByTheNearestThingItSays() {
        LayerListing l = layer(2, f("etc", DIRECTORY, 0), f("etc/.wh", FILE, 1), f("old", WHITEOUT, 0), f("cfg", OPAQUE, 0),
                f("bin", SYMLINK, 0), f("deep/er/file", FILE, 1));
        assertEquals(LayerListing.Verdict.PRESENT, l.decide("etc").verdict());
        assertEquals(LayerListing.Verdict.UNDECIDED, l.decide("etc/passwd").verdict());
        assertEquals(LayerListing.Verdict.DELETED, l.decide("old/sub/file").verdict());
        assertEquals("old", l.decide("old/sub/file").cause());
        assertEquals(LayerListing.Verdict.HIDDEN_BY_OPAQUE, l.decide("cfg/x").verdict());
        assertEquals(LayerListing.Verdict.PARENT_NOT_DIRECTORY, l.decide("bin/sh").verdict());
        assertTrue(l.decide("deep/er").file().isDirectory(), "a parent implied by a deeper entry is a directory");
    }
}
