package dev.cwb.container;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import dev.cwb.kernel.Kernel;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code commit}: what a container wrote in its upper directory becomes one more layer, and the layer tar
 * says it in OCI's words — a deletion as {@code .wh.NAME}, a directory replaced as a whole as
 * {@code .wh..wh..opq} — with owners, modes, extended attributes and hard links kept, and none of the
 * mount points the container made for itself. The image it makes runs, and umoci and skopeo read it.
 */
class CommitTest {
    @TempDir
    static Path home;
    @TempDir
    static Path tmp;
    static ContainerBench cwb;
    static String box;
    static Path tar;
    static Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    static Map<String, byte[]> contents = new LinkedHashMap<>();

    @BeforeAll
    static void commitAContainer() throws Exception {
        cwb = ContainerBench.open(home);
        box = cwb.name("commit");
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("unshare", "mnt");
        cwb.ok("overlay");
        cwb.ok("mount", "tmpfs", "/scratch"); // /scratch is not in the image: a mount point made only for the mount
        cwb.ok("pivot_root");
        cwb.ok("exec", "sh", "-c", "rm /etc/hostname; rm -rf /home; mkdir /home; echo new > /home/f;"
                + " echo hi > /a; ln /a /b; chmod 4755 /a; chown 7:8 /home/f; ln -s ../a /tmp/link; mkfifo /tmp/fifo;"
                + " echo in-tmpfs > /scratch/x; touch /tmp/$(printf 'caf\\351')");
        Path upper = cwb.workspace(box).resolve("upper");
        Kernel.lsetxattr(upper.resolve("a"), "user.colour", "blue\0\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        ContainerBench.Result r = cwb.ok("commit", box, "committed:v1", "-m", "by hand", "--change", "CMD [\"cat\", \"/home/f\"]");
        assertTrue(r.out().contains("Committed committed:v1"), r.toString());
        assertTrue(r.out().contains("left out: /scratch (mount points made only for a mount)"), r.toString());
        ImageStore store = cwb.harness().workbench().images();
        Image img = store.image("committed:v1");
        Descriptor layer = img.layers().get(img.layers().size() - 1);
        tar = store.blobPath(layer.digest());
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tar)); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                entries.put(e.getName(), e);
                contents.put(e.getName(), t.readAllBytes());
            }
        }
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void aDeletedFileIsAWhiteoutMarkerNotADeviceNode() {
        TarArchiveEntry wh = entries.get("etc/.wh.hostname");
        assertTrue(wh != null && wh.isFile() && wh.getSize() == 0, "no .wh.hostname marker in " + entries.keySet());
        assertFalse(entries.containsKey("etc/hostname"), "the overlay's char 0:0 whiteout itself went into the layer");
    }

    @Test
    void aReplacedDirectoryIsOpaqueAndItsNewContentFollows() {
        List<String> names = List.copyOf(entries.keySet());
        int dir = names.indexOf("home/");
        assertTrue(dir >= 0, names.toString());
        assertEquals("home/.wh..wh..opq", names.get(dir + 1), "the opaque marker must follow its directory");
        assertEquals("new\n", new String(contents.get("home/f"), StandardCharsets.UTF_8));
        assertEquals(7, entries.get("home/f").getLongUserId());
        assertEquals(8, entries.get("home/f").getLongGroupId());
        assertFalse(entries.get("home/").getExtraPaxHeaders().keySet().stream().anyMatch(k -> k.contains("overlay")),
                "overlayfs's own xattrs leaked into the layer");
    }

    @Test
    void modesXattrsLinksAndSpecialFilesAreKept() {
        TarArchiveEntry a = entries.get("a");
        assertEquals(04755, a.getMode() & 07777, "set-uid bit lost");
        assertTrue(a.getExtraPaxHeaders().containsKey("SCHILY.xattr.user.colour"), "the xattr is not in the tar");
        assertTrue(entries.get("b").isLink(), "the second name of /a is not a hard link");
        assertEquals("a", entries.get("b").getLinkName());
        assertTrue(entries.get("tmp/link").isSymbolicLink());
        assertEquals("../a", entries.get("tmp/link").getLinkName());
        assertTrue(entries.get("tmp/fifo").isFIFO());
    }

    @Test
    void namesAndXattrValuesKeepTheirBytes() throws Exception {
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tar))) {
            raw = in.readAllBytes();
        }
        // "caf" + 0xe9 (Latin-1 e-acute), as the container's touch made it: a pax path record holds the bytes
        byte[] record = "path=tmp/caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(indexOf(raw, record) >= 0, "the name's bytes are not in the tar");
        // the xattr's value is bytes too (a NUL and 0xff in it): the pax record carries them unchanged
        byte[] xattr = "SCHILY.xattr.user.colour=blue\0\u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(indexOf(raw, xattr) >= 0, "the xattr's bytes changed on their way into the tar");
    }

    /**
     * {@code changes} reads the same upper directory: a whiteout as D, a replaced directory as opaque, and a
     * name that is not UTF-8 by its own bytes ({@code ls -b}'s spelling), not as U+FFFD.
     */
    @Test
    void changesListsEachKindAndANameByItsBytes() {
        String out = cwb.ok("changes", "-c", box).out();
        assertTrue(out.contains("D  /etc/hostname\n"), out);
        assertTrue(out.contains("/home/  (opaque: hides the whole directory below)"), out);
        assertTrue(out.contains("A  /tmp/caf\\xe9  "), out);
        assertFalse(out.contains("\ufffd"), out);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void theMountPointsTheContainerMadeAreNotInTheLayer() {
        assertFalse(entries.keySet().stream().anyMatch(n -> n.startsWith("scratch")), entries.keySet().toString());
    }

    @Test
    void entriesAreSortedAndKeepTheirTimes() {
        List<String> names = entries.keySet().stream().map(n -> n.endsWith("/") ? n.substring(0, n.length() - 1) : n).toList();
        // depth-first, each directory's names in byte order: what sorting by path components gives
        List<String> expected = names.stream().sorted((x, y) -> {
            String[] a = x.split("/");
            String[] b = y.split("/");
            for (int i = 0; i < Math.min(a.length, b.length); i++) {
                int c = a[i].compareTo(b[i]);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(a.length, b.length);
        }).toList();
        assertEquals(expected, names);
        long mtime = entries.get("home/f").getModTime().toInstant().getEpochSecond();
        assertTrue(Math.abs(mtime - System.currentTimeMillis() / 1000) < 600, "without SOURCE_DATE_EPOCH a file keeps its own time: " + mtime);
    }

    @Test
    void theCommittedImageRunsWithTheChangedConfig() {
        ContainerBench.Result r = cwb.ok("run", "committed:v1");
        assertEquals("new", r.lines().get(0), r.toString());
        ContainerBench.Result ls = cwb.ok("run", "committed:v1", "ls", "-A", "/home");
        assertEquals("f", ls.lines().get(0), "the opaque directory did not hide the old /home: " + ls);
        // in the image, not through run: run mounts its own /etc/hostname over the image's, as Docker does
        assertNotEquals(0, cwb.run("cat", "committed:v1", "/etc/hostname").code(), "the deleted file is back");
        ContainerBench.Result history = cwb.ok("history", "committed:v1");
        assertTrue(history.out().contains("by hand"), history.toString());
    }

    @Test
    void tagNamesTheSameManifest() {
        cwb.ok("tag", "committed:v1", "committed-too");
        ImageStore store = cwb.harness().workbench().images();
        assertEquals(store.find("committed:v1").descriptor().digest(), store.find("committed-too").descriptor().digest());
        assertNotEquals(0, cwb.run("tag", "no-such-image", "x").code());
    }

    @Test
    void umociAndSkopeoReadTheCommittedImage() throws Exception {
        Requirements.requireCommand("umoci", "umoci");
        Requirements.requireCommand("skopeo", "skopeo");
        Path saved = tmp.resolve("committed.tar");
        cwb.ok("save", "committed:v1", saved.toString());
        Path layout = tmp.resolve("layout");
        Processes.check(tmp, "skopeo", "copy", "--insecure-policy", "oci-archive:" + saved, "oci:" + layout + ":x");
        Path bundle = tmp.resolve("bundle");
        Processes.check(tmp, "umoci", "unpack", "--image", layout + ":x", bundle.toString());
        Path rootfs = bundle.resolve("rootfs");
        assertEquals("new\n", Files.readString(rootfs.resolve("home/f")));
        try (Stream<Path> s = Files.list(rootfs.resolve("home"))) {
            assertEquals(List.of("f"), s.map(p -> p.getFileName().toString()).toList(), "umoci did not apply the opaque marker");
        }
        assertFalse(Files.exists(rootfs.resolve("etc/hostname"), LinkOption.NOFOLLOW_LINKS), "umoci did not apply the whiteout");
        assertEquals(Files.getAttribute(rootfs.resolve("a"), "unix:ino"), Files.getAttribute(rootfs.resolve("b"), "unix:ino"),
                "umoci did not make /b a hard link of /a");
        assertEquals(04755, (int) Files.getAttribute(rootfs.resolve("a"), "unix:mode") & 07777);
        assertArrayEquals("blue\0\u00ff".getBytes(StandardCharsets.ISO_8859_1), Kernel.lgetxattr(rootfs.resolve("a"), "user.colour"));
    }

}
