package dev.cwb.image;

import dev.cwb.CwbException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceTest {

    @ParameterizedTest
    @CsvSource({
            "alpine, docker.io/library/alpine:latest, alpine:latest",
            "alpine:3.20, docker.io/library/alpine:3.20, alpine:3.20",
            "library/alpine, docker.io/library/alpine:latest, alpine:latest",
            "docker.io/alpine, docker.io/library/alpine:latest, alpine:latest",
            "index.docker.io/library/alpine:edge, docker.io/library/alpine:edge, alpine:edge",
            "user/app, docker.io/user/app:latest, user/app:latest",
            "ghcr.io/org/app:1.0, ghcr.io/org/app:1.0, ghcr.io/org/app:1.0",
            "localhost/app, localhost/app:latest, localhost/app:latest",
            "localhost:5000/a/b:c, localhost:5000/a/b:c, localhost:5000/a/b:c",
            "myregistry:5000/app, myregistry:5000/app:latest, myregistry:5000/app:latest",
            "a.b/c, a.b/c:latest, a.b/c:latest",
    })
    void normalisesLikeDocker(String input, String full, String familiar) {
        Reference ref = Reference.parse(input);
        assertEquals(full, ref.toString());
        assertEquals(familiar, ref.familiar());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Alpine", "alpine:", "alpine:-bad", "-alpine", "alpine/", "a//b", "alpine@sha256:abc",
            "alpine@md5:0123"})
    void rejectsMalformed(String input) {
        CwbException e = assertThrows(CwbException.class, () -> Reference.parse(input));
        assertTrue(e.getMessage().startsWith("invalid image reference"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void registryHostMayHaveUppercaseButPathMayNot() {
        assertEquals("UPPER.io/x:latest", Reference.parse("UPPER.io/x").toString());
        assertThrows(CwbException.class, () -> Reference.parse("UPPER.io/X"));
    }

    @org.junit.jupiter.api.Test
    void digestReferenceHasNoDefaultTag() {
        String hex = "a".repeat(64);
        Reference ref = Reference.parse("busybox@sha256:" + hex);
        assertEquals(null, ref.tag());
        assertEquals("docker.io/library/busybox@sha256:" + hex, ref.toString());
        assertEquals("busybox@sha256:" + hex, ref.familiar());
    }

    @org.junit.jupiter.api.Test
    void tagAndDigestTogether() {
        String hex = "b".repeat(64);
        Reference ref = Reference.parse("alpine:3.20@sha256:" + hex);
        assertEquals("3.20", ref.tag());
        assertEquals("sha256:" + hex, ref.digest().toString());
    }
}
