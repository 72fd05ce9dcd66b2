package dev.cwb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Image;
import dev.cwb.image.Json;
import dev.cwb.image.TestImages;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** diff and cat as a learner sees them, over small real images in a temporary store. */
class DiffCatCommandsTest {
    static final String BINARY = "\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000 fake program";

    @TempDir
    Path home;
    @TempDir
    Path work;
    CommandHarness cwb;

    @BeforeEach
    void setUp() {
        cwb = new CommandHarness(home);
        new TestImages()
                .layer("ADD rootfs /", new TestImages.Layer()
                        .dir("etc").file("etc/passwd", "root:x:0:0\n").file("etc/motd", "hi\n")
                        .hardlink("etc/passwd.link", "etc/passwd")
                        .dir("bin").file("bin/busybox", BINARY, 0755).symlink("bin/sh", "busybox")
                        .symlink("usr/bin/awk", "../../bin/busybox").symlink("abs", "/etc/passwd").symlink("etcdir", "/etc")
                        .symlink("escape", "../../../../etc/passwd").symlink("loop1", "loop2").symlink("loop2", "loop1")
                        .file("app/config/a", "a1").file("app/config/b", "b1"))
                .layer("RUN edit passwd, rm motd", new TestImages.Layer()
                        .dir("etc").file("etc/passwd", "root:x:0:0:v2\n").whiteout("etc/motd"))
                .layer("REPLACE-DIR config", new TestImages.Layer().opaque("app/config").file("app/config/b", "b2"))
                .store(cwb.workbench().images(), "lab:1");
        new TestImages()
                .layer("ADD data", new TestImages.Layer().file("data/big", "a".repeat(1000)).file("data/gone", "b".repeat(1000))
                        .file("data/keep", "c".repeat(100)))
                .layer("RUN overwrite big, rm gone", new TestImages.Layer().file("data/big", "A".repeat(10)).whiteout("data/gone"))
                .store(cwb.workbench().images(), "waste:1");
    }

    private JsonNode json(String... args) throws Exception {
        cwb.reset();
        assertEquals(0, cwb.run(args), cwb.err());
        return Json.mapper().readTree(cwb.out());
    }

    private static Map<String, String> marks(JsonNode diff) {
        Map<String, String> m = new HashMap<>();
        for (JsonNode c : diff.get("changes")) {
            m.put(c.get("path").asText(), c.get("mark").asText() + " " + c.get("size").asLong() + (c.get("replaced").asBoolean() ? " replaced" : ""));
        }
        return m;
    }

    @Test
    void layerDiffMarksModificationsAndWhiteouts() throws Exception {
        JsonNode d = json("diff", "lab:1", "2", "--json");
        assertEquals(Map.of("/etc", "M 0", "/etc/passwd", "M 14", "/etc/motd", "D 3"), marks(d));
        assertEquals(1, d.get("changes").findValues("fromLayer").stream()
                .filter(n -> n.asInt() == 1).count(), "the deleted motd came from layer 1");
        assertEquals("RUN edit passwd, rm motd", d.get("createdBy").asText());
    }

