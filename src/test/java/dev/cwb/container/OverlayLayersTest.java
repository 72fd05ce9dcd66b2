package dev.cwb.container;

import dev.cwb.kernel.MountInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image's layers are read-only lower directories shared by every container of the image; what a
 * container writes lands in its own upper directory.
 */
class OverlayLayersTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void writesLandInTheUpperDirAndTheLayersAreUnchanged() throws Exception {
        String box = cwb.name("writer");
        cwb.ok("new", box, "from", "busybox");
        Map<String, String> layersBefore = snapshot(home.resolve("layers"));
        assertTrue(layersBefore.keySet().stream().anyMatch(p -> p.endsWith("/fs/etc/passwd")), layersBefore.keySet().toString());
        cwb.ok("unshare", "mnt");
        ContainerBench.Result overlay = cwb.ok("overlay");
        Path upper = cwb.workspace(box).resolve("upper");
        assertTrue(overlay.out().contains("writes go to " + upper), overlay.toString());
        cwb.ok("pivot_root");

        cwb.ok("exec", "sh", "-c", "echo hello > /added.txt; mkdir /newdir; rm /etc/hostname; echo 'extra:x:5000:5000::/:/bin/sh' >> /etc/passwd");
        // the container sees its own writes
        assertEquals("hello", cwb.ok("exec", "cat", "/added.txt").lines().get(0));
        assertTrue(cwb.ok("exec", "cat", "/etc/passwd").out().contains("extra:x:5000"));
        assertNotEquals(0, cwb.run("exec", "cat", "/etc/hostname").code());

        // the upper directory holds them, as overlayfs keeps them
        assertEquals("hello\n", Files.readString(upper.resolve("added.txt")));
        assertTrue(Files.isDirectory(upper.resolve("newdir")));
        assertTrue(Files.readString(upper.resolve("etc/passwd")).contains("extra:x:5000"), "passwd was not copied up");
        assertEquals(0L, Files.getAttribute(upper.resolve("etc/hostname"), "unix:rdev", LinkOption.NOFOLLOW_LINKS),
                "the deletion is not a whiteout (character device 0/0)");
        assertTrue(Files.readAttributes(upper.resolve("etc/hostname"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(),
                "the whiteout is not a device node");

        // and not one byte, mode or time of a layer changed
        assertEquals(layersBefore, snapshot(home.resolve("layers")));

        ContainerBench.Result changes = cwb.ok("changes");
        List<String> lines = changes.lines();
        assertTrue(lines.contains("A  /added.txt  6B"), changes.toString());
        assertTrue(lines.contains("A  /newdir/"), changes.toString());
        assertTrue(lines.contains("D  /etc/hostname"), changes.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("C  /etc/passwd  ")), changes.toString());
        assertTrue(lines.get(lines.size() - 1).startsWith("4 changes in " + upper), changes.toString());
        cwb.ok("rm", box);
        assertEquals(layersBefore, snapshot(home.resolve("layers")));
    }

    /**
     * A container of root's with {@code --rootless}: its overlay is mounted inside a user namespace, where
     * overlayfs reads and writes only user.overlay.* marks ({@code userxattr}). The lower layer's opaque
     * directory still hides v1's file, and removing a directory of a lower layer works (without userxattr the
     * kernel answered EIO: it could not mark the upper directory opaque).
     */
    @Test
    void aRootlessContainerOfRootsSeesOpaqueDirectoriesAndRemovesLowerDirectories() {
        ContainerBench.Result r = cwb.ok("run", "--rootless", "--network", "none", "--name", cwb.name("rl"), "layers-demo", "sh", "-c",
                "ls /app/config; rm -rf /app/config /usr/sbin && echo removed; ls /app /usr");
        assertEquals(List.of("message", "removed", "/app:", "my-app.sh", "", "/usr:", "bin"), r.lines(), r.toString());
        assertTrue(r.err().contains("exited 0"), r.toString());
    }

