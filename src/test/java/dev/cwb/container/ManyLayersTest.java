package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images with more layers than mount(2)'s one page of options can name: 128 layers run (Docker's overlay2
 * limit), 200 with the new mount API where the kernel has {@code lowerdir+}, the short-link way of older
 * kernels works too, and past what the kernel stacks the refusal is one clear line with the kernel's reason.
 * Each image is {@code FROM busybox} (layers 1-3) plus one layer per file {@code /layers/N}.
 */
class ManyLayersTest {
    @TempDir
    static Path home;
    @TempDir
    static Path recipes;
    static ContainerBench cwb;

    private static Pattern lowerdirAppend;

    @BeforeAll
    static void buildImages() throws IOException {
        cwb = ContainerBench.open(home);
        lowerdirAppend = Pattern.compile("(?m)^  \\[pid \\d+\\] fsconfig\\(\\d+, FSCONFIG_SET_STRING, \"lowerdir\\+\", \""
                + Pattern.quote(home + "/layers/") + "[0-9a-f]{64}/fs\", 0\\) = 0$");
        for (int layers : List.of(128, 200, 501)) {
            Path dir = Files.createDirectories(recipes.resolve("layers" + layers).resolve("f"));
            StringBuilder recipe = new StringBuilder("FROM busybox\n");
            for (int n = 4; n <= layers; n++) {
                Files.writeString(dir.resolve(Integer.toString(n)), "from layer " + n + "\n");
                recipe.append("COPY f/").append(n).append(" /layers/").append(n).append('\n');
            }
            Files.writeString(dir.getParent().resolve("recipe"), recipe);
        }
        ContainerBench.Result built = cwb.ok("samples", "build", "--recipes", recipes.toString());
        for (int layers : List.of(128, 200, 501)) {
            assertTrue(built.out().contains("Built layers" + layers + ":latest: " + layers + " layers"), built.toString());
        }
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    private static long count(Pattern p, String text) {
        return p.matcher(text).results().count();
    }

    @Test
    void aRunOf128LayersReadsTheBottomAndTheTopLayer() {
        String name = cwb.name("l128");
        ContainerBench.Result r = cwb.ok("run", "--trace", "--name", name, "layers128", "cat", "/layers/4", "/layers/128", "/etc/passwd");
        // layer 4 (the first added), the top layer, layer 3 (busybox's /etc/passwd); cat itself is layer 1
        List<String> printed = r.lines().stream().filter(l -> l.startsWith("from layer") || l.startsWith("root:")).toList();
        assertEquals(List.of("from layer 4", "from layer 128", "root:x:0:0:root:/root:/bin/sh"), printed, r.toString());
        String rootfs = cwb.workspace(name).resolve("rootfs").toString();
        if (OverlayStep.kernelAtLeast(System.getProperty("os.version"), OverlayStep.LOWERDIR_APPEND_SINCE)) {
            assertEquals(128, count(lowerdirAppend, r.err()), r.err()); // run --trace: the calls go to stderr
            assertTrue(r.err().contains("fsopen(\"overlay\", FSOPEN_CLOEXEC) = "), r.err());
            assertTrue(Pattern.compile("move_mount\\(\\d+, \"\", AT_FDCWD, \"" + Pattern.quote(rootfs) + "\", MOVE_MOUNT_F_EMPTY_PATH\\) = 0")
                    .matcher(r.err()).find(), r.err());
        } else {
            assertTrue(r.err().contains("chdir(\"" + cwb.workspace(name).resolve("l") + "\") = 0"), r.err());
            assertTrue(r.err().contains("mount(\"overlay\", \"" + rootfs + "\", \"overlay\", 0, \"lowerdir=128:127:"), r.err());
        }
    }

    @Test
    void stepByStepTwoHundredLayersAreMountedAndListedByTheKernel() throws Exception {
        String name = cwb.name("l200");
        int init = ContainerBench.initPid(cwb.ok("new", name, "from", "layers200"));
        cwb.ok("unshare", "mnt");
        ContainerBench.Result overlay = cwb.ok("overlay");
        assertTrue(overlay.out().contains("Mounted 200 layers + upper on " + cwb.workspace(name).resolve("rootfs")), overlay.toString());
        boolean appended = OverlayStep.kernelAtLeast(System.getProperty("os.version"), OverlayStep.LOWERDIR_APPEND_SINCE);
        if (appended) {
            assertEquals(200, count(lowerdirAppend, overlay.out()), overlay.out());
            assertTrue(overlay.out().contains("Note: 200 layers do not fit in mount(2)'s one page of options, so they went to the kernel "
                    + "one by one: fsconfig lowerdir+"), overlay.out());
        }
        // the kernel's own table of the container's mounts holds all 200 layer directories
        MountInfo200 m = new MountInfo200(ContainerBench.mountsOf(init), cwb.workspace(name).resolve("rootfs").toString());
        assertEquals(200, m.lowers(), m.toString());
        cwb.ok("pivot_root");
        assertEquals(List.of("from layer 4", "from layer 200"), cwb.ok("exec", "cat", "/layers/4", "/layers/200").lines().subList(0, 2));
        cwb.ok("rm", name);
    }

    @Test
    void olderKernelsWayShortLinksFromInsideTheLinkDirectory() throws Exception {
        String name = cwb.name("links");
        int init = ContainerBench.initPid(cwb.ok("new", name, "from", "layers200"));
        cwb.ok("unshare", "mnt");
        Container c = cwb.harness().workbench().containers().get(name);
        dev.cwb.kernel.SyscallLog log = cwb.harness().workbench().containers().log();
        int before = log.records().size();
        OverlayStep.mount(c, OverlayStep.Method.SHORT_LINKS);
        List<String> trace = log.records().subList(before, log.records().size()).stream().map(rec -> rec.straceLine()).toList();
        Path links = cwb.workspace(name).resolve("l");
        String rootfs = cwb.workspace(name).resolve("rootfs").toString();
        assertEquals(5, trace.size(), trace.toString());
        assertTrue(trace.get(0).startsWith("openat(AT_FDCWD, \".\", O_RDONLY|O_PATH|O_DIRECTORY) = "), trace.toString());
        assertEquals("chdir(\"" + links + "\") = 0", trace.get(1));
        assertTrue(trace.get(2).startsWith("mount(\"overlay\", \"" + rootfs + "\", \"overlay\", 0, \"lowerdir=200:199:198:"), trace.get(2));
        assertTrue(trace.get(2).endsWith(":2:1,upperdir=../upper,workdir=../work\") = 0"), trace.get(2));
        assertTrue(trace.get(3).startsWith("fchdir("), trace.toString());
        assertTrue(trace.get(4).startsWith("close("), trace.toString());
        assertEquals(c.lowers().get(0), Files.readSymbolicLink(links.resolve("1")));
        assertEquals(c.lowers().get(199), Files.readSymbolicLink(links.resolve("200")));
        assertEquals(200, new MountInfo200(ContainerBench.mountsOf(init), rootfs).lowers());
        cwb.ok("pivot_root");
        assertEquals(List.of("from layer 4", "from layer 200"), cwb.ok("exec", "cat", "/layers/4", "/layers/200").lines().subList(0, 2));
        cwb.ok("rm", name);
        assertFalse(Files.exists(links));
    }

    @Test
    void pastWhatTheKernelStacksTheRefusalIsOneLineAndNothingIsLeft() throws Exception {
        String name = cwb.name("l501");
        ContainerBench.Result r = cwb.run("run", "--trace", "--name", name, "layers501", "cat", "/layers/4");
        assertEquals(7, r.code(), r.toString());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.toString());
        String error = errors.get(0);
        assertTrue(error.contains("mounting " + name + "'s image, the kernel refused "), error);
        assertTrue(error.contains("use an image with fewer layers"), error);
        if (OverlayStep.kernelAtLeast(System.getProperty("os.version"), OverlayStep.LOWERDIR_APPEND_SINCE)) {
            // the kernel's own words, read back from the file system context, and where it stopped
            assertTrue(error.contains("the 501st of its 501 layers (layer 1, counted from the bottom): "
                    + "the kernel says \"overlay: too many lower directories, limit is 500\""), error);
            assertTrue(Pattern.compile("read\\(\\d+, \"e overlay: too many lower directories, limit is 500\\\\n\", 1024\\) = 52")
                    .matcher(r.err()).find(), r.err());
            assertEquals(500, count(lowerdirAppend, r.err()), "the kernel took 500 layers before refusing one");
        }
        assertFalse(r.all().contains("from layer 4"), r.out());
        assertFalse(Files.exists(cwb.workspace(name)), "the workspace was left behind");
        assertEquals(List.of(), ContainerBench.hostMountsUnder(home.resolve("run")));
    }

