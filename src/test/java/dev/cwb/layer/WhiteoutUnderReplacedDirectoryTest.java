package dev.cwb.layer;

import dev.cwb.image.TestImages.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a directory became a file, umoci's {@code repack} writes the file {@code d} and then whiteouts
 * for what was inside, such as {@code d/.wh.sub} (found by {@link UnpackMatchesUmociTest}). Stored as a
 * layer directory, the file must survive: it already hides all of the lower {@code d}.
 */
class WhiteoutUnderReplacedDirectoryTest {
    @TempDir
    Path root;

    private void extract(Layer layer, LayerExtractor.WhiteoutMode mode) throws IOException {
        new LayerExtractor(root, mode, false).extract(new ByteArrayInputStream(layer.tarBytes()), "test layer");
    }

    private Layer umociStyle() {
        return new Layer().file("d", "now a file\n").whiteout("d/sub").opaque("d").whiteout("d/sub/deeper");
    }

    @Test
    void keptMarkersDoNotTurnTheFileBackIntoADirectory() throws IOException {
        extract(umociStyle(), LayerExtractor.WhiteoutMode.KEEP);
        assertTrue(Files.isRegularFile(root.resolve("d"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("now a file\n", Files.readString(root.resolve("d")));
    }

    @Test
    void appliedWhiteoutsLeaveTheFile() throws IOException {
        Files.createDirectories(root.resolve("d/sub"));
        extract(umociStyle(), LayerExtractor.WhiteoutMode.APPLY);
        assertEquals("now a file\n", Files.readString(root.resolve("d")));
    }

    @Test
    void aWhiteoutBeforeTheFileIsReplacedByIt() throws IOException {
        extract(new Layer().whiteout("d/sub").file("d", "file\n"), LayerExtractor.WhiteoutMode.KEEP);
        assertEquals("file\n", Files.readString(root.resolve("d")));
        assertFalse(Files.exists(root.resolve("d/.wh.sub"), LinkOption.NOFOLLOW_LINKS));
    }
}
