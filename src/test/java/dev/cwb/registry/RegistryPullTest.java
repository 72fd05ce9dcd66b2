package dev.cwb.registry;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Manifest;
import dev.cwb.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pull} and {@code push} against a real docker-registry filled by skopeo from umoci-built images. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryPullTest {
    @TempDir
    static Path tmp;
    LocalRegistry registry;
    Path layout;
    Descriptor app;
    Manifest appManifest;
    Descriptor amd64;
    Descriptor arm64;
    Descriptor multi;

    @BeforeAll
    void startRegistryAndFillIt() throws Exception {
        layout = tmp.resolve("source");
        SourceImages.build(tmp, layout, "app", "amd64", 1, 1 << 20);
        SourceImages.build(tmp, layout, "amd", "amd64", 2, 4096);
        SourceImages.build(tmp, layout, "arm", "arm64", 3, 4096);
        Map<String, Platform> platforms = new java.util.LinkedHashMap<>();
        platforms.put("amd", new Platform("amd64", "linux", null));
        platforms.put("arm", new Platform("arm64", "linux", "v8"));
        multi = SourceImages.addIndex(layout, "multi", platforms);
        app = SourceImages.entry(layout, "app");
        appManifest = SourceImages.manifest(layout, app);
        amd64 = SourceImages.entry(layout, "amd");
        arm64 = SourceImages.entry(layout, "arm");
        registry = LocalRegistry.start(tmp.resolve("registry"), null);
        registry.fill(layout, "app", "e2e/app:v1", null, false);
        registry.fill(layout, "multi", "e2e/multi:v1", null, true);
    }

    @AfterAll
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private CommandHarness freshHome(String name) {
        return new CommandHarness(tmp.resolve("homes").resolve(name + "-" + System.nanoTime()));
    }

    @Test
    void pullsAnonymouslyLikeDockerAndUnpacksToTheSameTreeAsTheSource() throws Exception {
        CommandHarness cwb = freshHome("anon");
        String ref = registry.host() + "/e2e/app:v1";
        assertEquals(0, cwb.run("pull", ref), cwb.err());
        String out = cwb.out();
        assertTrue(out.startsWith("v1: Pulling from " + registry.host() + "/e2e/app\n"), out);
        for (Descriptor layer : appManifest.layers()) {
            assertTrue(out.contains(layer.digest().shortId() + ": Pulling fs layer\n"), out);
            assertTrue(out.contains(layer.digest().shortId() + ": Pull complete\n"), out);
        }
        assertTrue(out.contains("Digest: " + app.digest() + "\n"), out);
        assertTrue(out.contains("Status: Downloaded newer image for " + ref + "\n"), out);

        cwb.reset();
        assertEquals(0, cwb.run("images"), cwb.err());
        assertTrue(cwb.out().contains(registry.host() + "/e2e/app"), cwb.out());
        assertTrue(cwb.out().contains(appManifest.config().digest().shortId()), "images shows the pulled image's id: " + cwb.out());

        cwb.reset();
        assertEquals(0, cwb.run("load", layout.toString(), "--name", "source/app"), cwb.err());
        Path pulledTree = tmp.resolve("tree-pulled");
        Path sourceTree = tmp.resolve("tree-source");
        assertEquals(0, cwb.run("unpack", "--flat", ref, pulledTree.toString()), cwb.err());
        assertEquals(0, cwb.run("unpack", "--flat", "source/app:app", sourceTree.toString()), cwb.err());
        Map<String, String> pulled = tree(pulledTree);
        assertEquals(tree(sourceTree), pulled);
        assertTrue(pulled.containsKey("bin/hello.sh") && !pulled.containsKey("data/old.txt"), pulled.keySet().toString());

        cwb.reset();
        assertEquals(0, cwb.run("pull", ref), cwb.err());
        assertTrue(cwb.out().contains("Status: Image is up to date for " + ref), cwb.out());
    }

    @Test
    void pullsByDigestAndSharesLayersAlreadyStored() {
        CommandHarness cwb = freshHome("digest");
        assertEquals(0, cwb.run("pull", registry.host() + "/e2e/app:v1"), cwb.err());
        cwb.reset();
        String byDigest = registry.host() + "/e2e/app@" + app.digest();
        assertEquals(0, cwb.run("pull", byDigest), cwb.err());
        for (Descriptor layer : appManifest.layers()) {
            assertTrue(cwb.out().contains(layer.digest().shortId() + ": Already exists"), cwb.out());
        }
        assertEquals(app.digest(), cwb.workbench().images().image(byDigest).manifestDescriptor().digest());
    }

    @Test
    void choosesThePlatformFromAnIndex() throws Exception {
        CommandHarness cwb = freshHome("multi");
        String ref = registry.host() + "/e2e/multi:v1";
        assertEquals(0, cwb.run("pull", "--platform", "linux/arm64", ref), cwb.err());
        assertTrue(cwb.out().contains("Digest: " + multi.digest()), "docker prints the index digest: " + cwb.out());
        assertEquals(SourceImages.manifest(layout, arm64).config().digest(), cwb.workbench().images().image(ref).id());

        if (Platform.host().architecture().equals("amd64")) {
            cwb.reset();
            assertEquals(0, cwb.run("pull", ref), cwb.err());
            assertEquals(SourceImages.manifest(layout, amd64).config().digest(), cwb.workbench().images().image(ref).id());
        }
        cwb.reset();
        assertEquals(3, cwb.run("pull", "--platform", "linux/s390x", ref));
        assertTrue(cwb.err().contains("has no image for linux/s390x (it offers: linux/amd64, linux/arm64/v8)"), cwb.err());
    }

    @Test
    void explainPrintsTheExchangesInOrder() {
        CommandHarness cwb = freshHome("explain");
        assertEquals(0, cwb.run("pull", "--explain", registry.host() + "/e2e/app:v1"), cwb.err());
        String out = cwb.out();
        int ping = out.indexOf("> GET http://" + registry.host() + "/v2/\n");
        int manifest = out.indexOf("> GET http://" + registry.host() + "/v2/e2e/app/manifests/v1\n");
        int blob = out.indexOf("> GET http://" + registry.host() + "/v2/e2e/app/blobs/" + appManifest.layers().get(0).digest());
        assertTrue(ping >= 0 && manifest > ping && blob > manifest, out);
        assertTrue(out.contains(">   Accept: application/vnd.oci.image.index.v1+json"), out);
        assertTrue(out.contains("<   Docker-Content-Digest: " + app.digest()), out);
        assertTrue(out.contains("<   Content-Type: application/vnd.oci.image.manifest.v1+json"), out);
    }

    @Test
    void unknownTagAndRepositoryAreOneClearLineAndStoreNothing() {
        CommandHarness cwb = freshHome("missing");
        assertEquals(3, cwb.run("pull", registry.host() + "/e2e/app:nope"));
        assertTrue(cwb.err().startsWith("error: manifest " + registry.host() + "/e2e/app:nope not found on " + registry.host()
                + ": that tag or digest does not exist in the repository"), cwb.err());
        assertTrue(cwb.err().contains("MANIFEST_UNKNOWN"), cwb.err());
        cwb.reset();
        assertEquals(3, cwb.run("pull", registry.host() + "/no/such:v1"));
        assertTrue(cwb.err().contains("NAME_UNKNOWN") || cwb.err().contains("does not exist"), cwb.err());
        assertEquals(1, cwb.err().lines().count(), cwb.err());
        assertTrue(cwb.workbench().images().list().isEmpty());
    }

    @Test
    void connectionRefusedSaysSo() throws Exception {
        CommandHarness cwb = freshHome("refused");
        int port = LocalRegistry.freePort();
        assertEquals(6, cwb.run("pull", "127.0.0.1:" + port + "/x:y"));
        assertEquals("error: cannot reach registry 127.0.0.1:" + port + ": connection refused — is the registry running and the port right?"
                + " (no network? set CWB_REGISTRY_MIRROR to a classroom mirror)\n", cwb.err());
    }

    @Test
    void pushThenPullBackGivesTheSameManifestDigest() {
        CommandHarness teacher = freshHome("teacher");
        assertEquals(0, teacher.run("load", layout.toString(), "--name", "class/app"), teacher.err());
        String target = registry.host() + "/pushed/app:v2";
        assertEquals(0, teacher.run("push", "class/app:app", target), teacher.err());
        assertTrue(teacher.out().contains("v2: digest: " + app.digest()), teacher.out());
        assertTrue(teacher.out().contains(appManifest.layers().get(0).digest().shortId() + ": Pushed")
                || teacher.out().contains(appManifest.layers().get(0).digest().shortId() + ": Layer already exists"), teacher.out());

        CommandHarness student = freshHome("student");
        assertEquals(0, student.run("pull", target), student.err());
        assertTrue(student.out().contains("Digest: " + app.digest()), student.out());
        assertEquals(app.digest(), student.workbench().images().image(target).manifestDescriptor().digest());
    }

    /** Relative path to a description of what is there: file content, link target or "dir". */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty()) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    result.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    result.put(rel, "dir");
                } else {
                    result.put(rel, "file " + dev.cwb.image.Digest.sha256(Files.readAllBytes(p)));
                }
            }
        }
        return result;
    }

    @Test
    void nothingIsLeftInIngestAfterAFailure() throws Exception {
        CommandHarness cwb = freshHome("ingest");
        cwb.run("pull", registry.host() + "/e2e/app:nope");
        Path ingest = cwb.workbench().images().root().resolve("ingest");
        assertFalse(Files.exists(ingest) && Files.list(ingest).findAny().isPresent(), "ingest is empty");
    }
}