    @Test
    void opaqueDirectoryShowsReplacedAndWhatItHides() throws Exception {
        assertEquals(Map.of("/app/config", "M 0 replaced", "/app/config/a", "D 2", "/app/config/b", "M 2"),
                marks(json("diff", "lab:1", "3", "--json")));
        cwb.reset();
        assertEquals(0, cwb.run("diff", "lab:1", "3"));
        String out = cwb.out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("M") && l.contains("config/ (replaced")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("D\\s+2B\\s+.*a")), out);
        assertFalse(out.contains("\u001b["), "no colour unless the workbench allows it");
    }

    @Test
    void colouredMarksWhenTheTerminalAllowsIt() {
        cwb.workbench().setColor(true);
        assertEquals(0, cwb.run("diff", "lab:1", "2"));
        assertTrue(cwb.out().contains("\u001b[33mM"), cwb.out());
        assertTrue(cwb.out().contains("\u001b[31mD"), cwb.out());
    }

    @Test
    void filtersByMarkAndPath() throws Exception {
        assertEquals(Map.of("/etc/motd", "D 3"), marks(json("diff", "lab:1", "2", "--removed", "--json")));
        assertEquals(Map.of("/etc", "M 0", "/etc/passwd", "M 14"), marks(json("diff", "lab:1", "2", "--modified", "--json")));
        Map<String, String> underBin = marks(json("diff", "lab:1", "1", "/bin", "--json"));
        assertEquals(Map.of("/bin", "A 0", "/bin/busybox", "A " + BINARY.length(), "/bin/sh", "A 0"), underBin);
        // the layer named by a prefix of its diff_id is the same layer
        Image img = cwb.workbench().images().image("lab:1");
        String prefix = img.config().diffIds().get(1).encoded().substring(0, 10);
        assertEquals(Map.of("/etc/motd", "D 3"), marks(json("diff", "lab:1", prefix, "--removed", "--json")));
    }

    @Test
    void aggregateShowsTheMergedTreeWithTheLayerThatLastChangedEachPath() throws Exception {
        JsonNode afterTwo = json("diff", "lab:1", "2", "--aggregate", "--json");
        Map<String, Integer> layerOf = new HashMap<>();
        afterTwo.get("paths").forEach(p -> layerOf.put(p.get("path").asText(), p.get("layer").asInt()));
        assertEquals(2, layerOf.get("/etc/passwd"));
        assertEquals(1, layerOf.get("/bin/busybox"));
        assertEquals(1, layerOf.get("/app/config/a"), "still there after layer 2");
        assertFalse(layerOf.containsKey("/etc/motd"));
        JsonNode top = json("diff", "lab:1", "--aggregate", "/app", "--json");
        assertEquals(3, top.get("afterLayer").asInt());
        assertEquals("[\"/app\",\"/app/config\",\"/app/config/b\"]", Json.mapper().writeValueAsString(top.get("paths").findValuesAsText("path")));
    }

    @Test
    void efficiencyOfAnImageWithAnOverwrittenAndADeletedFile() throws Exception {
        JsonNode s = json("diff", "waste:1", "--json");
        JsonNode e = s.get("efficiency");
        // every version: 1000 (big) + 1000 (gone) + 100 (keep) + 10 (big again) = 2110; visible: 10 + 100
        assertEquals(2110, e.get("totalFileBytes").asLong());
        assertEquals(110, e.get("survivingBytes").asLong());
        assertEquals(2000, e.get("wastedBytes").asLong());
        assertEquals(110.0 / 2110, e.get("score").asDouble(), 1e-9);
        JsonNode worst = s.get("wastedFiles");
        assertEquals("/data/big", worst.get(0).get("path").asText());
        assertEquals(2, worst.get(0).get("versions").asInt());
        assertEquals(1000, worst.get(0).get("wastedBytes").asLong());
        assertEquals("/data/gone", worst.get(1).get("path").asText());
        assertEquals(2, s.get("layers").size());
        assertEquals(1, s.get("layers").get(1).get("modified").asInt());
        assertEquals(1, s.get("layers").get(1).get("deleted").asInt());
        cwb.reset();
        assertEquals(0, cwb.run("diff", "waste:1"));
        assertTrue(cwb.out().contains("potential wasted space:  2.00kB"), cwb.out());
        assertTrue(cwb.out().contains("efficiency score:  5.21 %"), cwb.out());
    }

    @Test
    void bigLayersAreCollapsedWithAHint() {
        TestImages.Layer many = new TestImages.Layer();
        for (int i = 0; i < 300; i++) {
            many.file("opt/pkg/lib/f" + i, "x");
        }
        new TestImages().layer("ADD many", many).store(cwb.workbench().images(), "many:1");
        assertEquals(0, cwb.run("diff", "many:1", "1"));
        assertTrue(cwb.out().contains("(+300 entries)"), cwb.out());
        assertTrue(cwb.out().contains("diff many:1 1 /opt"), cwb.out());
        assertTrue(cwb.out().lines().count() < 30, cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("diff", "many:1", "1", "--all"));
        assertTrue(cwb.out().contains("f299"), cwb.out());
    }

    @Test
    void catFollowsSymlinksInsideTheImage() {
        assertEquals(0, cwb.run("cat", "lab:1", "/abs"));
        assertEquals("root:x:0:0:v2\n", cwb.out());
        cwb.reset();
        // ../../../../etc/passwd from / stays at the image's root: the image's passwd, never the host's
        assertEquals(0, cwb.run("cat", "lab:1", "/escape"));
        assertEquals("root:x:0:0:v2\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "lab:1", "/etcdir/../etcdir/passwd"));
        assertEquals("root:x:0:0:v2\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "lab:1", "/etcdir"));
        assertTrue(cwb.out().contains("/etc/ is a directory"), cwb.out());
        assertTrue(cwb.out().contains("passwd"), cwb.out());
        assertFalse(cwb.out().contains("motd"), "deleted by layer 2: " + cwb.out());
        cwb.reset();
        assertEquals(4, cwb.run("cat", "lab:1", "/loop1"));
        assertTrue(cwb.err().contains("too many levels of symbolic links"), cwb.err());
    }

    @Test
    void binaryContentIsDescribedNotDumped(@TempDir Path out) throws Exception {
        assertEquals(0, cwb.run("cat", "lab:1", "/usr/bin/awk"));
        assertTrue(cwb.out().contains("/usr/bin/awk → ../../bin/busybox") || cwb.out().contains("/usr/bin/awk -> ../../bin/busybox"), cwb.out());
        assertTrue(cwb.out().contains("/bin/busybox (layer 1 of lab:1): ELF 64-bit LSB"), cwb.out());
        assertFalse(cwb.out().contains("fake program"), cwb.out());
        cwb.reset();
        Path saved = out.resolve("sh.bin");
        assertEquals(0, cwb.run("cat", "-o", saved.toString(), "lab:1", "/bin/sh"));
        assertArrayEquals(BINARY.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(saved));
        cwb.reset();
        assertEquals(4, cwb.run("cat", "-o", saved.toString(), "lab:1", "/etc/passwd"), "an existing file is not replaced");
        assertTrue(cwb.err().contains("already exists") && cwb.err().contains("--force"), cwb.err());
        assertArrayEquals(BINARY.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(saved));
        assertEquals(0, cwb.run("cat", "-f", "-o", saved.toString(), "lab:1", "/bin/sh"));
        cwb.reset();
        assertEquals(0, cwb.run("cat", "--hex", "lab:1", "/bin/sh"));
        assertTrue(cwb.out().startsWith("00000000: 7f45 4c46"), cwb.out());
    }

    @Test
    void hardlinkShowsItsTargetAsItWasWhenLinked() {
        // layer 2 replaced /etc/passwd; the link made in layer 1 still has the old file
        assertEquals(0, cwb.run("cat", "lab:1", "/etc/passwd.link"), cwb.err());
        assertEquals("root:x:0:0\n", cwb.out());
    }

    @Test
    void deletedAndMissingFilesSayWhy() {
        assertEquals(3, cwb.run("cat", "lab:1", "/etc/motd"));
        assertTrue(cwb.err().contains("'/etc/motd' was deleted by layer 2 of lab:1"), cwb.err());
        assertTrue(cwb.err().contains("cat lab:1@1 /etc/motd"), cwb.err());
        cwb.reset();
        assertEquals(3, cwb.run("cat", "lab:1", "/app/config/a"));
        assertTrue(cwb.err().contains("layer 3 replaced the directory /app/config"), cwb.err());
        cwb.reset();
        assertEquals(3, cwb.run("cat", "lab:1", "/nothing/here"));
        assertTrue(cwb.err().contains("no such file '/nothing' in lab:1 after layer 3"), cwb.err());
        assertEquals("", cwb.out());
    }

    @Test
    void atLayerShowsTheFileAsThatLayerLeftIt() {
        assertEquals(0, cwb.run("cat", "lab:1@1", "/etc/motd"));
        assertEquals("hi\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "lab:1@2", "/app/config/a"));
        assertEquals("a1", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "lab:1@1", "/etc/passwd"));
        assertEquals("root:x:0:0\n", cwb.out());
        cwb.reset();
        assertEquals(4, cwb.run("cat", "lab:1@7", "/etc/passwd"));
        assertTrue(cwb.err().contains("there is no layer 7 in lab:1"), cwb.err());
    }

    @Test
    void aCorruptLayerIsAnErrorNamingItAndNothingIsShown() throws Exception {
        Image img = cwb.workbench().images().image("lab:1");
        Path blob = cwb.workbench().images().blobPath(img.layers().get(0).digest());
        blob.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(blob, bytes);
        assertEquals(5, cwb.run("cat", "lab:1", "/bin/busybox"));
        assertTrue(cwb.err().contains("layer 1 of lab:1"), cwb.err());
        assertEquals("", cwb.out());
        cwb.reset();
        assertEquals(5, cwb.run("diff", "lab:1", "2"));
        assertTrue(cwb.err().contains("layer 1 of lab:1"), cwb.err());
        assertEquals("", cwb.out());
    }

    @Test
    void theBusyboxSample() throws Exception {
        Requirements.requireCommand("busybox", "busybox-static");
        String repo = System.getenv("CWB_TEST_REPO");
        Path recipes = (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath().resolve("sample-images");
        assertEquals(0, cwb.run("samples", "build", "busybox", "--recipes", recipes.toString()), cwb.err());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "busybox", "/bin/sh"));
        assertTrue(cwb.out().contains("/bin/busybox (layer 1 of busybox:latest): ELF"), cwb.out());
        JsonNode bin = json("diff", "busybox", "1", "/bin", "--json");
        boolean shLinked = false;
        for (JsonNode c : bin.get("changes")) {
            shLinked |= c.get("path").asText().equals("/bin/sh") && c.get("mark").asText().equals("A")
                    && c.get("linkTarget").asText().equals("busybox");
        }
        assertTrue(shLinked, bin.toString());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "busybox", "/etc/passwd"));
        assertTrue(cwb.out().startsWith("root:"), cwb.out());
    }
}
