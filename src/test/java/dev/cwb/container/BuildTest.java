package dev.cwb.container;

import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code build}: a Dockerfile made into an image, each RUN a real container of the workbench, each layer
 * that container's upper directory; the steps as a learner reads them; the cache; and the history and
 * config as BuildKit writes them.
 */
class BuildTest {
    @TempDir
    static Path home;
    @TempDir
    static Path tmp;
    static ContainerBench cwb;
    static Path ctx;
    static ContainerBench.Result first;

    static final String DOCKERFILE = """
            FROM busybox
            ARG WHO=world
            ENV GREETING="hello $WHO"
            WORKDIR /app
            COPY data/ ./data/
            RUN echo "$GREETING" > greeting && cat greeting && readlink /proc/self/ns/net
            RUN rm /etc/hostname && rm -rf /app/data/sub && mkdir /app/data/sub && echo new > /app/data/sub/c
            COPY tool.sh /usr/local/bin/
            LABEL org.example.kind=demo
            CMD ["cat", "/app/greeting"]
            """;

    @BeforeAll
    static void buildOnce() throws IOException {
        cwb = ContainerBench.open(home);
        ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx.resolve("data/sub"));
        Files.writeString(ctx.resolve("data/a.txt"), "a\n");
        Files.writeString(ctx.resolve("data/sub/b.txt"), "b\n");
        Files.writeString(ctx.resolve("tool.sh"), "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(ctx.resolve("tool.sh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(ctx.resolve("notes.txt"), "not copied by any step\n");
        Files.writeString(ctx.resolve("Dockerfile"), DOCKERFILE);
        first = cwb.ok("build", "-t", "built:v1", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void eachStepSaysWhatItDidAndARunIsAContainerWithoutNetwork() {
        String out = first.out();
        assertTrue(out.contains("[1/10] FROM busybox:latest"), out);
        assertTrue(out.contains("[6/10] RUN echo \"$GREETING\" > greeting && cat greeting"), out);
        assertTrue(out.contains("network: none"), out);
        assertTrue(out.contains("      | hello world"), "the RUN's output, prefixed: " + out);
        assertTrue(out.contains("syscalls: "), out);
        assertTrue(out.contains("history: COPY data/ ./data/ # buildkit"), out);
        assertTrue(out.matches("(?s).*Built built:v1 · image id [0-9a-f]{12} · 8 layers · 10 steps in .*"), out);
        // the RUN's network namespace is not the workbench's: its own, holding only lo
        assertTrue(out.contains("      | net:["), out);
        assertFalse(out.contains("net:[" + netNamespaceOfThisJvm() + "]"), out);
    }

    @Test
    void historyAndConfigAreBuildKits() {
        Image img = image("built:v1");
        List<ImageConfig.History> h = img.config().history();
        List<ImageConfig.History> mine = h.subList(h.size() - 9, h.size());
        assertEquals(List.of("ARG WHO=world", "ENV GREETING=hello world", "WORKDIR /app", "COPY data/ ./data/ # buildkit",
                "RUN |1 WHO=world /bin/sh -c echo \"$GREETING\" > greeting && cat greeting && readlink /proc/self/ns/net # buildkit",
                "RUN |1 WHO=world /bin/sh -c rm /etc/hostname && rm -rf /app/data/sub && mkdir /app/data/sub && echo new > /app/data/sub/c # buildkit",
                "COPY tool.sh /usr/local/bin/ # buildkit", "LABEL org.example.kind=demo", "CMD [\"cat\" \"/app/greeting\"]"),
                mine.stream().map(ImageConfig.History::createdBy).toList());
        assertEquals(List.of(true, true, false, false, false, false, false, true, true), mine.stream().map(ImageConfig.History::emptyLayer).toList());
        assertTrue(mine.stream().allMatch(e -> "buildkit.dockerfile.v0".equals(e.comment())));
        assertTrue(mine.stream().allMatch(e -> "2023-11-14T22:13:20Z".equals(e.created())), "SOURCE_DATE_EPOCH sets every time");
        ImageConfig.RunConfig c = img.config().runConfig();
        assertEquals("/app", c.workingDir());
        assertEquals(List.of("cat", "/app/greeting"), c.cmd());
        assertTrue(c.env().contains("GREETING=hello world"), c.env().toString());
        assertEquals("demo", c.labels().get("org.example.kind"));
        ContainerBench.Result run = cwb.ok("run", "built:v1");
        assertEquals("hello world", run.lines().get(0), run.toString());
        ContainerBench.Result history = cwb.ok("history", "built:v1");
        assertTrue(history.out().contains("COPY data/ ./data/ # buildkit"), history.toString());
    }

    @Test
    void aRunsDeletionsAreWhiteoutsAndItsReplacedDirectoryIsOpaqueInTheTar() throws IOException {
        Image img = image("built:v1");
        List<String> names = entries(img, img.layers().size() - 2); // the second RUN's layer
        assertTrue(names.contains("etc/.wh.hostname"), names.toString());
        int dir = names.indexOf("app/data/sub/");
        assertTrue(dir >= 0 && names.get(dir + 1).equals("app/data/sub/.wh..wh..opq"), names.toString());
        assertTrue(names.contains("app/data/sub/c"), names.toString());
        for (int i = 0; i < img.layers().size(); i++) {
            for (String n : entries(img, i)) {
                if (i >= 3) { // the layers the build made: no mount point of a run's own
                    assertFalse(n.startsWith("proc/") || n.startsWith("sys/") || n.startsWith("dev/"), "layer " + i + " holds " + n);
                }
            }
        }
        ContainerBench.Result ls = cwb.ok("run", "built:v1", "ls", "/app/data/sub");
        assertEquals(List.of("c"), ls.lines().subList(0, 1), ls.toString());
    }

    @Test
    void anUnchangedRebuildIsAllCachedAndTheSameImage() {
        ContainerBench.Result again = cwb.ok("build", "-t", "built:v1", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
        for (int step = 2; step <= 10; step++) {
            assertTrue(again.out().contains("[" + step + "/10] CACHED "), "step " + step + " ran again:\n" + again.out());
        }
        assertFalse(again.out().contains("      | hello world"), "a cached RUN ran");
        assertEquals(idIn(first.out()), idIn(again.out()));
    }

    @Test
    void changingOneCopySourceRerunsFromThatStepOnly() throws IOException {
        Path ctx2 = tmp.resolve("ctx2");
        copyTree(ctx, ctx2);
        cwb.ok("build", "-t", "built:c2", ctx2.toString());
        Files.writeString(ctx2.resolve("notes.txt"), "changed, but no step takes it\n");
        Files.setLastModifiedTime(ctx2.resolve("data/a.txt"), java.nio.file.attribute.FileTime.fromMillis(0)); // a time is not content
        ContainerBench.Result same = cwb.ok("build", "-t", "built:c2", ctx2.toString());
        assertTrue(same.out().contains("[5/10] CACHED COPY data/"), same.out());
        assertTrue(same.out().contains("[8/10] CACHED COPY tool.sh"), same.out());

        Files.writeString(ctx2.resolve("tool.sh"), "#!/bin/sh\necho tool v2\n");
        ContainerBench.Result changed = cwb.ok("build", "-t", "built:c2", ctx2.toString());
        for (int step = 2; step <= 7; step++) {
            assertTrue(changed.out().contains("[" + step + "/10] CACHED "), "step " + step + " ran again:\n" + changed.out());
        }
        assertTrue(changed.out().contains("[8/10] COPY tool.sh /usr/local/bin/"), changed.out());
        assertFalse(changed.out().contains("[8/10] CACHED"), changed.out());
        assertFalse(changed.out().contains("[9/10] CACHED") || changed.out().contains("[10/10] CACHED"), "steps after the change must rerun");
        assertEquals("tool v2", cwb.ok("run", "built:c2", "tool.sh").lines().get(0));

        ContainerBench.Result noCache = cwb.ok("build", "--no-cache", "-t", "built:c2", ctx2.toString());
        assertFalse(noCache.out().contains("CACHED"), noCache.out());
        assertTrue(cwb.ok("builder", "ls").out().contains("COPY tool.sh /usr/local/bin/ # buildkit"));
    }

    @Test
    void twoBuildsWithSourceDateEpochGiveTheSameImageId() {
        ContainerBench.Result a = cwb.ok("build", "--no-cache", "-t", "repro:a", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
        ContainerBench.Result b = cwb.ok("build", "--no-cache", "-t", "repro:b", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
        assertEquals(idIn(a.out()), idIn(b.out()), "the same context, built twice with no cache, must give the same image");
        assertNotEquals(null, idIn(a.out()));
    }

    static String idIn(String out) {
        Matcher m = Pattern.compile("image id ([0-9a-f]{12})").matcher(out);
        String id = null;
        while (m.find()) {
            id = m.group(1);
        }
        return id;
    }

    static Image image(String ref) {
        return cwb.harness().workbench().images().image(ref);
    }

    static List<String> entries(Image img, int layer) throws IOException {
        ImageStore store = cwb.harness().workbench().images();
        List<String> names = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(store.blobPath(img.layers().get(layer).digest())));
             TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = t.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        return names;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static String netNamespaceOfThisJvm() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            return link.replaceAll("\\D", "");
        } catch (IOException e) {
            return "?";
        }
    }
}
