package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.TestImages.Layer;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.Kernel;
import dev.cwb.testing.Requirements;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile layers (the cases containerd's TestBreakouts and umoci's tar_extract tests defend against):
 * each is extracted into {@code root}, and then the "host" — a directory beside it, with a file the
 * layer aims at — must be exactly as it was.
 */
class LayerExtractorTest {
    @TempDir
    Path tmp;
    Path root;
    Path host;
    Path secret;
    Map<String, String> hostBefore;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        host = Files.createDirectory(tmp.resolve("host"));
        secret = Files.writeString(host.resolve("secret"), "do not touch\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        hostBefore = snapshot(host);
    }

    private LayerExtractor.Result extract(Layer layer, LayerExtractor.WhiteoutMode mode) throws IOException {
        return new LayerExtractor(root, mode, false).extract(new ByteArrayInputStream(layer.tarBytes()), "test layer");
    }

    private LayerExtractor.Result extract(Layer layer) throws IOException {
        return extract(layer, LayerExtractor.WhiteoutMode.APPLY);
    }

    private void assertHostUntouched() throws IOException {
        assertEquals(hostBefore, snapshot(host), "the host directory changed");
        assertEquals(hostBefore, snapshot(host));
    }

    /** path → type, mode, content: what a layer could have changed. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String key = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(key, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    m.put(key, "dir " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                } else {
                    m.put(key, "file " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " "
                            + Files.getAttribute(p, "unix:nlink") + " " + Files.readString(p));
                }
            }
        }
        return m;
    }

    private String hostAbs() {
        return host.toAbsolutePath().toString();
    }

    @Test
    void absoluteAndDotDotNamesStayInside() throws IOException {
        extract(new Layer().file("/abs", "a").file("../../up", "u").file("./x/../../y", "y"));
        assertEquals("a", Files.readString(root.resolve("abs")));
        assertEquals("u", Files.readString(root.resolve("up")));
        assertEquals("y", Files.readString(root.resolve("y")));
        assertFalse(Files.exists(tmp.resolve("up")));
        assertHostUntouched();
    }

    @Test
    void writingThroughAnAbsoluteSymlinkLandsInsideTheRoot() throws IOException {
        extract(new Layer().symlink("evil", hostAbs()).file("evil/secret", "pwned").file("evil/new", "pwned"));
        assertHostUntouched();
        assertEquals("pwned", Files.readString(root.resolve(hostAbs().substring(1)).resolve("secret")));
    }

    @Test
    void writingThroughARelativeUpAndOutSymlinkLandsInsideTheRoot() throws IOException {
        extract(new Layer().symlink("up", "../../../../..").file("up/host/secret", "pwned"));
        assertHostUntouched();
        assertEquals("pwned", Files.readString(root.resolve("host/secret")));
    }

    @Test
    void symlinkToRootThenEtc() throws IOException {
        extract(new Layer().symlink("rootlink", "/").dir("rootlink/etc").file("rootlink/etc/passwd", "x"));
        assertEquals("x", Files.readString(root.resolve("etc/passwd")));
        assertTrue(Files.isSymbolicLink(root.resolve("rootlink")));
    }

    @Test
    void aFileReplacesASymlinkInsteadOfWritingThroughIt() throws IOException {
        extract(new Layer().symlink("s", hostAbs() + "/secret").file("s", "replaced", 04777));
        assertHostUntouched();
        assertFalse(Files.isSymbolicLink(root.resolve("s")));
        assertEquals("replaced", Files.readString(root.resolve("s")));
    }

    @Test
    void absoluteHardlinkOutsideIsRefused() {
        CwbException e = assertThrows(CwbException.class, () -> extract(new Layer().hardlink("hl", hostAbs() + "/secret")));
        assertTrue(e.getMessage().contains("hl"), e.getMessage());
    }

    @Test
    void relativeHardlinkUpAndOutIsRefused() throws IOException {
        assertThrows(CwbException.class, () -> extract(new Layer().hardlink("hl", "../host/secret")));
        assertHostUntouched();
    }

    @Test
    void hardlinkThroughASymlinkedParentStaysInside() throws IOException {
        assertThrows(CwbException.class, () -> extract(new Layer().symlink("h", hostAbs()).hardlink("x", "h/secret")));
        assertHostUntouched();
    }

    @Test
    void hardlinkToASymlinkThenChmodDoesNotReachTheHost() throws IOException {
        extract(new Layer().symlink("s", hostAbs() + "/secret").hardlink("h", "s").file("h", "new", 0777).dir("s", 0777));
        assertHostUntouched();
    }

    @Test
    void theLastOfTwoEntriesForOnePathWinsEvenWhileTheFirstIsStillBeingWritten() throws IOException {
        Layer layer = new Layer().dir("d");
        for (int i = 0; i < 200; i++) {
            layer.file("d/f" + i, "first " + i);
        }
        layer.file("d/f7", "second").file("d/f150", "second").dir("d/f9").file("d/f9/inside", "dir now");
        extract(layer);
        assertEquals("second", Files.readString(root.resolve("d/f7")));
        assertEquals("second", Files.readString(root.resolve("d/f150")));
        assertEquals("first 3", Files.readString(root.resolve("d/f3")));
        assertEquals("dir now", Files.readString(root.resolve("d/f9/inside")));
    }

    @Test
    void filesQueuedBeforeTheirDirectoryBecomesASymlinkStayInside() throws IOException {
        Layer layer = new Layer().dir("a/b");
        for (int i = 0; i < 100; i++) {
            layer.file("a/b/f" + i, "x");
        }
        extract(layer.symlink("a", hostAbs()).file("a/b/after", "y"));
        assertHostUntouched();
        assertTrue(Files.isSymbolicLink(root.resolve("a")));
    }

    @Test
    void hardlinkInsideIsTheSameInode() throws IOException {
        extract(new Layer().file("a", "data").hardlink("b", "a"));
        assertEquals(Files.getAttribute(root.resolve("a"), "unix:ino"), Files.getAttribute(root.resolve("b"), "unix:ino"));
    }

    @Test
    void whiteoutsNamingDotDotDotOrTheRootAreErrors() {
        for (String name : List.of(".wh..", ".wh...", "a/.wh.", "a/.wh..")) {
            CwbException e = assertThrows(CwbException.class, () -> extract(new Layer().file(name, "")), name);
            assertTrue(e.getMessage().contains("invalid whiteout entry"), e.getMessage());
        }
    }

    @Test
    void whiteoutThroughASymlinkDeletesNothingOutside() throws IOException {
        extract(new Layer().symlink("l", hostAbs()).whiteout("l/secret"));
        assertHostUntouched();
        extract(new Layer().symlink("l2", "../host").whiteout("l2/secret"));
        assertHostUntouched();
    }

    @Test
    void aDirectoryReplacesASymlinkAndBack() throws IOException {
        extract(new Layer().symlink("d", hostAbs()).dir("d").file("d/f", "in root"));
        assertTrue(Files.isDirectory(root.resolve("d"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("in root", Files.readString(root.resolve("d/f")));
        extract(new Layer().symlink("d", hostAbs()));
        assertTrue(Files.isSymbolicLink(root.resolve("d")));
        assertHostUntouched();
    }

    @Test
    void deferredDirectoryModeIsNotAppliedThroughALaterSymlink() throws IOException {
        extract(new Layer().dir("x", 0777).symlink("x", hostAbs()));
        assertHostUntouched();
        extract(new Layer().dir("p", 0755).dir("p/q", 0777).symlink("p", hostAbs()));
        assertHostUntouched();
    }

    @Test
    void theRootCannotBecomeANonDirectory() {
        TarArchiveEntry e = new TarArchiveEntry("./", TarArchiveEntry.LF_SYMLINK);
        e.setLinkName("/");
        CwbException ex = assertThrows(CwbException.class, () -> extract(new Layer().raw(e, null)));
        assertTrue(ex.getMessage().contains("non-directory"), ex.getMessage());
        assertThrows(CwbException.class, () -> extract(new Layer().file(".", "not a dir")));
        assertThrows(CwbException.class, () -> extract(new Layer().file("a/..", "not a dir")));
        assertTrue(Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesAreAppliedInFlatMode() throws IOException {
        extract(new Layer().dir("etc").file("etc/a", "1").file("etc/b", "2").dir("app").file("app/old", "o").dir("app/sub").file("app/sub/x", "x"));
        extract(new Layer().whiteout("etc/a").file("app/new", "n").opaque("app").dir("app/sub").file("app/sub/y", "y"));
        assertFalse(Files.exists(root.resolve("etc/a")));
        assertTrue(Files.exists(root.resolve("etc/b")));
        assertEquals(List.of("app/new", "app/sub", "app/sub/y"), listRel(root.resolve("app")));
    }

    @Test
    void keepModeStoresTheMarkers() throws IOException {
        extract(new Layer().whiteout("etc/a").opaque("app"), LayerExtractor.WhiteoutMode.KEEP);
        assertTrue(Files.isRegularFile(root.resolve("etc/.wh.a")));
        assertTrue(Files.isRegularFile(root.resolve("app/.wh..wh..opq")));
    }

    @Test
    void overlayModeWritesOverlayfsWhiteouts() throws IOException {
        Requirements.requireRoot();
        new LayerExtractor(root, LayerExtractor.WhiteoutMode.OVERLAY, true)
                .extract(new ByteArrayInputStream(new Layer().whiteout("etc/a").opaque("app").file("app/f", "f").tarBytes()), "t");
        assertEquals("0,0", Files.getAttribute(root.resolve("etc/a"), "unix:rdev").toString().equals("0") ? "0,0" : "x");
        assertTrue(isCharDevice(root.resolve("etc/a")));
        assertEquals("y", Kernel.lgetxattrString(root.resolve("app"), "trusted.overlay.opaque"));
        assertEquals("f", Files.readString(root.resolve("app/f")));
    }

    @Test
    void layerCannotForgeOverlayXattrs() throws IOException {
        Requirements.requireRoot();
        TarArchiveEntry e = new TarArchiveEntry("d/");
        e.addPaxHeader("SCHILY.xattr.trusted.overlay.opaque", "y");
        e.addPaxHeader("SCHILY.xattr.user.note", "kept");
        LayerExtractor.Result r = new LayerExtractor(root, LayerExtractor.WhiteoutMode.OVERLAY, true)
                .extract(new ByteArrayInputStream(new Layer().raw(e, null).tarBytes()), "t");
        assertEquals(null, Kernel.lgetxattrString(root.resolve("d"), "trusted.overlay.opaque"));
        assertEquals("kept", Kernel.lgetxattrString(root.resolve("d"), "user.note"));
        assertEquals(1, r.skippedXattrs());
    }

    @Test
    void modesOwnersAndTimesAreKept() throws IOException {
        Requirements.requireRoot();
        TarArchiveEntry f = new TarArchiveEntry("bin/su");
        byte[] data = "su".getBytes(StandardCharsets.UTF_8);
        f.setSize(data.length);
        f.setMode(04755);
        f.setUserId(1234);
        f.setGroupId(5678);
        f.setModTime(1_000_000_000_000L);
        TarArchiveEntry t = new TarArchiveEntry("tmp/");
        t.setMode(01777);
        new LayerExtractor(root, LayerExtractor.WhiteoutMode.APPLY, true)
                .extract(new ByteArrayInputStream(new Layer().raw(f, data).raw(t, null).symlink("bin/sh", "busybox").tarBytes()), "t");
        Path su = root.resolve("bin/su");
        assertEquals(04755, (int) Files.getAttribute(su, "unix:mode") & 07777);
        assertEquals(1234, Files.getAttribute(su, "unix:uid"));
        assertEquals(5678, Files.getAttribute(su, "unix:gid"));
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(su).toMillis());
        assertEquals(01777, (int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777);
        assertEquals("busybox", Files.readSymbolicLink(root.resolve("bin/sh")).toString());
    }

    /**
     * Issue 11, item 5: the tree is changed by someone else while the layer is written — as in
     * {@code unpack --flat} into a directory others can write, or a running container's files. Another thread
     * keeps moving {@code d} away and putting a symlink to the host directory (absolute, or {@code ../host})
     * in its place, then removing it so the extractor makes {@code d} again. Whatever the interleaving, and
     * whether the extraction finishes or gives up, nothing may be written, deleted, linked, chmod'ed or
     * touched in the host directory: every call is relative to a descriptor resolved inside the root.
     */
    @ParameterizedTest(name = "openat2 disabled: {0}")
    @ValueSource(booleans = {false, true})
    void aSymlinkSwappedInDuringExtractionNeverMakesItWriteOutside(boolean walkInsteadOfOpenat2) throws Exception {
        Requirements.requireLinux();
        Path parent = Files.createDirectory(tmp.resolve("race"));
        Path raced = Files.createDirectory(parent.resolve("host"));
        Files.writeString(raced.resolve("secret"), "do not touch\n");
        Files.setLastModifiedTime(raced, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
        Map<String, String> before = snapshot(raced);
        Layer layer = new Layer().dir("d", 0755).dir("d/sub", 0700);
        for (int i = 0; i < 120; i++) {
            layer.file("d/f" + i, "x" + i, 0600).file("d/sub/g" + i, "y" + i);
        }
        layer.file("d/big", "z".repeat(FileWriteQueue.MAX_QUEUED_FILE + 10), 0666).hardlink("d/h", "d/f1").symlink("d/l", "secret")
                .whiteout("d/secret").whiteout("d/sub/secret").opaque("d/sub").dir("d/sub/deeper/still").file("d/sub/deeper/still/k", "k");
        byte[] tar = layer.tarBytes();
        DirFd.disableOpenat2ForTests(walkInsteadOfOpenat2);
        int swaps = 0;
        int finished = 0;
        try {
            for (int round = 0; round < 25; round++) {
                Path target = Files.createDirectory(parent.resolve("target" + round));
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicInteger swapped = new java.util.concurrent.atomic.AtomicInteger();
                Path link = target.resolve("d");
                Path linkTarget = round % 2 == 0 ? raced.toAbsolutePath() : Path.of("../host");
                Thread swapper = new Thread(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        try {
                            if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
                                Files.move(link, target.resolve("moved-" + n));
                            }
                            Files.createSymbolicLink(link, linkTarget);
                            swapped.incrementAndGet();
                            Thread.yield();
                            Files.delete(link);
                        } catch (IOException e) {
                            // raced the extractor (it replaced or made d meanwhile): try again
                        }
                    }
                }, "swapper");
                swapper.start();
                try {
                    new LayerExtractor(target, LayerExtractor.WhiteoutMode.APPLY, false).extract(new ByteArrayInputStream(tar), "raced layer");
                    finished++;
                } catch (IOException | CwbException e) {
                    // refusing is fine (it saw the tree change under it); writing outside is not
                } finally {
                    stop.set(true);
                    swapper.join();
                }
                swaps += swapped.get();
                assertEquals(before, snapshot(raced), "round " + round + ": the directory outside the target changed");
                assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(raced).toMillis(), "round " + round + ": its times changed");
            }
        } finally {
            DirFd.disableOpenat2ForTests(false);
        }
        assertTrue(swaps > 25, "the race was run: " + swaps + " swaps, " + finished + " of 25 extractions finished");
    }

    private static boolean isCharDevice(Path p) throws IOException {
        int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == Kernel.S_IFCHR && (long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS) == 0L;
    }

    private static List<String> listRel(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !p.equals(dir)).forEach(p -> out.add(dir.getParent().relativize(p).toString()));
        }
        out.sort(null);
        return out;
    }
}
