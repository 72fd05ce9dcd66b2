package dev.cwb.cli;

import dev.cwb.image.Json;
import dev.cwb.view.Printable;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code inspect} prints Entrypoint and Cmd as the mapper's pretty JSON on one line, without the mapper. */
class InspectListTest {
    @Test
    void listsLookAsTheMappersPrettyJsonOnOneLine() {
        List<List<String>> cases = List.of(List.of("/hello"), List.of("/bin/sh", "-c", "echo \"hi\" \\ there"),
                List.of("tab\there", "new\nline", "\u001b[31mred", "ünïcödé ✓", "\u202e", ""), Arrays.asList("a", null, "b"));
        for (List<String> values : cases) {
            assertEquals(Printable.of(Json.pretty(values).replaceAll("\\s*\\n\\s*", " ")), InspectCommand.list(values), values.toString());
        }
        assertEquals("(none)", InspectCommand.list(List.of()));
        assertEquals("(none)", InspectCommand.list(null));
    }
}
