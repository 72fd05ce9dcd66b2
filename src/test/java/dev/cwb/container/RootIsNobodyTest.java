package dev.cwb.container;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under sudo, a user namespace maps root inside to nobody (65534) outside — in step mode and for
 * {@code run --rootless} — and every later step still works: the overlay (made by the workbench, idmapped
 * lowers, moved in), /proc, pivot_root, exec. What the kernel then does is what the learner is shown: root
 * inside owns the image's files and what it makes is owned by 65534 on the host; a host directory root outside
 * keeps to itself (0700) is EACCES inside; a device node is EPERM.
 */
class RootIsNobodyTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void open() {
        Requirements.requireRoot();
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void stepByStepRootInsideIsNobodyOutside() throws Exception {
        String box = cwb.name("nobody");
        int init = ContainerBench.initPid(cwb.ok("new", box, "from", "busybox"));
        cwb.ok("unshare", "user");
        assertEquals("0 65534 1", Files.readString(Path.of("/proc/" + init + "/uid_map")).trim().replaceAll("\\s+", " "));
        assertEquals("0 65534 1", Files.readString(Path.of("/proc/" + init + "/gid_map")).trim().replaceAll("\\s+", " "));
        String status = Files.readString(Path.of("/proc/" + init + "/status"));
        assertTrue(status.matches("(?s).*\\nUid:\\s+65534\\s+65534\\s+65534\\s+65534\\n.*"), "cwb-init took the namespace's root: " + status);
        assertTrue(status.matches("(?s).*\\nGroups:\\s*\\n.*"), "no supplementary group of the host's is kept: " + status);
        cwb.ok("unshare", "mnt", "uts", "pid");
        ContainerBench.Result overlay = cwb.ok("overlay");
        assertTrue(overlay.all().contains("MOUNT_ATTR_IDMAP") && overlay.all().contains("move_mount("), overlay.toString());
        cwb.ok("mount", "proc");
        cwb.ok("pivot_root");
        ContainerBench.Result id = cwb.ok("exec", "id");
        assertTrue(id.out().contains("uid=0(root) gid=0(root)"), id.toString());
        cwb.ok("exec", "sh", "-c", "touch /made-by-root; echo changed >> /etc/passwd");
        Path upper = cwb.workspace(box).resolve("upper");
        assertEquals(65534, Files.getAttribute(upper.resolve("made-by-root"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(65534, Files.getAttribute(upper.resolve("etc/passwd"), "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "the copied-up file is root inside's, 65534 on the host");
        ContainerBench.Result mknod = cwb.run("exec", "mknod", "/tmp/null", "c", "1", "3");
        assertTrue(mknod.all().contains("Operation not permitted"), mknod.toString());
        cwb.ok("rm", box);
    }

    @Test
    void runRootlessAsRootMapsNobodyAndKeepsTheHostsPrivateFiles() throws Exception {
        Path secret = Files.createDirectories(home.resolve("private"));
        Files.writeString(secret.resolve("f"), "root's own\n");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        ContainerBench.Result r = cwb.run("run", "--rootless", "--network", "none", "-v", secret + ":/x", "busybox", "sh", "-c",
                "id; cat /proc/self/uid_map; echo more >> /etc/passwd && echo image-writable; cat /x/f");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("uid=0(root) gid=0(root)"), r.toString());
        assertTrue(r.out().matches("(?s).*\\s0\\s+65534\\s+1\\n.*"), r.toString());
        assertTrue(r.out().contains("image-writable"), r.toString());
        assertTrue(r.all().contains("cat: can't open '/x/f': Permission denied"), r.toString());
    }

    /** build --rootless under sudo: the RUN's files are 65534's in its upper directory, root's (0:0) in the layer. */
    @Test
    void buildRootlessAsRootWritesRootsFilesAsRoot() throws Exception {
        Path ctx = Files.createDirectories(home.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN touch /built && echo x >> /etc/passwd && cat /proc/self/uid_map\n");
        ContainerBench.Result r = cwb.ok("build", "--rootless", "-t", "nobody-built:v1", ctx.toString());
        assertTrue(r.all().matches("(?s).*\\s0\\s+65534\\s+1\\n.*"), r.toString());
        dev.cwb.image.ImageStore store = dev.cwb.image.ImageStore.open(home.resolve("images"));
        dev.cwb.image.Image built = store.image("nobody-built:v1");
        dev.cwb.image.Descriptor layer = built.layers().get(built.layers().size() - 1);
        java.util.List<String> entries = new java.util.ArrayList<>();
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(store.blobPath(layer.digest())));
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(in)) {
            for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                entries.add(e.getName() + " " + e.getLongUserId() + ":" + e.getLongGroupId());
            }
        }
        assertTrue(entries.contains("built 0:0") || entries.contains("./built 0:0") || entries.contains("/built 0:0"), entries.toString());
        assertTrue(entries.stream().filter(e -> e.contains("passwd")).allMatch(e -> e.endsWith(" 0:0")), entries.toString());
        assertTrue(entries.stream().allMatch(e -> e.endsWith(" 0:0")), entries.toString());
    }
}