    @Test
    void theOlderKernelsWayRefuses501LayersToo() {
        String name = cwb.name("links501");
        cwb.ok("new", name, "from", "layers501");
        cwb.ok("unshare", "mnt");
        Container c = cwb.harness().workbench().containers().get(name);
        dev.cwb.CwbException e = org.junit.jupiter.api.Assertions.assertThrows(dev.cwb.CwbException.class,
                () -> OverlayStep.mount(c, OverlayStep.Method.SHORT_LINKS));
        assertTrue(e.getMessage().startsWith("the kernel refused the overlay of 501 layers (mount: EINVAL)"), e.getMessage());
        assertFalse(c.overlayMounted());
        cwb.ok("rm", name);
    }

    /** The overlay on {@code target} in a mount table, and how many lower directories the kernel lists for it. */
    private record MountInfo200(List<dev.cwb.kernel.MountInfo.Mount> all, String target) {
        int lowers() {
            dev.cwb.kernel.MountInfo.Mount m = all.stream().filter(x -> x.mountPoint().equals(target) && x.fsType().equals("overlay"))
                    .findFirst().orElseThrow(() -> new AssertionError("no overlay on " + target));
            int n = 0;
            for (String o : m.superOptions()) {
                if (o.startsWith("lowerdir+=")) {
                    n++;
                } else if (o.startsWith("lowerdir=")) {
                    n += o.substring("lowerdir=".length()).split("(?<!\\\\):").length;
                }
            }
            return n;
        }
    }
}
