package dev.cwb.shell;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Json;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Completion and the small errors a newcomer meets, typed into the shell on a terminal. */
class ShellHabitsTest {
    private static final String XTERM = "xterm-256color";

    @TempDir
    Path home;

    @Test
    void catCompletesImageNamesNotItsOptions() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            WorkbenchShellTest.storeEmptyImage(shell.workbench(), "hello");
            shell.awaitPrompt(1);
            shell.type("cat h\t");
            shell.awaitScreen("hello:latest", 1); // two names begin so: the common part is completed, both are listed
            assertTrue(shell.screen().contains("cat hello"), shell.screen());
            assertFalse(shell.screen().contains("--hex"), "a typed word never becomes an option:\n" + shell.screen());
            shell.type("\u0003");
            shell.awaitPrompt(2);
            shell.type("cat --hex hello:\t");
            shell.awaitScreen("cat --hex hello:latest ", 1);
            assertFalse(shell.screen().contains("--hex --hex"), "the option is not repeated:\n" + shell.screen());
            shell.type("\u0003");
            shell.awaitPrompt(3);
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void smallMistakesSayWhatWasMeant() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            WorkbenchShellTest.storeEmptyImage(shell.workbench(), "hello");
            shell.awaitPrompt(1);
            assertTrue(shell.command("inspect layers alpine").contains("'pull alpine' fetches it from a registry"), shell.screen());
            assertTrue(shell.command("clear").contains("error: unknown command 'clear' — the shell's own command is ':clear'"), shell.screen());
            assertTrue(shell.command("history").contains("the commands you typed are ':history' in the shell"), shell.screen());
            String execIt = shell.command("help exec");
            assertTrue(execIt.contains("-i, -t, --tty, --interactive"), "exec takes docker's -it as run does (a pty of the container's):\n" + execIt);
            String runIt = shell.command("help run");
            assertTrue(runIt.contains("-i, -t, --tty, --interactive"), "run takes docker's -it (a terminal of the container's own):\n" + runIt);
            assertTrue(shell.command("run --rm busybox true").contains("error: '--rm' is docker's: run always removes its container"), shell.screen());
            String helpRun = shell.command("help run");
            assertFalse(helpRun.contains("CONTAINER"), "run makes its container: no -c to choose one:\n" + helpRun);
            String helpTrace = shell.command("help trace");
            assertFalse(helpTrace.contains("default: the last one made"), "trace shows every container's calls, as --save writes them:\n" + helpTrace);
            assertTrue(helpTrace.contains("every call, the lines 'trace' alone prints"), helpTrace);
            assertFalse(shell.command("ps").contains("* = the one"), "no row is marked, so no legend");
            assertEquals(0, shell.endInput());
        }
    }

    @Test
    void lessonsListTakesJson() throws Exception {
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            String shown = shell.command("lessons list --json");
            String json = shown.substring(shown.indexOf('['), shown.lastIndexOf(']') + 1);
            JsonNode lessons = Json.MAPPER.readTree(json);
            assertTrue(lessons.size() >= 12, json);
            assertEquals(1, lessons.get(0).get("id").asInt());
            assertEquals("none", lessons.get(0).get("progress").asText());
            assertEquals(0, shell.endInput());
        }
    }

    /** The escape's climb of chdir("..") calls is one line and a count; --trace prints each. */
    @Test
    void escapeFoldsItsRepeatedCalls() throws Exception {
        Requirements.requireRoot();
        Requirements.requireCommand("busybox", "busybox-static");
        try (ShellSession shell = new ShellSession(home, XTERM)) {
            shell.awaitPrompt(1);
            shell.command("samples build --recipes " + LessonPlayerTest.repo().resolve("sample-images"));
            for (String name : List.of("fold", "each")) {
                shell.command("new " + name + " from busybox");
                shell.command("overlay");
                shell.command("chroot");
            }
            shell.command("escape --trace -c each");
            String folded = shell.command("escape -c fold");
            long chdirs = folded.lines().filter(l -> l.contains("chdir(\"..\")")).count();
            assertEquals(1, chdirs, folded);
            assertTrue(folded.matches("(?s).*\\.\\.\\. the same call \\d+ more times \\(\\d+ in all; --trace shows each\\).*"), folded);
            assertTrue(folded.contains("Escaped"), folded);
            assertEquals(0, shell.endInput());
            assertTrue(shell.screen().lines().filter(l -> l.contains("chdir(\"..\")")).count() > 10, "--trace printed each call");
        }
    }
}
