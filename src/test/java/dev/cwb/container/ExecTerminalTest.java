package dev.cwb.container;

import dev.cwb.testing.Pty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code exec NAME sh} into a detached container from a real terminal (a pseudo-terminal the test holds, as
 * tmux would): the shell gets a pty of the container's own devpts, its size follows the window, Ctrl-C
 * interrupts its foreground job and never the container, its exit status is exec's, and the outer terminal
 * is given back as it was. Through pipes the bytes pass unchanged and there is no terminal.
 */
class ExecTerminalTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            for (DetachedContainers.Entry e : new DetachedContainers(cwb.harness().workbench().containers()).all()) {
                cwb.run("rm", "-f", e.name());
            }
            cwb.close();
        }
    }

    /** {@code sh -c 'WORKBENCH exec ARGS; echo exec=$?; stty -a'} on a terminal of its own: what comes after shows the terminal as exec left it. */
    private static Pty execOnPty(String... args) throws Exception {
        List<String> command = new ArrayList<>(ContainerBench.workbenchJvm());
        command.add("exec");
        command.addAll(List.of(args));
        StringBuilder line = new StringBuilder();
        for (String word : command) {
            line.append('\'').append(word.replace("'", "'\\''")).append("' ");
        }
        return Pty.start(List.of("sh", "-c", line + "; echo \"exec=$?\"; stty -a"), Map.of("CWB_HOME", home.toString(),
                "CWB_NO_SAMPLES", "1"), null);
    }

    @Test
    void aShellExecdAtATerminalHasAPtyOfTheContainerAndCtrlCStopsOnlyItsJob() throws Exception {
        String name = cwb.name("ptyexec");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "1000");
        try (Pty pty = execOnPty("-it", name, "sh")) {
            pty.awaitScreen("/ # ", 1, BOUND);
            pty.type("tty; stty size\n");
            pty.awaitScreen("\n40 120\n", 1, BOUND); // the window's size
            assertTrue(pty.screen().contains("\n/dev/pts/0\n"), "sh's terminal is a pty of the container's own devpts:\n" + pty.screen());
            pty.resize(100, 30);
            Thread.sleep(300);
            pty.type("stty size\n");
            pty.awaitScreen("\n30 100\n", 1, BOUND); // and follows it (TIOCSWINSZ: SIGWINCH to sh)
            pty.type("sleep 30\n");
            Thread.sleep(1000);
            int prompts = pty.count("/ # ");
            long pressed = System.nanoTime();
            pty.type("\u0003"); // byte 3: the container's pty makes it SIGINT for sleep, sh's foreground job
            pty.awaitScreen("/ # ", prompts + 1, Duration.ofSeconds(5));
            pty.type("echo \"sleep=$?\"\n");
            pty.awaitScreen("sleep=130", 1, BOUND); // 128 + SIGINT
            assertTrue(System.nanoTime() - pressed < Duration.ofSeconds(10).toNanos(), "Ctrl-C ended sleep 30 long before its time");
            pty.type("exit 7\n");
            String screen = pty.awaitScreen("exec=7", 1, BOUND); // sh's status is exec's
            pty.awaitScreen("speed", 1, BOUND);
            screen = pty.screen();
            String after = screen.substring(screen.indexOf("exec=7"));
            // the terminal is given back cooked: line editing, echo, signals, output processing
            for (String flag : List.of("icanon", "echo", "isig", "opost", "icrnl")) {
                assertTrue(java.util.regex.Pattern.compile("(^|\\s)" + flag + "(\\s|$)", java.util.regex.Pattern.MULTILINE).matcher(after).find(),
                        "after exec the terminal has " + flag + " again:\n" + after);
            }
            String raw = pty.rawScreen();
            assertTrue(raw.contains("\r\n30 100\r\n"), "the container's pty ends its lines with CR LF (ONLCR):\n" + raw);
            assertFalse(raw.contains("\r\r\n"), "and the outer terminal adds no second CR while it relays (no OPOST):\n" + raw);
            assertEquals(0, pty.waitFor(BOUND), screen);
        }
        ContainerBench.Result still = cwb.ok("exec", name, "cat", "/proc/1/cmdline");
        assertEquals("sleep\u00001000\u0000", still.out(), "Ctrl-C reached the exec'd job, not the container's PID 1");
        assertTrue(cwb.ok("ps").out().contains(name), "the container still runs");
        assertTrue(cwb.ok("top", name).out().lines().noneMatch(l -> l.endsWith(" sh")), "exec's sh has gone with its exit");
    }

    @Test
    void throughPipesExecHasNoTerminalAndItsBytesPassUnchanged() {
        String name = cwb.name("pipeexec");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "1000");
        ContainerBench.Result bytes = cwb.ok("exec", "-it", name, "sh", "-c", "printf 'a\\nb\\r\\n\\001'");
        assertEquals("a\nb\r\n\u0001", bytes.out(), "no pty in between: no \\n turned into \\r\\n");
        ContainerBench.Result tty = cwb.run("exec", name, "tty");
        assertEquals(1, tty.code(), tty.toString());
        assertEquals("not a tty\n", tty.out());
        assertTrue(Files.isDirectory(cwb.workspace(name)));
    }
}
