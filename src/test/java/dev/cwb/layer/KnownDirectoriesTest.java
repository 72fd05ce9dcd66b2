package dev.cwb.layer;

import dev.cwb.image.TestImages.Layer;
import org.junit.jupiter.api.BeforeEach;
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
 * The extractor remembers which directories it has seen to be real, to skip an lstat(2) per path
 * component. These layers first make a directory known, then replace it — or a parent of it — by a symlink
 * out of the root within the same layer, then write through the old name: nothing may reach the host.
 */
class KnownDirectoriesTest {
    @TempDir
    Path tmp;
    Path root;
    Path host;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        host = Files.createDirectory(tmp.resolve("host"));
        Files.writeString(host.resolve("secret"), "do not touch\n");
    }

    private void extract(Layer layer, LayerExtractor.WhiteoutMode mode) throws IOException {
        new LayerExtractor(root, mode, false).extract(new ByteArrayInputStream(layer.tarBytes()), "test layer");
    }

    private void assertHostUntouched() throws IOException {
        try (var s = Files.list(host)) {
            assertEquals(1, s.count(), "nothing new in the host directory");
        }
        assertEquals("do not touch\n", Files.readString(host.resolve("secret")));
    }

    @Test
    void aKnownDirectoryReplacedByASymlinkIsResolvedAgain() throws IOException {
        extract(new Layer().dir("a").dir("a/b").file("a/b/x", "1").symlink("a", host.toString())
                .file("a/b/y", "2").file("a/secret", "pwned").dir("a/b/c").hardlink("a/h", "a/b/y"), LayerExtractor.WhiteoutMode.APPLY);
        assertHostUntouched();
        Path inside = root.resolve(host.toString().substring(1));
        assertEquals("2", Files.readString(inside.resolve("b/y")), "written where the symlink points inside the root");
        assertEquals("pwned", Files.readString(inside.resolve("secret")));
        assertTrue(Files.isSymbolicLink(root.resolve("a")));
    }

    @Test
    void aKnownParentReplacedByASymlinkUpAndOut() throws IOException {
        extract(new Layer().dir("p/q/r").file("p/q/r/f", "1").symlink("p", "../../..").file("p/q/r/g", "2")
                .whiteout("p/secret"), LayerExtractor.WhiteoutMode.APPLY);
        assertHostUntouched();
        assertEquals("2", Files.readString(root.resolve("q/r/g")));
    }

    @Test
    void aWhiteoutThenAFileThenADirectoryAgain() throws IOException {
        Files.createDirectories(root.resolve("d/e"));
        extract(new Layer().dir("d").dir("d/e").whiteout("d").symlink("d", host.toString()).file("d/e/f", "x"),
                LayerExtractor.WhiteoutMode.APPLY);
        assertHostUntouched();
        assertTrue(Files.isSymbolicLink(root.resolve("d")));
        assertFalse(Files.exists(host.resolve("e")));
    }

    @Test
    void knownDirectoriesInOverlayModeStayInside() throws IOException {
        extract(new Layer().dir("a/b").symlink("a", host.toString()).file("a/b/z", "z").opaque("a/b"), LayerExtractor.WhiteoutMode.KEEP);
        assertHostUntouched();
        assertTrue(Files.isDirectory(root.resolve(host.toString().substring(1)).resolve("b"), LinkOption.NOFOLLOW_LINKS));
    }
}
