package dev.cwb.layer;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.kernel.Kernel;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cwb's unpacking checked against umoci's, on an image umoci itself built from real files of this
 * machine: layer 1 copies {@code /etc/ssl} (a forest of symlinks), some of {@code /usr/share/doc} and
 * busybox with hardlinked and symlinked applets; layer 2 (umoci's own diff of the changed bundle, so its
 * whiteouts are umoci's) deletes files and a directory, turns a directory into a file and a file into a
 * directory, and adds a hardlink, setuid/setgid files, a fifo, device nodes, {@code user.*} xattrs, a
 * sticky directory and files owned by other users.
 *
 * <p>Both trees are compared with {@link TreeSnapshot}: paths, types, permission bits, owners, sizes,
 * content hashes, symlink targets, hardlink groups, device numbers, user xattrs, and mtimes of everything
 * but directories. Needs root (umoci without --rootless, mknod, chown, mount) and umoci: under CI a missing
 * one fails the test.
 */
class UnpackMatchesUmociTest {
    private static final String NAME = "peer/umoci-built:latest";

    @TempDir
    static Path work;
    static Path layout;
    static Path umociRootfs;

    @TempDir
    Path tmp;
    CommandHarness cwb;

    @BeforeAll
    static void buildImageWithUmoci() throws Exception {
        Requirements.requireRoot();
        Requirements.requireCommand("umoci", "umoci");
        Requirements.require(Kernel.available(), "needs libc through JNA");
        layout = work.resolve("layout");
        umoci("init", "--layout", layout.toString());
        umoci("new", "--image", layout + ":latest");

        Path b1 = work.resolve("bundle1");
        umoci("unpack", "--image", layout + ":latest", b1.toString());
        writeFirstLayer(b1.resolve("rootfs"));
        umoci("repack", "--image", layout + ":latest", b1.toString());

        Path b2 = work.resolve("bundle2");
        umoci("unpack", "--image", layout + ":latest", b2.toString());
        changeForSecondLayer(b2.resolve("rootfs"));
        umoci("repack", "--image", layout + ":latest", b2.toString());

        Path reference = work.resolve("umoci-unpacked");
        umoci("unpack", "--image", layout + ":latest", reference.toString());
        umociRootfs = reference.resolve("rootfs");
    }

    /** Real content from the host: certificates and their hash symlinks, documentation, busybox and its applet links. */
    private static void writeFirstLayer(Path rootfs) throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.createDirectories(rootfs.resolve("usr/share/doc"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("usr/bin"));
        Processes.check(null, "cp", "-a", "/etc/ssl", rootfs.resolve("etc").toString());
        int docs = 0;
        for (String pkg : List.of("adduser", "bash", "coreutils", "tar", "gzip", "libc6", "base-files")) {
            if (Files.isDirectory(Path.of("/usr/share/doc", pkg))) {
                Processes.check(null, "cp", "-a", "/usr/share/doc/" + pkg, rootfs.resolve("usr/share/doc").toString());
                docs++;
            }
        }
        assertTrue(docs >= 2, "found too few /usr/share/doc directories to copy");
        Path busybox = Path.of("/bin/busybox");
        if (Files.isRegularFile(busybox)) {
            Processes.check(null, "cp", "-a", busybox.toString(), rootfs.resolve("bin/busybox").toString());
        } else {
            Processes.check(null, "cp", "-a", "/bin/true", rootfs.resolve("bin/busybox").toString());
        }
        Files.createLink(rootfs.resolve("bin/sh"), rootfs.resolve("bin/busybox"));
        Files.createLink(rootfs.resolve("bin/ls"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/cat"), Path.of("busybox"));
        Files.createSymbolicLink(rootfs.resolve("usr/bin/vi"), Path.of("/bin/busybox"));

        Files.createDirectories(rootfs.resolve("gone/deeper/deepest"));
        Files.writeString(rootfs.resolve("gone/deeper/deepest/file"), "a whole directory removed by layer 2\n");
        Files.createDirectories(rootfs.resolve("keep"));
        Files.writeString(rootfs.resolve("keep/removed.txt"), "one file removed by layer 2\n");
        Files.writeString(rootfs.resolve("keep/stays.txt"), "untouched\n");
        Files.createDirectories(rootfs.resolve("dir-becomes-file/sub"));
        Files.writeString(rootfs.resolve("dir-becomes-file/sub/x"), "x\n");
        Files.writeString(rootfs.resolve("file-becomes-dir"), "I was a file\n");
        Files.writeString(rootfs.resolve("symlink-becomes-file-target"), "t\n");
        Files.createSymbolicLink(rootfs.resolve("symlink-becomes-file"), Path.of("symlink-becomes-file-target"));
    }

    private static void changeForSecondLayer(Path rootfs) throws Exception {
        Files.delete(rootfs.resolve("etc/ssl/openssl.cnf"));
        Processes.check(null, "rm", "-rf", rootfs.resolve("gone").toString());
        Files.delete(rootfs.resolve("keep/removed.txt"));
        Processes.check(null, "rm", "-rf", rootfs.resolve("dir-becomes-file").toString());
        Files.writeString(rootfs.resolve("dir-becomes-file"), "now a file\n");
        Files.delete(rootfs.resolve("file-becomes-dir"));
        Files.createDirectories(rootfs.resolve("file-becomes-dir"));
        Files.writeString(rootfs.resolve("file-becomes-dir/inside"), "now a directory\n");
        Files.delete(rootfs.resolve("symlink-becomes-file"));
        Files.writeString(rootfs.resolve("symlink-becomes-file"), "a regular file now\n");

        Files.createLink(rootfs.resolve("bin/newlink"), rootfs.resolve("bin/busybox")); // a new name for a layer-1 file
        Files.createDirectories(rootfs.resolve("data"));
        Files.writeString(rootfs.resolve("data/a"), "shared inode\n");
        Files.createLink(rootfs.resolve("data/b"), rootfs.resolve("data/a"));

        Path setuid = Files.writeString(rootfs.resolve("bin/setuid-tool"), "#!/bin/sh\n");
        Kernel.chmod(setuid, 04755);
        Path setgid = Files.writeString(rootfs.resolve("bin/setgid-tool"), "#!/bin/sh\n");
        Kernel.lchown(setgid, 0, 42);
        Kernel.chmod(setgid, 02755);
        Files.createDirectories(rootfs.resolve("run"));
        Processes.check(null, "mkfifo", "-m", "0620", rootfs.resolve("run/fifo").toString());
        Files.createDirectories(rootfs.resolve("dev"));
        Processes.check(null, "mknod", "-m", "0666", rootfs.resolve("dev/null").toString(), "c", "1", "3");
        Processes.check(null, "mknod", "-m", "0660", rootfs.resolve("dev/loop7").toString(), "b", "7", "7");
        Path tagged = Files.writeString(rootfs.resolve("data/tagged"), "has xattrs\n");
        Kernel.lsetxattr(tagged, "user.comment", "hello xattr".getBytes(StandardCharsets.UTF_8));
        Kernel.lsetxattr(rootfs.resolve("data"), "user.dir_note", "on a directory".getBytes(StandardCharsets.UTF_8));
        Path sticky = Files.createDirectories(rootfs.resolve("tmp"));
        Kernel.chmod(sticky, 01777);
        Path owned = Files.writeString(rootfs.resolve("data/owned-by-1234"), "not root's\n");
        Kernel.lchown(owned, 1234, 4321);
        Path ownedDir = Files.createDirectories(rootfs.resolve("home/user"));
        Kernel.lchown(ownedDir, 1234, 1234);
        Kernel.chmod(ownedDir, 0700);
    }

    private static void umoci(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("umoci"));
        cmd.addAll(List.of(args));
        Processes.check(work, cmd.toArray(String[]::new));
    }

    @BeforeEach
    void loadIntoCwb() {
        cwb = new CommandHarness(tmp.resolve("home"));
        assertEquals(0, cwb.run("load", layout.toString(), "--name", "peer/umoci-built"), cwb.err());
    }

    @Test
    void umociReallyBuiltWhatTheComparisonIsAbout() throws IOException {
        TreeSnapshot ref = TreeSnapshot.of(umociRootfs);
        assertNull(ref.get("/gone"), "umoci applied its whiteout");
        assertNull(ref.get("/etc/ssl/openssl.cnf"));
        assertTrue(ref.get("/dir-becomes-file").startsWith("file "), ref.get("/dir-becomes-file"));
        assertTrue(ref.get("/file-becomes-dir").startsWith("dir "), ref.get("/file-becomes-dir"));
        assertTrue(ref.get("/bin/setuid-tool").startsWith("file 4755 "), ref.get("/bin/setuid-tool"));
        assertTrue(ref.get("/tmp").startsWith("dir 1777 "), ref.get("/tmp"));
        assertTrue(ref.get("/dev/null").contains("dev=1:3"), ref.get("/dev/null"));
        assertTrue(ref.get("/data/tagged").contains("user.comment=hello xattr"), ref.get("/data/tagged"));
        assertTrue(ref.get("/data/owned-by-1234").contains("uid=1234 gid=4321"), ref.get("/data/owned-by-1234"));
        assertTrue(ref.hardlinkGroups().contains("/data/a = /data/b"), ref.hardlinkGroups().toString());
        assertTrue(ref.entries().size() > 100, "real content: " + ref.entries().size() + " paths");
    }

    @Test
    void flatUnpackGivesTheSameTreeAsUmoci() throws IOException {
        Path flat = tmp.resolve("flat");
        assertEquals(0, cwb.run("unpack", "--flat", NAME, flat.toString()), cwb.err());
        assertTrue(cwb.out().contains("whiteouts"), cwb.out());
        // by design the tree's own top directory is root's alone (umoci guards its bundle directory instead)
        assertEquals(0700, (int) Files.getAttribute(flat, "unix:mode") & 07777);
        Files.setPosixFilePermissions(flat, Files.getPosixFilePermissions(umociRootfs));
        assertSameTree(TreeSnapshot.of(umociRootfs), TreeSnapshot.of(flat), "flat unpack");
    }

    /**
     * The layer cache holds each layer as an overlayfs lower directory, its whiteouts as 0:0 character
     * devices. Mounting overlayfs over them must show what umoci's flat unpack shows — the kernel, not cwb,
     * applies the whiteouts here, so this checks that they were written in the form overlayfs reads.
     */
    @Test
    void overlayOfTheCachedLayersGivesTheSameTreeAsUmoci() throws Exception {
        assertEquals(0, cwb.run("unpack", NAME), cwb.err());
        Image image = cwb.workbench().images().image(NAME);
        List<Digest> diffIds = image.config().diffIds();
        assertEquals(2, diffIds.size());
        StringBuilder lower = new StringBuilder();
        for (int i = diffIds.size() - 1; i >= 0; i--) {
            Path fs = cwb.workbench().home().layers().resolve(diffIds.get(i).encoded()).resolve("fs");
            assertTrue(Files.isDirectory(fs), "cached layer " + fs);
            lower.append(lower.length() == 0 ? "" : ":").append(fs);
        }
        Path top = cwb.workbench().home().layers().resolve(diffIds.get(1).encoded()).resolve("fs");
        String whiteout = TreeSnapshot.of(top).get("/gone");
        assertNotNull(whiteout, "layer 2 holds a whiteout for /gone");
        assertTrue(whiteout.startsWith("chardev ") && whiteout.contains("dev=0:0"), whiteout);

        Path merged = Files.createDirectory(tmp.resolve("merged"));
        Processes.check(null, "mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower, merged.toString());
        TreeSnapshot viaOverlay;
        try {
            viaOverlay = TreeSnapshot.of(merged);
        } finally {
            Processes.check(null, "umount", merged.toString());
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + merged + " "), "the overlay is unmounted");
        assertSameTree(TreeSnapshot.of(umociRootfs), viaOverlay, "overlay of the layer cache");
    }

    private static void assertSameTree(TreeSnapshot umoci, TreeSnapshot cwb, String cwbName) {
        List<String> diffs = umoci.differencesFrom(cwb, "umoci", cwbName);
        assertTrue(diffs.isEmpty(), diffs.size() + " differences, first ones:\n" + String.join("\n", diffs.subList(0, Math.min(30, diffs.size()))));
    }
}
