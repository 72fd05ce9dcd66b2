package dev.cwb.samples;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig.History;
import dev.cwb.image.ImageStore;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.samples.SampleFixtures.TarItem;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds the shipped samples into temporary stores through the {@code samples} command and checks what was stored. */
class SamplesBuildTest {
    @TempDir
    static Path home;
    private static CommandHarness shell;
    private static String buildOutput;

    @BeforeAll
    static void buildAll() {
        Requirements.requireCommand("busybox", "busybox-static");
        shell = new CommandHarness(home);
        int code = shell.run("samples", "build", "--recipes", SampleFixtures.recipesDir().toString());
        buildOutput = shell.out();
        assertEquals(0, code, shell.err() + buildOutput);
    }

    private static ImageStore store() {
        return shell.workbench().images();
    }

    private static List<String> createdBy(Image image) {
        return image.config().history().stream().map(History::createdBy).toList();
    }

    @Test
    void buildPrintsALinePerLayerAndBuildsTheBaseFirst() {
        assertTrue(buildOutput.indexOf("Building busybox") < buildOutput.indexOf("Building layers-demo"), buildOutput);
        assertTrue(buildOutput.contains("HOST-BUSYBOX /bin/busybox"), buildOutput);
        assertTrue(buildOutput.contains("[1/8] FROM busybox:latest  (3 layers)"), buildOutput);
        // layers-demo is made by build from its Dockerfile: each RUN a container, its output and layer shown
        assertTrue(buildOutput.contains("Building layers-demo from " + SampleFixtures.recipesDir().resolve("layers-demo/Dockerfile")), buildOutput);
        assertTrue(buildOutput.matches("(?s).*\\[6/8\\] RUN rm -rf /app/config && mkdir /app/config && echo .*network: none.*exit 0.*"), buildOutput);
        assertTrue(buildOutput.contains("Built layers-demo:latest: 8 layers, image id "), buildOutput);
        assertTrue(buildOutput.matches("(?s).*config +\\(no layer, empty_layer: true\\) +CMD \\[\"sh\"\\].*"), buildOutput);
        assertTrue(buildOutput.contains("Built hello:latest: 1 layer, image id "), buildOutput);
    }

