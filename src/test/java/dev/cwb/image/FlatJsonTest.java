package dev.cwb.image;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.cwb.CwbException;
import dev.cwb.layer.LayerCache;
import dev.cwb.layer.LayerStats;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workbench's own files read and written without the mapper: what FlatJson writes is byte for byte
 * what the mapper wrote, and each reads the other's (files written by an older workbench stay readable).
 */
class FlatJsonTest {
    private static final Digest D1 = Digest.parse("sha256:" + "a".repeat(64));
    private static final Digest D2 = Digest.parse("sha256:" + "b".repeat(64));

    @Test
    void layerInfoAndLayerStatsAreTheMappersJson() throws Exception {
        for (LayerCache.Info info : List.of(new LayerCache.Info(D1, D2, "overlay", 12, 3456789012L, 99, 2, 1, 0, 0.125),
                new LayerCache.Info(null, D1, null, 0, 0, 0, 0, 0, 0, 1.0E-4))) {
            byte[] mapper = Json.mapper().writeValueAsBytes(info);
            assertArrayEquals(mapper, FlatJson.bytes(info), new String(FlatJson.bytes(info), StandardCharsets.UTF_8));
            assertEquals(info, FlatJson.read(mapper, LayerCache.Info.class, "layer.json"));
            assertEquals(info, Json.mapper().readValue(FlatJson.bytes(info), LayerCache.Info.class));
        }
        List<LayerStats> stats = List.of(new LayerStats(1, D1, D2, 100, 200, 3, 2, 1, 0, 0), new LayerStats(2, D2, null, 5, 6, 7, 8, 9, 10, 11));
        byte[] mapper = Json.mapper().writeValueAsBytes(stats);
        assertArrayEquals(mapper, FlatJson.bytes(stats));
        assertEquals(stats, FlatJson.readList(mapper, LayerStats.class, "stats"));
        assertEquals(stats, Json.mapper().readValue(FlatJson.bytes(stats), new TypeReference<List<LayerStats>>() { }));
    }

    @Test
    void containerStateIsTheMappersJson() throws Exception {
        Class<?> type = Class.forName("dev.cwb.container.ContainerState");
        var constructor = type.getDeclaredConstructors()[0];
        constructor.setAccessible(true);
        for (Object state : List.of(constructor.newInstance("box", "busybox:latest", 123L, 1700000000000L, 456, 1700000000001L, 789,
                        1700000000002L, "box", List.of("/a", "/b c"), 1700000000003L),
                constructor.newInstance("x", null, 0L, 0L, 0, 0L, 0, 0L, null, null, 0L))) {
            byte[] mapper = Json.mapper().writeValueAsBytes(state);
            assertArrayEquals(mapper, FlatJson.bytes((Record) state), new String(FlatJson.bytes((Record) state), StandardCharsets.UTF_8));
            @SuppressWarnings("unchecked")
            Class<? extends Record> recordType = (Class<? extends Record>) type;
            assertEquals(state, FlatJson.read(mapper, recordType, "state.json"));
            assertEquals(state, Json.mapper().readValue(FlatJson.bytes((Record) state), type));
        }
    }

    @Test
    void namesAreTheComponentsAsTheAnnotationsSay() throws Exception {
        for (Class<?> type : List.of(LayerStats.class, Class.forName("dev.cwb.container.ContainerState"), LayerCache.Info.class)) {
            for (RecordComponent c : type.getRecordComponents()) {
                JsonProperty p = c.getAnnotation(JsonProperty.class);
                assertTrue(p == null || p.value().equals(c.getName()), type.getSimpleName() + "." + c.getName());
            }
        }
    }

    @Test
    void unknownFieldsAreSkippedMissingOnesAreZeroAndBrokenFilesNameThemselves() {
        LayerStats s = FlatJson.read(("{\"index\":3,\"future\":{\"a\":[1,2]},\"digest\":\"" + D1 + "\",\"entries\":null}")
                .getBytes(StandardCharsets.UTF_8), LayerStats.class, "stats");
        assertEquals(new LayerStats(3, D1, null, 0, 0, 0, 0, 0, 0, 0), s);
        for (String broken : Arrays.asList("", "[]", "{\"index\":", "{\"digest\":\"sha256:nothex\"}", "{\"digest\":{}}")) {
            CwbException e = assertThrows(CwbException.class, () -> FlatJson.read(broken.getBytes(StandardCharsets.UTF_8),
                    LayerStats.class, "/home/x/cache/stats.json"));
            assertTrue(e.getMessage().contains("/home/x/cache/stats.json"), e.getMessage());
        }
    }
}
