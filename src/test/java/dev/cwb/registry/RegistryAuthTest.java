package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Manifest;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logins (Basic against a real htpasswd registry, Bearer through a token front), resume, 429 and a tampered blob. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryAuthTest {
    @TempDir
    static Path tmp;
    LocalRegistry open;
    TokenFront front;
    Path layout;
    Descriptor app;
    Manifest appManifest;

    @BeforeAll
    void start() throws Exception {
        layout = tmp.resolve("source");
        SourceImages.build(tmp, layout, "app", "amd64", 7, 1 << 20);
        app = SourceImages.entry(layout, "app");
        appManifest = SourceImages.manifest(layout, app);
        open = LocalRegistry.start(tmp.resolve("open"), null);
        open.fill(layout, "app", "e2e/app:v1", null, false);
        front = new TokenFront(URI.create("http://" + open.host()));
    }

    @AfterAll
    void stop() {
        if (front != null) {
            front.close();
        }
        if (open != null) {
            open.close();
        }
    }

    private Path dockerConfig(String host, String user, String password) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "docker");
        if (user != null) {
            String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
        }
        return dir;
    }

    private ImageStore store() throws Exception {
        return ImageStore.open(Files.createTempDirectory(tmp, "store"));
    }

    private PullResult pull(ImageStore store, String ref, Path dockerConfig, HttpTrace trace) throws Exception {
        RegistrySettings settings = new RegistrySettings(null, Set.of(), dockerConfig);
        return new ImagePuller(store, settings, trace, PullListener.NONE, 3).pull(Reference.parse(ref), Platform.host());
    }

    @Test
    void bearerTokenAnonymouslyWithABrokenDownloadResumedByRange() throws Exception {
        front.basicUserPassword = null;
        front.cutBlobDownloads.set(1);
        StringWriter trace = new StringWriter();
        ImageStore store = store();
        PullResult r = pull(store, front.host() + "/e2e/app:v1", dockerConfig(front.host(), null, null), new ExplainPrinter(new PrintWriter(trace, true)));
        assertEquals(app.digest(), r.manifest().digest());
        assertEquals(appManifest.config().digest(), store.image(front.host() + "/e2e/app:v1").id());
        String t = trace.toString();
        assertTrue(t.contains("<   WWW-Authenticate: Bearer realm=\"http://" + front.host() + "/token\""), t);
        assertTrue(t.contains("> GET http://" + front.host() + "/token?service=front&scope=repository%3Ae2e%2Fapp%3Apull"), t);
        assertTrue(t.contains(">   Authorization: Bearer <redacted>"), t);
        assertFalse(t.contains(TokenFront.TOKEN), "the token never appears in the trace");
        assertTrue(t.contains("resuming at byte"), t);
        assertTrue(t.contains(">   Range: bytes="), t);
    }

    @Test
    void bearerTokenWithSavedLoginAndWrongPassword() throws Exception {
        front.basicUserPassword = "teacher:s3cret";
        try {
            PullResult ok = pull(store(), front.host() + "/e2e/app:v1", dockerConfig(front.host(), "teacher", "s3cret"), HttpTrace.NONE);
            assertEquals(app.digest(), ok.digest());
            ImageStore store = store();
            CwbException e = assertThrows(CwbException.class,
                    () -> pull(store, front.host() + "/e2e/app:v1", dockerConfig(front.host(), "teacher", "wrong"), HttpTrace.NONE));
            assertTrue(e.oneLine().contains("401 Unauthorized") && e.oneLine().contains("the user or password is wrong"), e.oneLine());
            assertTrue(store.list().isEmpty());
        } finally {
            front.basicUserPassword = null;
        }
    }

    @Test
    void rateLimitingNamesRetryAfter() throws Exception {
        front.rateLimit = true;
        try {
            CwbException e = assertThrows(CwbException.class, () -> pull(store(), front.host() + "/e2e/app:v1", dockerConfig(front.host(), null, null), HttpTrace.NONE));
            assertEquals(front.host() + " is rate limiting requests: 429 Too Many Requests; Retry-After: 30 seconds (TOOMANYREQUESTS: slow down)", e.getMessage());
        } finally {
            front.rateLimit = false;
        }
    }

    @Test
    void basicAuthAgainstARealHtpasswdRegistry() throws Exception {
        Requirements.requireCommand("htpasswd", "apache2-utils");
        Path dir = tmp.resolve("basic");
        Files.createDirectories(dir);
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, Processes.check(dir, "htpasswd", "-Bbn", "teacher", "s3cret").strip() + "\n");
        try (LocalRegistry secured = LocalRegistry.start(dir, htpasswd)) {
            secured.fill(layout, "app", "class/app:v1", "teacher:s3cret", false);
            String ref = secured.host() + "/class/app:v1";
            CwbException none = assertThrows(CwbException.class, () -> pull(store(), ref, dockerConfig(secured.host(), null, null), HttpTrace.NONE));
            assertTrue(none.oneLine().contains("this registry needs a login"), none.oneLine());
            CwbException wrong = assertThrows(CwbException.class, () -> pull(store(), ref, dockerConfig(secured.host(), "teacher", "nope"), HttpTrace.NONE));
            assertTrue(wrong.oneLine().contains("the user or password is wrong"), wrong.oneLine());
            ImageStore store = store();
            assertEquals(app.digest(), pull(store, ref, dockerConfig(secured.host(), "teacher", "s3cret"), HttpTrace.NONE).digest());
            assertEquals(appManifest.config().digest(), store.image(ref).id());
        }
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsRefusedAndNothingIsStored() throws Exception {
        Path dir = tmp.resolve("tampered");
        Files.createDirectories(dir);
        try (LocalRegistry r = LocalRegistry.start(dir, null)) {
            r.fill(layout, "app", "e2e/app:v1", null, false);
            Descriptor layer = appManifest.layers().get(0);
            byte[] bytes = Files.readAllBytes(r.blobData(layer.digest()));
            bytes[bytes.length / 2] ^= 0x55;
            Files.write(r.blobData(layer.digest()), bytes);
            ImageStore store = store();
            CwbException e = assertThrows(CwbException.class, () -> pull(store, r.host() + "/e2e/app:v1", dockerConfig(r.host(), null, null), HttpTrace.NONE));
            assertEquals(CwbException.CORRUPT, e.exitCode());
            assertTrue(e.getMessage().contains("layer " + layer.digest() + " does not match its digest"), e.getMessage());
            assertTrue(store.list().isEmpty());
            assertFalse(store.hasBlob(layer.digest()));
            assertFalse(store.hasBlob(app.digest()), "not even the manifest was kept");
            Path ingest = store.root().resolve("ingest");
            assertTrue(!Files.exists(ingest) || Files.list(ingest).findAny().isEmpty(), "staging was removed");
        }
    }
}