    @Test
    void busyboxHasTheHostBinaryItsAppletLinksAndTheUsualFiles() throws Exception {
        Image image = store().image("busybox");
        assertEquals("docker.io/library/busybox:latest", image.reference().toString());
        assertEquals(List.of("HOST-BUSYBOX /bin/busybox", "MKDIR /dev /etc /home /proc /sys /var /tmp:1777 /root:0700",
                "COPY rootfs/ /", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CMD [\"sh\"]"), createdBy(image));
        assertEquals(List.of(false, false, false, true, true), image.config().history().stream().map(History::emptyLayer).toList());
        assertEquals(List.of("sh"), image.config().runConfig().cmd());
        Platform host = Platform.host();
        assertEquals(host.architecture(), image.config().architecture());
        assertEquals(host.os(), image.config().os());

        Map<String, TarItem> layer1 = SampleFixtures.readLayer(store(), image.layers().get(0));
        byte[] hostBusybox = Files.readAllBytes(HostBusybox.find().path());
        assertArrayEquals(hostBusybox, layer1.get("bin/busybox").content());
        assertEquals(0755, layer1.get("bin/busybox").mode());
        assertEquals("busybox", layer1.get("bin/sh").linkTarget());
        assertEquals("../../bin/busybox", layer1.get("usr/bin/awk").linkTarget());
        long applets = Processes.check(null, HostBusybox.find().path().toString(), "--list-full").lines()
                .filter(l -> !l.isBlank() && !l.equals("bin/busybox")).count(); // it lists itself too
        assertEquals(applets, layer1.values().stream().filter(TarItem::symlink).count(), "one link per applet the binary lists");
        assertTrue(image.config().history().get(0).comment().contains("statically linked"));

        Map<String, TarItem> layer2 = SampleFixtures.readLayer(store(), image.layers().get(1));
        assertEquals(01777, layer2.get("tmp/").mode());
        assertEquals(0700, layer2.get("root/").mode());
        Map<String, TarItem> layer3 = SampleFixtures.readLayer(store(), image.layers().get(2));
        String passwd = new String(layer3.get("etc/passwd").content(), StandardCharsets.UTF_8);
        assertTrue(passwd.startsWith("root:x:0:0:"), passwd);
        assertTrue(passwd.contains("nobody:"), passwd);
        assertTrue(layer3.containsKey("etc/group") && layer3.containsKey("etc/hostname"));
        assertFalse(layer3.containsKey("etc/"), "/etc exists below, so this layer does not touch it");
        for (Descriptor layer : image.layers()) {
            assertEquals(MediaTypes.OCI_LAYER_GZIP, layer.mediaType());
            for (TarItem item : SampleFixtures.readLayer(store(), layer).values()) {
                assertEquals(0, item.uid());
                assertEquals(0, item.gid());
                assertEquals(SampleBuilder.sourceDateEpoch(System.getenv()), item.mtimeSeconds());
            }
        }
    }

    @Test
    void theDiffIdsAreTheSha256OfTheUncompressedLayers() throws IOException {
        Image image = store().image("layers-demo");
        for (int i = 0; i < image.layers().size(); i++) {
            byte[] tar = new java.util.zip.GZIPInputStream(Files.newInputStream(store().blobPath(image.layers().get(i).digest()))).readAllBytes();
            assertEquals(Digest.sha256(tar), image.config().diffIds().get(i));
        }
    }

    @Test
    void helloIsOneProgramThatPrintsTheRecipesGreeting(@TempDir Path dir) throws Exception {
        Image image = store().image("hello");
        assertEquals(1, image.layers().size());
        assertEquals(List.of("HELLO-PROGRAM /hello greeting.txt", "CMD [\"/hello\"]"), createdBy(image));
        assertEquals(List.of("/hello"), image.config().runConfig().cmd());
        Map<String, TarItem> layer = SampleFixtures.readLayer(store(), image.layers().get(0));
        assertEquals(List.of("hello"), List.copyOf(layer.keySet()), "no OS files at all, just the program");
        Requirements.require(Platform.host().architecture().equals("amd64"), "runs the amd64 program only on amd64");
        Path program = dir.resolve("hello");
        Files.write(program, layer.get("hello").content());
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        Processes.Result run = Processes.run(dir, List.of(program.toString()));
        assertEquals(0, run.exitCode());
        assertEquals(Files.readString(SampleFixtures.recipesDir().resolve("hello/greeting.txt")), run.output());
    }

    @Test
    void layersDemoReusesBusyboxAndHasRealWhiteouts() throws IOException {
        Image busybox = store().image("busybox");
        Image demo = store().image("layers-demo");
        assertEquals(busybox.config().diffIds(), demo.config().diffIds().subList(0, 3), "FROM busybox: the same layers");
        assertEquals(busybox.layers(), demo.layers().subList(0, 3));
        List<String> history = createdBy(demo);
        assertEquals(createdBy(busybox), history.subList(0, 5));
        assertEquals(List.of("RUN /bin/sh -c mkdir -p /var/lib/apt/lists && cd /var/lib/apt/lists     && printf 'Origin: Debian\\nLabel: Debian\\n"
                        + "Suite: stable\\nCodename: bookworm\\n' > deb.debian.org_debian_dists_bookworm_InRelease     && busybox --list | sed 's/^/Package: /'"
                        + " > deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages # buildkit",
                "COPY --chmod=0755 my-app.sh /app/my-app.sh # buildkit", "COPY config-v1/ /app/config/ # buildkit",
                "RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit",
                "RUN /bin/sh -c rm -rf /app/config && mkdir /app/config     && echo 'configuration v2, from the layer that replaced /app/config"
                        + " (an opaque whiteout hid v1 files)' > /app/config/message # buildkit",
                "WORKDIR /app", "CMD [\"/app/my-app.sh\"]"), history.subList(5, history.size()));
        demo.config().history().subList(5, history.size()).forEach(h -> assertEquals("buildkit.dockerfile.v0", h.comment()));
        assertEquals(List.of("/app/my-app.sh"), demo.config().runConfig().cmd());
        assertEquals("/app", demo.config().runConfig().workingDir());

        // the first RUN's layer: what the command wrote (the Packages file lists this busybox's tools), and the
        // directories overlayfs copied up to hold it; nothing of the run's own mount points
        Map<String, TarItem> aptLayer = SampleFixtures.readLayer(store(), demo.layers().get(3));
        assertEquals(List.of("var/", "var/lib/", "var/lib/apt/", "var/lib/apt/lists/",
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"), List.copyOf(aptLayer.keySet()));
        String packages = new String(aptLayer.get("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").content(),
                StandardCharsets.UTF_8);
        assertTrue(packages.contains("Package: sh\n") && packages.contains("Package: ls\n"), packages);
        TarItem app = SampleFixtures.readLayer(store(), demo.layers().get(4)).get("app/my-app.sh");
        assertEquals(0755, app.mode());

        Map<String, TarItem> deletion = SampleFixtures.readLayer(store(), demo.layers().get(6));
        assertEquals(List.of("var/", "var/lib/", "var/lib/apt/", "var/lib/apt/lists/",
                "var/lib/apt/lists/.wh.deb.debian.org_debian_dists_bookworm_InRelease",
                "var/lib/apt/lists/.wh.deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"), List.copyOf(deletion.keySet()));
        deletion.values().stream().filter(w -> !w.directory()).forEach(w -> assertEquals(0, w.content().length, "a whiteout is an empty file"));

        Map<String, TarItem> replaced = SampleFixtures.readLayer(store(), demo.layers().get(7));
        assertEquals(List.of("app/", "app/config/", "app/config/.wh..wh..opq", "app/config/message"), List.copyOf(replaced.keySet()));
        assertTrue(new String(replaced.get("app/config/message").content(), StandardCharsets.UTF_8).startsWith("configuration v2"));
        for (Descriptor layer : demo.layers().subList(3, 8)) {
            for (TarItem item : SampleFixtures.readLayer(store(), layer).values()) {
                assertEquals(SampleBuilder.sourceDateEpoch(System.getenv()), item.mtimeSeconds(), "SOURCE_DATE_EPOCH clamps every time");
            }
        }
    }

    @Test
    void layersDemoIsTheSameImageWhenBuiltAgainWithoutTheCache(@TempDir Path other) {
        CommandHarness fresh = new CommandHarness(other);
        assertEquals(0, fresh.run("samples", "build", "--recipes", SampleFixtures.recipesDir().toString()), fresh.err());
        assertEquals(store().image("layers-demo").id(), fresh.workbench().images().image("layers-demo").id(),
                "two builds of the same Dockerfile on the same busybox give the same image id");
    }

    @Test
    void listShowsWhatIsBuiltAndBuildSkipsItUnlessForced() {
        shell.reset();
        String recipes = SampleFixtures.recipesDir().toString();
        assertEquals(0, shell.run("samples", "--recipes", recipes));
        String id = store().image("hello").id().shortId();
        assertTrue(shell.out().matches("(?s).*hello +scratch +yes, image id " + id + ".*"), shell.out());
        assertTrue(shell.out().matches("(?s).*layers-demo +busybox +yes.*"), shell.out());
        shell.reset();
        assertEquals(0, shell.run("samples", "build", "hello", "--recipes", recipes));
        assertTrue(shell.out().contains("hello: already in the store, not built again (use --force to rebuild it)"), shell.out());
        shell.reset();
        assertEquals(0, shell.run("samples", "build", "hello", "--force", "--recipes", recipes));
        assertTrue(shell.out().contains("Built hello:latest: 1 layer, image id " + id), "the same recipe gives the same image id: " + shell.out());
    }

    @Test
    void twoBuildsInTwoStoresGiveTheSameDigests(@TempDir Path otherHome) {
        CommandHarness other = new CommandHarness(otherHome);
        assertEquals(0, other.run("samples", "build", "--recipes", SampleFixtures.recipesDir().toString()), other.err());
        for (String name : List.of("busybox", "hello", "layers-demo")) {
            Image a = store().image(name);
            Image b = other.workbench().images().image(name);
            assertEquals(a.id(), b.id(), name + " image id");
            assertEquals(a.manifestDescriptor().digest(), b.manifestDescriptor().digest(), name + " manifest");
            assertEquals(a.layers(), b.layers(), name + " layer blobs");
        }
    }

    @Test
    void aBadRecipeIsOneErrorWithFileAndLineAndStoresNothing(@TempDir Path recipes, @TempDir Path emptyHome) throws IOException {
        Path dir = Files.createDirectories(recipes.resolve("broken"));
        Files.writeString(dir.resolve("recipe"), "FROM scratch\nMKDIR /data\nCOPY missing.txt /x\nCMD [\"sh\"]\n");
        CommandHarness fresh = new CommandHarness(emptyHome);
        int code = fresh.run("samples", "build", "--recipes", recipes.toString());
        assertEquals(dev.cwb.CwbException.BAD_INPUT, code);
        String err = fresh.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: " + dir.resolve("recipe") + " line 3: COPY: no file 'missing.txt' in "), err);
        assertTrue(fresh.workbench().images().list().isEmpty(), "nothing half-built in the store");
        try (var blobs = Files.list(fresh.workbench().images().root().resolve("blobs/sha256"))) {
            assertEquals(0, blobs.count(), "no stray blobs");
        }
    }

    @Test
    void deletingWhatIsNotThereIsAnError(@TempDir Path recipes, @TempDir Path emptyHome) throws IOException {
        Path dir = Files.createDirectories(recipes.resolve("oops"));
        Files.writeString(dir.resolve("recipe"), "FROM scratch\nDELETE /etc/passwd\n");
        CommandHarness fresh = new CommandHarness(emptyHome);
        assertEquals(dev.cwb.CwbException.BAD_INPUT, fresh.run("samples", "build", "--recipes", recipes.toString()));
        assertTrue(fresh.err().contains("line 2: DELETE: /etc/passwd does not exist in the image"), fresh.err());
    }

    @Test
    void fromAnImageThatIsNotThereSaysHowToGetIt(@TempDir Path recipes, @TempDir Path emptyHome) throws IOException {
        Path dir = Files.createDirectories(recipes.resolve("child"));
        Files.writeString(dir.resolve("recipe"), "# base missing\nFROM alpine\nCMD [\"sh\"]\n");
        CommandHarness fresh = new CommandHarness(emptyHome);
        assertEquals(dev.cwb.CwbException.NOT_FOUND, fresh.run("samples", "build", "--recipes", recipes.toString()));
        assertTrue(fresh.err().contains("child/recipe line 2: FROM alpine: no such image 'alpine'"), fresh.err());
        assertNotNull(fresh.err());
    }
}
