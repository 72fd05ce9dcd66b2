package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small pieces: challenge parsing, saved logins, endpoints and mirrors, redaction, platforms. */
class RegistryPartsTest {
    @TempDir
    Path tmp;

    @Test
    void parsesDockerHubsBearerChallenge() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull,push\"");
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token", c.param("realm"));
        assertEquals("repository:library/alpine:pull,push", c.param("scope"), "a comma inside quotes stays in the value");
        assertEquals(URI.create("https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull"),
                TokenRequest.uri(c, "repository:library/alpine:pull"));
        assertTrue(AuthChallenge.parse("Basic realm=\"classroom\"").isBasic());
    }

    @Test
    void readsSavedLoginsIncludingHubsOldKey() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"c3R1ZGVudDpwdw==\"},"
                + "\"10.0.0.5:5000\":{\"auth\":\"dGVhY2hlcjpzOmNyZXQ=\"}}}");
        DockerCredentials creds = new DockerCredentials(tmp);
        assertEquals(new DockerCredentials.Credentials("student", "pw"), creds.lookup("docker.io").orElseThrow());
        assertEquals("s:cret", creds.lookup("10.0.0.5:5000").orElseThrow().password(), "only the first ':' separates");
        assertTrue(creds.lookup("ghcr.io").isEmpty());
        assertEquals("teacher:<redacted>", creds.lookup("10.0.0.5:5000").orElseThrow().toString());
    }

    @Test
    void hubGoesToItsApiHostOrTheMirrorAndLoopbackIsPlainHttp() {
        RegistrySettings none = RegistrySettings.from(Map.of("HOME", "/h"), List.of());
        assertEquals(URI.create("https://registry-1.docker.io"), none.endpointFor("docker.io").base());
        assertEquals(URI.create("http://localhost:5000"), none.endpointFor("localhost:5000").base());
        assertEquals(URI.create("http://[::1]:5000"), none.endpointFor("[::1]:5000").base());
        assertEquals(URI.create("https://ghcr.io"), none.endpointFor("ghcr.io").base());
        RegistrySettings classroom = RegistrySettings.from(Map.of("CWB_REGISTRY_MIRROR", "http://10.0.0.5:5000/",
                "CWB_INSECURE_REGISTRIES", "lab.local:5000", "DOCKER_CONFIG", "/cfg"), List.of("other:80"));
        assertEquals(URI.create("http://10.0.0.5:5000"), classroom.endpointFor("docker.io").base());
        assertTrue(classroom.endpointFor("docker.io").mirror());
        assertEquals(URI.create("http://lab.local:5000"), classroom.endpointFor("lab.local:5000").base());
        assertEquals(URI.create("http://other:80"), classroom.endpointFor("other:80").base());
        assertEquals(Path.of("/cfg"), classroom.dockerConfigDir());
        CwbException bad = assertThrows(CwbException.class, () -> RegistrySettings.from(Map.of("CWB_REGISTRY_MIRROR", "ftp://x"), List.of()));
        assertTrue(bad.oneLine().contains("CWB_REGISTRY_MIRROR"), bad.oneLine());
    }

    @Test
    void redactsSecrets() {
        assertEquals("Bearer <redacted>", ExplainPrinter.redactAuthorization("Bearer eyJhbGciOi"));
        assertEquals("Basic <redacted>", ExplainPrinter.redactAuthorization("Basic dGVhY2hlcjpz"));
        assertEquals("https://s3.example/blob?X-Amz-Signature=<redacted>&size=3",
                ExplainPrinter.redactQuery(URI.create("https://s3.example/blob?X-Amz-Signature=abc&size=3")));
    }

    @Test
    void parsesPlatforms() {
        assertEquals(new Platform("arm", "linux", "v7"), PlatformSelector.parse("linux/arm/v7"));
        assertEquals(new Platform("amd64", "linux", null), PlatformSelector.parse("linux/amd64"));
        assertThrows(CwbException.class, () -> PlatformSelector.parse("amd64"));
    }
}