    @Test
    void twoContainersOfOneImageShareTheLayerDirs() throws Exception {
        String first = cwb.name("share-a");
        String second = cwb.name("share-b");
        int a = ContainerBench.initPid(cwb.ok("new", first, "from", "busybox"));
        cwb.ok("unshare", "mnt");
        cwb.ok("overlay");
        Map<String, Object> layerDirs = layerDirKeys();

        ContainerBench.Result made = cwb.ok("new", second, "from", "busybox");
        int b = ContainerBench.initPid(made);
        List<String> layerLines = made.lines().stream().filter(l -> l.trim().startsWith("layer ")).toList();
        assertEquals(3, layerLines.size(), made.toString());
        assertTrue(layerLines.stream().allMatch(l -> l.endsWith("already unpacked (shared)")), "a second unpack:\n" + made);
        assertEquals(layerDirs, layerDirKeys(), "the layer directories were made again");
        cwb.ok("unshare", "mnt");
        cwb.ok("overlay");

        String lowerA = option(overlayOf(a, first), "lowerdir");
        String lowerB = option(overlayOf(b, second), "lowerdir");
        assertEquals(lowerA, lowerB, "the two overlays stack different directories");
        List<String> lowers = List.of(lowerA.split(":"));
        assertEquals(3, lowers.size(), lowerA);
        for (String l : lowers) {
            assertTrue(Path.of(l).startsWith(home.resolve("layers")) && Files.isDirectory(Path.of(l)), l);
        }
        assertNotEquals(option(overlayOf(a, first), "upperdir"), option(overlayOf(b, second), "upperdir"));

        // a write in one is not seen by the other: it went to the first one's upper directory only
        cwb.ok("pivot_root", "-c", first);
        cwb.ok("pivot_root", "-c", second);
        cwb.ok("exec", "-c", first, "sh", "-c", "echo mine > /etc/motd");
        assertEquals("mine", cwb.ok("exec", "-c", first, "cat", "/etc/motd").lines().get(0));
        assertNotEquals(0, cwb.run("exec", "-c", second, "cat", "/etc/motd").code());
        cwb.ok("rm", first, second);
    }

    private MountInfo.Mount overlayOf(int initPid, String container) {
        String rootfs = cwb.workspace(container).resolve("rootfs").toString();
        return ContainerBench.mountsOf(initPid).stream().filter(m -> m.mountPoint().equals(rootfs) && m.fsType().equals("overlay"))
                .findFirst().orElseThrow(() -> new AssertionError("no overlay on " + rootfs + " in " + container + "'s mount table"));
    }

    private static String option(MountInfo.Mount m, String name) {
        return m.superOptions().stream().filter(o -> o.startsWith(name + "=")).map(o -> o.substring(name.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + m.superOptions()));
    }

    /** Each layer directory's identity (device and inode): unpacking again would make new ones. */
    private static Map<String, Object> layerDirKeys() throws IOException {
        Map<String, Object> keys = new TreeMap<>();
        try (Stream<Path> s = Files.list(home.resolve("layers"))) {
            for (Path p : s.toList()) {
                keys.put(p.getFileName().toString(), Files.readAttributes(p.resolve("fs"), BasicFileAttributes.class).fileKey());
            }
        }
        return keys;
    }

    /** Every entry under {@code dir}: type, mode, owner, size, times, inode, and the content's SHA-256 or the link's target. */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                entries.put(dir.relativize(d) + "/", describe(d));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                entries.put(dir.relativize(f).toString(), describe(f));
                return FileVisitResult.CONTINUE;
            }
        });
        return entries;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,lastModifiedTime,ctime,nlink,rdev",
                LinkOption.NOFOLLOW_LINKS);
        String what = new TreeMap<>(a).toString();
        if (Files.isSymbolicLink(p)) {
            return what + " -> " + Files.readSymbolicLink(p);
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return what + " sha256:" + sha256(p);
        }
        return what;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
