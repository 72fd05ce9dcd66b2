package dev.cwb.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cwb.CwbException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming reader and writer must agree with the ObjectMapper (and its annotations) on every document. */
class OciJsonTest {
    private static final ObjectMapper MAPPER = Json.mapper();
    private static final String D1 = "sha256:" + "a".repeat(64);
    private static final String D2 = "sha256:" + "b".repeat(64);

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"DIGEST1\",\"size\":439},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"DIGEST2\",\"size\":227457797}]}",
        // unknown fields, nested unknown objects and arrays, annotations, urls, a size of 0
        "{\"schemaVersion\":2,\"artifactType\":\"x\",\"subject\":{\"a\":[1,{\"b\":null}]},\"config\":{\"digest\":\"DIGEST1\",\"size\":0,\"data\":\"e30=\"},"
                + "\"layers\":[{\"mediaType\":\"m\",\"digest\":\"DIGEST2\",\"size\":5,\"urls\":[\"https://x/y\",null],\"annotations\":{\"k\":\"v\",\"n\":null,\"\\u00e9\\\"q\":\"\\t\"}}],"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}",
        // what the mapper lets pass: numbers as strings, fractions, scalars as strings, nulls, no layers
        "{\"schemaVersion\":\"2\",\"mediaType\":7,\"config\":{\"digest\":\"DIGEST1\",\"size\":1.9,\"mediaType\":true}}",
        "{\"schemaVersion\":null,\"mediaType\":null,\"config\":null,\"layers\":null,\"annotations\":null}",
        "{\"layers\":[],\"annotations\":{}}",
        "{}",
        "{\"schemaVersion\":2} trailing",
    })
    void readsManifestsAsTheMapperDoes(String json) throws Exception {
        byte[] bytes = digests(json);
        Manifest expected = MAPPER.readValue(bytes, Manifest.class);
        assertEquals(expected, OciJson.manifest(bytes, "m"));
        assertArrayEquals(MAPPER.writeValueAsBytes(expected), OciJson.bytes(expected), new String(OciJson.bytes(expected), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"DIGEST1\",\"size\":528,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"DIGEST2\",\"size\":528,"
                + "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"os.features\":[\"x\"],\"os.version\":\"1\"}}]}",
        "{\"manifests\":[{\"digest\":\"DIGEST1\",\"size\":1,\"platform\":{\"variant\":\"\"}},{\"digest\":\"DIGEST2\",\"size\":2,\"platform\":{},\"mediaType\":\"\"}]}",
        "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"DIGEST1\",\"size\":667,\"annotations\":{\"org.opencontainers.image.ref.name\":\"127.0.0.1:5000/a/b:c\"}}],\"annotations\":{\"a\":\"b\"}}",
    })
    void readsIndexesAsTheMapperDoes(String json) throws Exception {
        byte[] bytes = digests(json);
        ImageIndex expected = MAPPER.readValue(bytes, ImageIndex.class);
        assertEquals(expected, OciJson.index(bytes, "i"));
        assertArrayEquals(MAPPER.writeValueAsBytes(expected), OciJson.bytes(expected), new String(OciJson.bytes(expected), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"created\":\"2026-11-01T10:00:00Z\",\"author\":\"a\",\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":\"v8\","
                + "\"config\":{\"User\":\"1000:1000\",\"Env\":[\"PATH=/bin\",\"A=b\"],\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],"
                + "\"WorkingDir\":\"/app\",\"Labels\":{\"x\":\"y\"},\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{\"a\":[1,2.5,true,null,\"s\",12345678901]}},"
                + "\"StopSignal\":\"SIGTERM\",\"Healthcheck\":{\"Test\":[\"CMD\"],\"Interval\":30000000000},\"OnBuild\":[\"RUN make\"],"
                + "\"Shell\":[\"/bin/bash\",\"-c\"],\"Unknown\":[1]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"DIGEST1\",\"DIGEST2\"]},"
                + "\"history\":[{\"created\":\"2026\",\"created_by\":\"/bin/sh -c #(nop) ADD file\"},"
                + "{\"created_by\":\"ENV A=b\",\"empty_layer\":true,\"comment\":\"c\",\"author\":\"me\"},{\"empty_layer\":false},{\"empty_layer\":null},{}]}",
        "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"unknown\":{\"deep\":[{}]}}",
        "{\"config\":null,\"rootfs\":null,\"history\":null,\"created\":null}",
        "{\"config\":{},\"rootfs\":{},\"history\":[]}",
        "{\"config\":{\"Env\":null,\"Labels\":null,\"ExposedPorts\":null,\"Cmd\":[7,true]},\"history\":[{\"empty_layer\":1}]}",
        "{}",
    })
    void readsConfigsAsTheMapperDoes(String json) throws Exception {
        byte[] bytes = digests(json);
        ImageConfig expected = MAPPER.readValue(bytes, ImageConfig.class);
        assertEquals(expected, OciJson.config(bytes, "c"));
        assertEquals(expected, Json.parse(bytes, ImageConfig.class, "c"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "[]", "{\"history\":[null]}", "{\"rootfs\":{\"diff_ids\":[null]}}",
        "{\"rootfs\":{\"diff_ids\":[\"sha256:nothex\"]}}", "{\"config\":[]}", "{\"history\":{}}",
        "{\"history\":[{\"empty_layer\":\"maybe\"}]}", "{\"created\":"})
    void refusesConfigsTheMapperRefuses(String json) {
        byte[] bytes = digests(json);
        assertThrows(Exception.class, () -> java.util.Objects.requireNonNull(MAPPER.readValue(bytes, ImageConfig.class)), "the mapper took it");
        CwbException e = assertThrows(CwbException.class, () -> OciJson.config(bytes, "config blob"));
        assertTrue(e.getMessage().contains("config blob"), e.getMessage());
    }

    @Test
    void writesWhatTheStoreWritesByteForByte() throws Exception {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Descriptor.REF_NAME, "docker.io/library/alpine:3.20");
        annotations.put("empty", "");
        annotations.put("null", null);
        Descriptor d = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.parse(D1), 1234, annotations, new Platform("amd64", "linux", null), List.of("u"));
        for (ImageIndex index : List.of(ImageIndex.of(List.of()), ImageIndex.of(List.of(d, new Descriptor(null, null, 0))),
                new ImageIndex(0, "", List.of(d.withAnnotations(Map.of())), Map.of()))) {
            assertArrayEquals(MAPPER.writeValueAsBytes(index), OciJson.bytes(index));
            assertArrayEquals(MAPPER.writeValueAsBytes(index), Json.bytes(index));
        }
        Manifest m = new Manifest(2, MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, Digest.parse(D2), 9), List.of(d), null);
        assertArrayEquals(MAPPER.writeValueAsBytes(m), Json.bytes(m));
        assertArrayEquals(MAPPER.writeValueAsBytes(new Manifest(0, null, null, null, Map.of("a", "b"))), OciJson.bytes(new Manifest(0, null, null, null, Map.of("a", "b"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "null", "   ", "[]", "\"text\"", "{\"schemaVersion\":2,", "{\"config\":[]}", "{\"config\":{\"digest\":\"sha256:nothex\"}}",
        "{\"layers\":{}}", "{\"layers\":[null]}", "{\"layers\":[{\"size\":\"big\"}]}", "{\"annotations\":{\"a\":{}}}", "{\"mediaType\":[]}",
        "{\"config\":{\"platform\":\"linux\"}}",
    })
    void refusesWhatTheMapperRefuses(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertThrows(Exception.class, () -> {
            Manifest m = MAPPER.readValue(bytes, Manifest.class);
            if (m == null) {
                throw new IllegalStateException("null");
            }
        });
        CwbException e = assertThrows(CwbException.class, () -> OciJson.manifest(bytes, "manifest x"));
        assertTrue(e.getMessage().startsWith("malformed JSON in manifest x"), e.getMessage());
        assertEquals(CwbException.CORRUPT, e.exitCode());
    }

    @Test
    void saysWhereTheJsonBroke() {
        CwbException e = assertThrows(CwbException.class, () -> Json.parse("{\n \"config\": {\"digest\": \"sha256:x\"}}".getBytes(StandardCharsets.UTF_8), Manifest.class, "blob y"));
        assertTrue(e.getMessage().startsWith("malformed JSON in blob y at line 2, column "), e.getMessage());
        assertTrue(e.getMessage().contains("malformed sha256 digest 'x'"), e.getMessage());
    }

    private static byte[] digests(String json) {
        return json.replace("DIGEST1", D1).replace("DIGEST2", D2).getBytes(StandardCharsets.UTF_8);
    }
}
