package dev.cwb.build;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Dockerfile language as the Dockerfile reference documents it: what the parser and the word processing make of a text. */
class DockerfileParserTest {
    @Test
    void continuationsCommentsAndLineNumbers() {
        Dockerfile d = Dockerfile.parse("Dockerfile", "FROM busybox\n\n# a comment\nRUN echo a \\\n  # inside\n  && echo b\nCMD [\"sh\"]\n");
        assertEquals(List.of("FROM", "RUN", "CMD"), d.instructions().stream().map(Dockerfile.Instruction::keyword).toList());
        Dockerfile.Instruction run = d.instructions().get(1);
        assertEquals(4, run.line());
        assertEquals("echo a   && echo b", run.args());
        assertFalse(run.isExecForm());
        assertEquals(List.of("sh"), d.instructions().get(2).execForm());
        assertEquals(7, d.instructions().get(2).line());
    }

    @Test
    void theEscapeDirectiveChangesTheContinuationCharacter() {
        Dockerfile d = Dockerfile.parse("Dockerfile", "# escape=`\nFROM busybox\nRUN echo a `\n b\nCOPY C:\\x\\ y/\n");
        assertEquals('`', d.escape());
        assertEquals("echo a  b", d.instructions().get(1).args());
        assertEquals("C:\\x\\ y/", d.instructions().get(2).args());
        // the same text without the directive: the backslash continues the COPY line into nothing
        Dockerfile plain = Dockerfile.parse("Dockerfile", "FROM busybox\nRUN echo a `\n");
        assertEquals('\\', plain.escape());
    }

    @Test
    void syntaxIsNotedAndADirectiveAfterAnInstructionIsAComment() {
        Dockerfile d = Dockerfile.parse("Dockerfile", "# syntax=docker/dockerfile:1\nFROM busybox\n# escape=`\nRUN echo \\\n  x\n");
        assertEquals("docker/dockerfile:1", d.syntax());
        assertEquals('\\', d.escape());
        assertTrue(d.warnings().get(0).contains("noted and ignored"));
    }

    @Test
    void flagsAndExecForm() {
        Dockerfile.Instruction i = Dockerfile.parseLine("x", "COPY --from=build --chown=1:2 [\"a b\", \"/dst/\"]");
        assertEquals("build", i.flag("from"));
        assertEquals("1:2", i.flag("chown"));
        assertEquals(List.of("a b", "/dst/"), i.execForm());
        // not valid JSON: the shell form, as Docker falls back
        assertNull(Dockerfile.parseLine("x", "CMD [sh, -c]").execForm());
    }

    @Test
    void heredocsAreAttachedAndMayBeQuotedOrIndented() {
        Dockerfile d = Dockerfile.parse("Dockerfile", "FROM busybox\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<-'A' /x\n\tline\n\tA\nRUN true\n");
        Dockerfile.Instruction run = d.instructions().get(1);
        assertEquals("echo $HOME\n", run.heredocs().get(0).content());
        assertTrue(run.heredocs().get(0).expand());
        Dockerfile.Instruction copy = d.instructions().get(2);
        assertEquals("line\n", copy.heredocs().get(0).content());
        assertFalse(copy.heredocs().get(0).expand());
        assertEquals("RUN", d.instructions().get(3).keyword());
        assertEquals(8, d.instructions().get(3).line());
        assertEquals("echo $HOME\n", RunStep.script(run), "RUN <<EOF alone runs the heredoc as the script");
    }

    @Test
    void anUnknownInstructionNamesFileLineAndTheClosestOne() {
        CwbException e = assertThrows(CwbException.class, () -> Dockerfile.parse("app/Dockerfile", "FROM busybox\n\nRUNN echo\n"));
        assertEquals("app/Dockerfile:3: unknown instruction: RUNN", e.getMessage());
        assertEquals("did you mean RUN?", e.hint());
        CwbException open = assertThrows(CwbException.class, () -> Dockerfile.parse("Dockerfile", "FROM busybox\nRUN <<EOF\necho\n"));
        assertTrue(open.getMessage().startsWith("Dockerfile:2: RUN: the heredoc <<EOF is never closed"), open.getMessage());
    }

