package dev.cwb.container;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run -v} and {@code --mount} on the real kernel: a bind serves the host's file and, {@code :ro}, refuses
 * writes with the kernel's EROFS; a named volume keeps its data across two containers and their removal, and what
 * is written there is not in the overlay's upper directory; an image's link at the mount point cannot lead the
 * mount out of the container's root; bad input is refused in one line with nothing made; and after each test the
 * host's mount table holds nothing of this test's paths — the binds lived in the containers' mount namespaces.
 */
class VolumesRunTest {
    @TempDir
    static Path home;
    @TempDir
    Path host;
    static ContainerBench cwb;
    private List<String> mountsBefore;

    @BeforeAll
    static void open() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @BeforeEach
    void rememberMounts() throws IOException {
        mountsBefore = ourMounts();
    }

    /** The host's mount table has nothing more of this test's paths (home, host dirs, /tmp's link targets) than before. */
    @AfterEach
    void hostMountTableUnchanged() throws IOException {
        assertEquals(mountsBefore, ourMounts());
        assertEquals(List.of(), ourMounts(), "no mount of this test's paths on the host");
    }

    private List<String> ourMounts() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(home.toString()) || (host != null && line.contains(host.toString())) || line.contains("cwb-escape-")) {
                lines.add(line);
            }
        }
        return lines;
    }

    @Test
    void aReadOnlyBindServesTheHostsFileAndTheKernelRefusesWrites() throws IOException {
        Path site = Files.createDirectories(host.resolve("site"));
        Files.writeString(site.resolve("index.html"), "hello from the host\n");
        ContainerBench.Result ro = cwb.run("run", "--network", "none", "-v", site + ":/www:ro", "busybox", "sh", "-c",
                "cat /www/index.html; echo new > /www/new; grep ' /www ' /proc/self/mountinfo");
        assertTrue(ro.out().contains("hello from the host"), ro.toString());
        assertTrue(ro.all().contains("can't create /www/new: Read-only file system"), "EROFS from the kernel: " + ro);
        assertTrue(ro.out().matches("(?s).* /www ro,[^ ]* .*"), "mounted read-only: " + ro);
        assertFalse(Files.exists(site.resolve("new")));
        // the same bind read-write: the write reaches the host's directory (so the check above can fail)
        ContainerBench.Result rw = cwb.ok("run", "--network", "none", "-v", site + ":/www", "busybox", "sh", "-c", "echo new > /www/new");
        assertEquals("new\n", Files.readString(site.resolve("new")), rw.toString());
        // a file's bind, with --mount: the host's file at a path the image lacks
        Path motd = Files.writeString(host.resolve("motd"), "file bind\n");
        ContainerBench.Result file = cwb.ok("run", "--network", "none", "--mount", "type=bind,source=" + motd + ",target=/etc/cwb/motd,readonly",
                "busybox", "cat", "/etc/cwb/motd");
        assertTrue(file.out().contains("file bind"), file.toString());
    }

    /**
     * In a user namespace the kernel locks the flags a mount had when the namespace was made: a read-only remount of a
     * bind of a {@code nosuid,nodev,noexec} file system must repeat them, or it is EPERM (checked by hand: without
     * them this very run fails with {@code mount(..., MS_RDONLY|MS_REMOUNT|MS_BIND, NULL): EPERM}).
     */
    @Test
    void aReadOnlyBindInAUserNamespaceKeepsTheSourcesLockedFlags() throws Exception {
        Path locked = Files.createDirectories(host.resolve("locked"));
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "-o", "nosuid,nodev,noexec", "tmpfs", locked.toString()).inheritIO().start().waitFor());
        try {
            Files.writeString(locked.resolve("f"), "locked flags\n");
            ContainerBench.Result r = cwb.run("run", "--rootless", "--network", "none", "--trace", "-v", locked + ":/x:ro", "busybox", "sh", "-c",
                    "cat /x/f; touch /x/g");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.out().contains("locked flags"), r.toString());
            assertTrue(r.all().contains("touch: /x/g: Read-only file system"), r.toString());
            assertTrue(r.all().contains("/rootfs/x\", NULL, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND|MS_RELATIME, NULL) = 0"), r.toString());
        } finally {
            assertEquals(0, new ProcessBuilder("umount", locked.toString()).inheritIO().start().waitFor());
        }
    }

    /** The picture: busybox httpd with {@code -p 127.0.0.1:PORT:80 -v DIR:/www:ro} serves a host file to a host curl. */
    @Test
    void httpdServesAHostFileThroughAReadOnlyBindAndAPublishedPort() throws Exception {
        Requirements.requireCommand("curl", "curl");
        Path www = Files.createDirectories(host.resolve("www"));
        Files.writeString(www.resolve("index.html"), "served from the host's disk\n");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String name = cwb.name("httpd");
        Process p = background(name + ".log", "run", "--name", name, "-p", "127.0.0.1:" + port + ":80", "-v", www + ":/www:ro", "busybox",
                "sh", "-c", "httpd -p 80 -h /www; touch /www/x || echo refused; sleep 600");
        try {
            String got = "";
            long until = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < until && p.isAlive() && !got.contains("served from the host's disk")) {
                Thread.sleep(100);
                got = NetworkStepsTest.host("curl", "-s", "-m", "2", "http://127.0.0.1:" + port + "/");
            }
            assertEquals("served from the host's disk\n", got, Files.readString(home.resolve(name + ".log")));
            Files.writeString(www.resolve("index.html"), "changed on the host\n");
            assertEquals("changed on the host\n", NetworkStepsTest.host("curl", "-s", "-m", "2", "http://127.0.0.1:" + port + "/"),
                    "no copy: the container reads the host's file as it is now");
            assertTrue(Files.readString(home.resolve(name + ".log")).contains("refused"));
            assertFalse(Files.exists(www.resolve("x")));
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        cwb.ok("cleanup");
    }

    @Test
    void aNamedVolumeKeepsItsDataAcrossTwoContainersAndTheirRemoval() {
        String vol = cwb.name("data").replace("-", "_");
        ContainerBench.Result first = cwb.ok("run", "--network", "none", "-v", vol + ":/data", "busybox", "sh", "-c", "echo kept > /data/note");
        assertTrue(first.err().contains("volume " + vol + " made"), first.toString());
        ContainerBench.Result second = cwb.ok("run", "--network", "none", "--mount", "type=volume,source=" + vol + ",target=/srv",
                "busybox", "cat", "/srv/note");
        assertTrue(second.out().contains("kept"), second.toString());
        assertTrue(Files.isRegularFile(home.resolve("volumes").resolve(vol).resolve("_data/note")), "on the host, after both rm'd");
        ContainerBench.Result ls = cwb.ok("volume", "ls", "-q");
        assertTrue(ls.out().lines().anyMatch(vol::equals), ls.toString());
        ContainerBench.Result inspect = cwb.ok("volume", "inspect", vol);
        assertTrue(inspect.out().contains("\"Mountpoint\" : \"" + home.resolve("volumes").resolve(vol).resolve("_data") + "\""), inspect.toString());
        cwb.ok("volume", "rm", vol);
        assertFalse(Files.exists(home.resolve("volumes").resolve(vol)));
        ContainerBench.Result fresh = cwb.run("run", "--network", "none", "-v", vol + ":/data", "busybox", "cat", "/data/note");
        assertNotEquals(0, fresh.code(), "a new volume of the same name is empty: " + fresh);
        cwb.ok("volume", "rm", vol);
    }

    /**
     * While a container of another workbench writes to a volume and to its own root: the volume's file is in the
     * volume's directory and not in the upper directory, the root's is in the upper directory; {@code volume rm} is
     * refused; and after that workbench is killed, {@code cleanup} takes its container and anonymous volume and keeps
     * the named one.
     */
    @Test
    void aVolumesWritesBypassTheUpperDirectoryAndCleanupAfterAKilledWorkbenchKeepsOnlyNamedVolumes() throws Exception {
        String name = cwb.name("by");
        String vol = cwb.name("keep").replace("-", "_");
        Process p = background(name + ".log", "run", "--network", "none", "--name", name, "-v", vol + ":/data", "-v", "/anon", "busybox", "sh", "-c",
                "echo in-volume > /data/v; echo in-root > /r; echo in-anon > /anon/a; echo ready; sleep 600");
        try {
            Path log = home.resolve(name + ".log");
            long until = System.nanoTime() + 30_000_000_000L;
            while (!Files.readString(log).contains("ready") && p.isAlive() && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertTrue(Files.readString(log).contains("ready"), Files.readString(log));
            Path upper = cwb.workspace(name).resolve("upper");
            assertTrue(Files.isRegularFile(upper.resolve("r")), "the root's write is in the upper directory");
            assertFalse(Files.exists(upper.resolve("data/v")), "the volume's is not");
            assertEquals("in-volume\n", Files.readString(home.resolve("volumes").resolve(vol).resolve("_data/v")));
            List<String> anonymous = anonymousVolumes();
            assertEquals(1, anonymous.size(), anonymous.toString());
            assertEquals("in-anon\n", Files.readString(home.resolve("volumes").resolve(anonymous.get(0)).resolve("_data/a")));
            ContainerBench.Result busy = cwb.run("volume", "rm", vol);
            assertNotEquals(0, busy.code());
            assertTrue(busy.err().contains("volume " + vol + " is in use by container " + name), busy.toString());
            ContainerBench.Result dangling = cwb.ok("volume", "ls", "-q", "--filter", "dangling=true");
            assertFalse(dangling.out().contains(vol), dangling.toString());
        } finally {
            p.destroyForcibly(); // SIGKILL: the workbench has no chance to take anything down
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        cwb.ok("cleanup");
        assertFalse(Files.exists(cwb.workspace(name)));
        assertEquals(List.of(), anonymousVolumes(), "the anonymous volume went with its container");
        assertTrue(Files.isRegularFile(home.resolve("volumes").resolve(vol).resolve("_data/v")), "the named one stays");
        cwb.ok("volume", "rm", vol);
    }

    private static List<String> anonymousVolumes() throws IOException {
        Path dir = home.resolve("volumes");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).toList();
        }
    }

    /**
     * An image whose {@code /data} is an absolute link to a host directory, {@code /up} a relative one climbing out,
     * {@code /root-link} a link to {@code /}: the mounts go where the links lead <em>inside</em> the container, the
     * host's directory stays empty and no mount point, and a link to {@code /} is refused.
     */
    @Test
    void anImagesLinkAtTheTargetCannotLeadTheBindOutOfTheRoot() throws IOException {
        Path escape = Files.createTempDirectory(Path.of("/tmp"), "cwb-escape-");
        try {
            Path ctx = Files.createDirectories(host.resolve("ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN ln -s " + escape + " /data && ln -s ../../../../../../.." + escape
                    + "/up /up && ln -s / /root-link\n");
            cwb.ok("build", "-t", "links:v1", ctx.toString());
            Path src = Files.createDirectories(host.resolve("src"));
            Files.writeString(src.resolve("f"), "from the bind\n");
            ContainerBench.Result r = cwb.ok("run", "--network", "none", "-v", src + ":/data", "-v", src + ":/up", "links:v1", "sh", "-c",
                    "cat " + escape + "/f; cat " + escape + "/up/f; grep " + escape + " /proc/self/mountinfo");
            assertEquals(2, r.out().lines().filter("from the bind"::equals).count(), "both binds are where the links lead, inside: " + r);
            assertTrue(r.err().contains("/data is a link in the image: the mount goes where it leads inside the container, " + escape), r.toString());
            try (Stream<Path> s = Files.list(escape)) {
                assertEquals(List.of(), s.toList(), "the host's directory was not touched");
            }
            assertFalse(dev.cwb.kernel.MountInfo.isMountPoint(escape));
            ContainerBench.Result root = cwb.run("run", "--network", "none", "-v", src + ":/root-link", "links:v1", "true");
            assertNotEquals(0, root.code());
            assertTrue(root.err().contains("refusing to mount at /root-link: in the image it is a link to the container's /"), root.toString());
        } finally {
            Files.walk(escape).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void anImagesVolumeIsAnAnonymousVolumeFilledFromTheImageAndGoneWithTheContainer() throws IOException {
        Path ctx = Files.createDirectories(host.resolve("vctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN mkdir /vol && echo seeded > /vol/seed && chown 1000:1000 /vol/seed"
                + " && ln -s seed /vol/link && touch \"/vol/$(printf 'caf\\351')\"\nVOLUME /vol\n");
        cwb.ok("build", "-t", "withvol:v1", ctx.toString());
        ContainerBench.Result r = cwb.ok("run", "--network", "none", "withvol:v1", "sh", "-c",
                "cat /vol/seed; ls -ln /vol; readlink /vol/link; grep ' /vol ' /proc/self/mountinfo");
        assertTrue(r.out().contains("seeded"), r.toString());
        assertTrue(r.out().matches("(?s).*-rw-r--r-- +1 1000 +1000 .* seed\n.*"), "owner kept: " + r);
        assertTrue(r.out().contains("\nseed\n"), "the link copied as a link: " + r);
        assertTrue(r.out().contains(" /vol "), "a mount of its own: " + r);
        assertTrue(r.err().contains("was empty: the image's /vol copied into it"), r.toString());
        assertEquals(List.of(), anonymousVolumes(), "removed with the container, as --rm does");
        // -v with a name at the same path replaces the image's volume
        String vol = cwb.name("over").replace("-", "_");
        cwb.ok("run", "--network", "none", "-v", vol + ":/vol", "withvol:v1", "true");
        assertEquals(List.of(), anonymousVolumes());
        assertTrue(Files.isRegularFile(home.resolve("volumes").resolve(vol).resolve("_data/seed")));
        try (dev.cwb.kernel.DirFd data = dev.cwb.kernel.DirFd.open(home.resolve("volumes").resolve(vol).resolve("_data"))) {
            assertTrue(data.list().contains(dev.cwb.kernel.FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9})),
                    "a name that is not UTF-8 copied byte for byte: " + data.list());
            assertEquals(1000, data.stat("seed").uid());
            assertEquals(dev.cwb.kernel.DirFd.S_IFLNK, data.stat("link").type());
        }
        cwb.ok("volume", "rm", vol);
    }

    @Test
    void dangerousOrBadMountsAreRefusedInOneLineWithNothingMade() {
        Path missing = host.resolve("not-there");
        ContainerBench.Result m = cwb.run("run", "--network", "none", "--mount", "type=bind,source=" + missing + ",target=/x", "busybox", "true");
        assertEquals(dev.cwb.CwbException.BAD_INPUT, m.code(), m.toString());
        assertTrue(m.err().contains("bind source path does not exist: " + missing), m.toString());
        assertFalse(Files.exists(missing));
        ContainerBench.Result v = cwb.ok("run", "--network", "none", "-v", missing + ":/x", "busybox", "true");
        assertTrue(Files.isDirectory(missing), "-v makes it, as Docker does");
        assertTrue(v.err().contains("-v made the missing host directory " + missing), v.toString());
        String[][] bad = {
            {"-v", "/:/host", "refusing to bind the host's / read-write"},
            {"-v", "rel/dir:/x", "is neither an absolute host path nor a volume name"},
            {"-v", host + ":/", "cannot mount over the container's /"},
            {"-v", host + ":data", "is not absolute"},
            {"-v", "a:/x:rx", "unknown mode 'rx'"},
            {"--mount", "type=volume,source=bad/name,target=/x", "not a valid volume name"},
            {"--mount", "type=bind,source=relative,target=/x", "is not an absolute path"},
            {"--mount", "type=nfs,target=/x", "unknown type 'nfs'"},
        };
        for (String[] b : bad) {
            ContainerBench.Result r = cwb.run("run", "--network", "none", b[0], b[1], "busybox", "true");
            assertEquals(dev.cwb.CwbException.BAD_INPUT, r.code(), r.toString());
            assertTrue(r.err().contains(b[2]), b[1] + ": " + r);
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.toString());
        }
        ContainerBench.Result ro = cwb.run("run", "--network", "none", "-v", "/:/host:ro", "busybox", "sh", "-c", "touch /host/x");
        assertEquals(1, ro.code(), ro.toString());
        assertTrue(ro.all().contains("touch: /host/x: Read-only file system"), "/ read-only is allowed, and read-only: " + ro);
        assertFalse(Files.exists(Path.of("/x")));
        ContainerBench.Result name = cwb.run("volume", "create", "a/b");
        assertEquals(dev.cwb.CwbException.BAD_INPUT, name.code());
        assertTrue(name.err().contains("'a/b' is not a valid volume name"), name.toString());
        assertFalse(Files.exists(home.resolve("volumes/a")));
    }

    private static Process background(String log, String... args) throws IOException {
        return ContainerBench.inBackground(home, log, args);
    }
}
