package dev.cwb.container;

import dev.cwb.testing.Pty;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workbench's shell on a real pseudo-terminal (as in tmux), recording with {@code :record}: what a
 * container shows — the output of {@code run busybox echo}, an interactive {@code run -it busybox sh} —
 * reaches the screen and the asciicast, and {@code asciinema cat} (the real player) reads the cast back.
 * Inside, the shell has a terminal of its container ({@code tty} is {@code /dev/pts/0}), the host's TERM
 * and the HOME of its user's passwd entry in the image.
 */
class RecordingThroughPtyTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildImages() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    private static Pty shell() throws IOException, InterruptedException {
        return ContainerBench.shellOnPty(home);
    }

    @Test
    void aRecordingHoldsWhatContainersShowedAndAsciinemaReadsIt() throws Exception {
        Path asciinema = Requirements.requireCommand("asciinema", "asciinema");
        Path cast = home.resolve("casts").resolve("session.cast");
        String echo = cwb.name("echo");
        String sh = cwb.name("sh");
        try (Pty pty = shell()) {
            pty.type(":record " + cast + "\n");
            pty.awaitScreen("cwb> ", 2, BOUND);
            pty.type("run --name " + echo + " busybox echo hello from the container\n");
            pty.awaitScreen("cwb> ", 3, BOUND);
            pty.type("run -it --name " + sh + " busybox sh\n");
            pty.awaitScreen("/ # ", 1, BOUND);
            pty.type("tty; echo \"term=$TERM home=$HOME\"; echo $((6 * 7)); stty size\n");
            pty.awaitScreen("42", 1, BOUND);
            pty.awaitScreen("\n40 120\n", 1, BOUND); // the container's pty has the window's size
            pty.resize(100, 30);
            Thread.sleep(300);
            pty.type("stty size\n");
            pty.awaitScreen("\n30 100\n", 1, BOUND); // and follows it
            pty.type("exit\n");
            String screen = pty.awaitScreen("cwb> ", 4, BOUND);
            assertTrue(screen.contains("\n/dev/pts/0\n"), "sh's terminal is its container's own pty:\n" + screen);
            assertTrue(screen.contains("term=xterm-256color home=/root"), "TERM is the host's, HOME root's in the image:\n" + screen);
            assertTrue(screen.contains("sh in " + sh + " (pid "), screen);
            pty.type(":record\n");
            pty.awaitScreen("Recording saved to " + cast, 1, BOUND);
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
        assertTrue(Files.size(cast) > 0);

        // asciinema cat writes every event's text to its terminal: what an audience replaying the cast sees
        try (Pty player = Pty.start(List.of(asciinema.toString(), "cat", cast.toString()), Map.of(), null)) {
            assertEquals(0, player.waitFor(BOUND), "asciinema cat refused the recording:\n" + player.screen());
            String replay = player.screen();
            assertFalse(replay.contains("Traceback"), replay);
            assertTrue(replay.contains("\nhello from the container\n"), "run's output is in the cast:\n" + replay);
            assertTrue(replay.contains("echo hello from the container in " + echo + " (pid "), replay);
            assertTrue(replay.contains("BusyBox v"), "the container's shell is in the cast:\n" + replay);
            assertTrue(replay.contains("\n/dev/pts/0\n"), replay);
            assertTrue(replay.contains("term=xterm-256color home=/root"), replay);
            assertTrue(replay.contains("\n42\n"), replay);
            assertTrue(replay.contains("sh in " + sh + " (pid "), replay);
        }
    }

    @Test
    void aStepModeExecGetsATerminalOfTheContainerAndIsRecordedToo() throws Exception {
        Path asciinema = Requirements.requireCommand("asciinema", "asciinema");
        Path cast = home.resolve("casts").resolve("steps.cast");
        String box = cwb.name("steps");
        try (Pty pty = shell()) {
            int prompts = 1;
            for (String line : List.of(":record " + cast, "new " + box + " from busybox", "overlay", "unshare mnt pid", "mount dev", "pivot_root")) {
                pty.type(line + "\n");
                pty.awaitScreen("cwb> ", ++prompts, BOUND);
            }
            pty.type("exec sh\n");
            pty.awaitScreen("/ # ", 1, BOUND);
            pty.type("tty; echo \"$((6 * 7)) term=$TERM\"; exit\n");
            String screen = pty.awaitScreen("cwb> ", ++prompts, BOUND);
            assertTrue(screen.contains("\n/dev/pts/0\n42 term=xterm-256color\n"), "exec's sh has the pty of the container's devpts:\n" + screen);
            assertTrue(screen.contains("setsid() = "), "the clone's own calls for its terminal are traced:\n" + screen);
            assertTrue(screen.contains("ioctl(0, TIOCSCTTY, 0) = 0"), screen);
            pty.type(":record\n");
            pty.awaitScreen("Recording saved to " + cast, 1, BOUND);
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
        try (Pty player = Pty.start(List.of(asciinema.toString(), "cat", cast.toString()), Map.of(), null)) {
            assertEquals(0, player.waitFor(BOUND), "asciinema cat refused the recording:\n" + player.screen());
            String replay = player.screen();
            assertTrue(replay.contains("BusyBox v"), replay);
            assertTrue(replay.contains("\n/dev/pts/0\n42 term=xterm-256color\n"), "what sh showed is in the cast:\n" + replay);
        }
    }

    @Test
    void homeComesFromTheUsersPasswdEntryInsideTheImageAndTermOnlyWithATerminal() {
        // through pipes (no terminal): HOME is set all the same, TERM is not
        ContainerBench.Result nobody = cwb.ok("run", "--name", cwb.name("nobody"), "-u", "nobody", "busybox", "sh", "-c",
                "echo \"home=$HOME term=${TERM-unset}\"; tty || true");
        assertTrue(nobody.out().contains("home=/home term=unset\n"), nobody.toString());
        assertTrue(nobody.out().contains("not a tty"), nobody.toString());
        ContainerBench.Result given = cwb.ok("run", "--name", cwb.name("given"), "-e", "HOME=/srv", "busybox", "sh", "-c", "echo home=$HOME");
        assertTrue(given.out().contains("home=/srv\n"), "the learner's -e HOME wins: " + given);
    }
}