    @Test
    void substitutionAsDockerDoesIt() {
        Map<String, String> vars = Map.of("A", "1", "EMPTY", "", "SP", "x y");
        // splitting comes after substitution (an unquoted "x y" is two words); an empty word is dropped
        assertEquals(List.of("1", "1", "d", "alt", "x", "y", "$A", "x y"),
                ShellWords.words("$A ${A} ${NO:-d} ${NO:+alt} ${A:+alt} $SP '$A' \"$SP\"", '\\', vars::get));
        assertEquals("def", ShellWords.word("${EMPTY:-def}", '\\', vars::get));
        assertEquals("", ShellWords.word("${EMPTY-def}", '\\', vars::get), "without the colon an empty value counts as set");
        assertEquals("$A", ShellWords.word("\\$A", '\\', vars::get));
        CwbException none = assertThrows(CwbException.class, () -> { throw wrap(() -> ShellWords.word("${NO:?must be set}", '\\', vars::get)); });
        assertTrue(none.getMessage().contains("must be set"));
    }

    @Test
    void envAndLabelPairsAndTheLegacyForm() {
        StageConfig c = new StageConfig();
        c.apply(Dockerfile.parseLine("x", "ENV A=1 B=\"two words\" C=$A"), '\\', n -> n.equals("A") ? "old" : null);
        c.apply(Dockerfile.parseLine("x", "ENV OLD legacy value"), '\\', n -> null);
        assertEquals(Map.of("A", "1", "B", "two words", "C", "old", "OLD", "legacy value"), c.envMap(),
                "a value sees the variables as they were before its line");
        String by = c.apply(Dockerfile.parseLine("x", "CMD echo hi"), '\\', n -> null);
        assertEquals("CMD [\"/bin/sh\" \"-c\" \"echo hi\"]", by);
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), c.toRunConfig().cmd());
        c.apply(Dockerfile.parseLine("x", "ENTRYPOINT [\"/bin/app\"]"), '\\', n -> null);
        assertNull(c.toRunConfig().cmd(), "a new ENTRYPOINT drops CMD");
        assertEquals("EXPOSE map[53/udp:{} 80/tcp:{}]", c.apply(Dockerfile.parseLine("x", "EXPOSE 53/udp 80"), '\\', n -> null));
        c.apply(Dockerfile.parseLine("x", "WORKDIR /a"), '\\', n -> null);
        c.apply(Dockerfile.parseLine("x", "WORKDIR b/../c"), '\\', n -> null);
        assertEquals("/a/c", c.workingDir());
        c.apply(Dockerfile.parseLine("x", "HEALTHCHECK --interval=1m30s --retries=3 CMD wget -q localhost"), '\\', n -> null);
        assertEquals(90_000_000_000L, c.toRunConfig().healthcheck().get("Interval"));
        assertEquals(List.of("CMD-SHELL", "wget -q localhost"), c.toRunConfig().healthcheck().get("Test"));
    }

    @Test
    void dockerignorePatternsExceptionsAndDoubleStar() {
        DockerIgnore i = DockerIgnore.parse("# comment\n*.log\n!keep.log\n**/tmp\nbuild/\n/secret*\n");
        assertTrue(i.excludes("a.log"));
        assertFalse(i.excludes("keep.log"));
        assertFalse(i.excludes("sub/a.log"), "*.log matches in the context's root only");
        assertTrue(i.excludes("tmp"));
        assertTrue(i.excludes("x/y/tmp/file"), "**/tmp matches at any depth, and what is below it");
        assertTrue(i.excludes("build/out.bin"));
        assertTrue(i.excludes("secret.txt"));
        assertFalse(i.excludes("src/main.c"));
    }

    private static RuntimeException wrap(Runnable r) {
        try {
            r.run();
            return new IllegalStateException("no error");
        } catch (IllegalArgumentException e) {
            return CwbException.badInput(e.getMessage(), null);
        }
    }
}
