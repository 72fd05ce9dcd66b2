package dev.cwb.samples;

import dev.cwb.CwbException;
import dev.cwb.samples.Instruction.Keyword;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeParserTest {
    private static final Path FILE = Path.of("samples", "demo", "recipe");

    @Test
    void parsesEveryInstructionKeepingTheLineVerbatim() {
        Recipe r = RecipeParser.parse(FILE, """
                # a comment line

                FROM busybox
                COMMENT stands in for RUN apt-get update
                copy   --chmod=0755 my-app.sh /app/my-app.sh
                MKDIR /tmp:1777 /data
                DELETE /var/lib/apt/lists/x
                REPLACE-DIR conf/ /etc/app
                HOST-BUSYBOX /bin/busybox
                HELLO-PROGRAM /hello greeting.txt
                ENV PATH=/bin:/usr/bin
                LABEL org.example.title="Demo app"
                WORKDIR /app
                USER nobody
                ENTRYPOINT ["/app/my-app.sh"]
                CMD echo hi
                """);
        assertEquals("demo", r.name());
        assertEquals("busybox", r.from());
        assertEquals(3, r.fromLine());
        List<Instruction> ins = r.instructions();
        assertEquals(12, ins.size());
        Instruction copy = ins.get(0);
        assertEquals(Keyword.COPY, copy.keyword());
        assertEquals(5, copy.line());
        assertEquals("copy   --chmod=0755 my-app.sh /app/my-app.sh", copy.text(), "created_by is the line as written");
        assertEquals(List.of("0755", "my-app.sh", "/app/my-app.sh"), copy.args());
        assertEquals("stands in for RUN apt-get update", copy.comment());
        assertNull(ins.get(1).comment(), "a COMMENT applies to the next instruction only");
        assertTrue(copy.makesLayer());
        assertEquals(List.of("PATH", "/bin:/usr/bin"), ins.get(6).args());
        assertFalse(ins.get(6).makesLayer());
        assertEquals(List.of("org.example.title", "Demo app"), ins.get(7).args());
        assertEquals(List.of("/app/my-app.sh"), ins.get(10).args());
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), ins.get(11).args(), "shell form runs through /bin/sh -c, as in Docker");
    }

    @ParameterizedTest(name = "{0} -> line {1}")
    @CsvSource(delimiter = '|', value = {
            "FROM scratch\\nRUN apt-get update                  | 2 | unknown instruction 'RUN'",
            "COPY a /b                                           | 1 | the first instruction must be FROM",
            "FROM scratch\\nFROM busybox                        | 2 | a second FROM (the first is on line 1)",
            "FROM scratch\\n\\nCOPY onlyone                     | 3 | COPY: expected 2 arguments",
            "FROM scratch\\nCOPY --chmod=rwx a /b               | 2 | --chmod needs an octal mode",
            "FROM scratch\\nCOPY ../../etc/shadow /x            | 2 | must be a path inside the recipe's directory",
            "FROM scratch\\nCOPY a relative/dest                | 2 | is not an absolute path inside the image",
            "FROM scratch\\nMKDIR /tmp:99x                      | 2 | is not an octal mode",
            "FROM scratch\\nMKDIR /a/../b                       | 2 | may not contain '.' or '..'",
            "FROM scratch\\nDELETE /                            | 2 | root directory cannot be deleted",
            "FROM scratch\\nCOPY a /x/.wh.b                     | 2 | reserved for DELETE and REPLACE-DIR",
            "FROM scratch\\nCMD [\"sh\"                         | 2 | CMD: not a JSON list of strings",
            "FROM scratch\\nCMD []                              | 2 | at least one string",
            "FROM scratch\\nENV 1BAD=x                          | 2 | is not a valid variable name",
            "FROM scratch\\nENV NOVALUE                         | 2 | write KEY=VALUE",
            "FROM scratch\\nCOMMENT a\\nCOMMENT b\\nCMD [\"x\"]  | 3 | two COMMENT lines in a row",
            "FROM scratch\\nCMD [\"x\"]\\nCOMMENT dangling      | 3 | COMMENT is not followed by an instruction",
            "# only a comment                                    | 1 | the recipe has no FROM line",
    })
    void aBadLineIsOneErrorNamingFileAndLine(String text, int line, String message) {
        CwbException e = assertThrows(CwbException.class, () -> RecipeParser.parse(FILE, text.strip().replace("\\n", "\n")));
        assertTrue(e.getMessage().startsWith(FILE + " line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(CwbException.BAD_INPUT, e.exitCode());
        assertTrue(e.hint() != null && !e.hint().isBlank(), "every error says what to do");
    }

    @Test
    void theShippedRecipesParse() {
        Path dir = SampleFixtures.recipesDir();
        for (String name : List.of("busybox", "hello")) {
            Recipe r = RecipeParser.parse(dir.resolve(name).resolve("recipe"));
            assertEquals(name, r.name());
            assertFalse(r.instructions().isEmpty());
        }
        Recipe demo = RecipeBook.open(dir).get("layers-demo"); // made by build from its Dockerfile
        assertTrue(demo.isDockerfile(), demo.toString());
        assertEquals("busybox", demo.from());
        assertEquals(List.of("busybox", "layers-demo"), RecipeBook.open(dir).withBasesFirst(List.of("layers-demo")).stream().map(Recipe::name).toList());
    }
}
