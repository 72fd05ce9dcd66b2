package dev.cwb.container;

import dev.cwb.testing.Pty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C in the workbench's shell on a real terminal (a pseudo-terminal, as in tmux): a container's PID 1
 * that ignores SIGINT is explained and stopped by a second Ctrl-C, an interactive shell in a container
 * keeps its Ctrl-C, and an unpack stopped by Ctrl-C leaves no {@code layers/.tmp-*} behind.
 */
class TerminalCtrlCTest {
    private static final Duration BOUND = Duration.ofSeconds(15);

    @TempDir
    static Path home;
    @TempDir
    static Path recipes;
    static ContainerBench cwb;

    @BeforeAll
    static void buildImages() throws IOException {
        cwb = ContainerBench.open(home);
        // a layer of 20,000 small files: unpacking it takes seconds here, long enough to press Ctrl-C in the middle
        Path files = Files.createDirectories(recipes.resolve("many").resolve("files"));
        byte[] content = new byte[700];
        for (int i = 0; i < 20_000; i++) {
            Path dir = Files.createDirectories(files.resolve("d" + i / 250));
            content[0] = (byte) i;
            content[1] = (byte) (i >> 8);
            Files.write(dir.resolve("f" + i), content);
        }
        Files.writeString(recipes.resolve("many").resolve("recipe"), "FROM busybox\nCOPY files /files\n");
        cwb.ok("samples", "build", "--recipes", recipes.toString());
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
    void aSecondCtrlCStopsAPid1ThatIgnoresTheFirstAndThePromptComesBack() throws Exception {
        String name = cwb.name("sleep");
        try (Pty pty = shell()) {
            pty.type("run --name " + name + " busybox sleep 1000\n");
            int pid = awaitCommand(name, "sleep");

            pty.type("\u0003");
            String screen = pty.awaitScreen("has no handler for SIGINT", 1, BOUND);
            assertTrue(screen.contains("^C: sleep is PID 1 of its PID namespace and has no handler for SIGINT: the kernel drops "
                    + "every signal PID 1 does not handle (as in Docker), so Ctrl-C did nothing — Ctrl-C again within 3 s "
                    + "stops it with SIGKILL"), screen);
            assertTrue(Files.exists(Path.of("/proc", Integer.toString(pid))), "the first Ctrl-C went to sleep, which ignored it");
            assertEquals(1, pty.count("cwb> "), "no prompt while the container runs:\n" + screen);

            long pressed = System.nanoTime();
            pty.type("\u0003");
            screen = pty.awaitScreen("cwb> ", 2, BOUND);
            assertTrue(System.nanoTime() - pressed < BOUND.toNanos());
            assertTrue(screen.contains("^C: stopping sleep with SIGKILL"), screen);
            assertTrue(screen.contains("sleep 1000 in " + name + " (pid " + pid + " on the host, 1 inside) was stopped by Ctrl-C "
                    + "(killed by SIGKILL)"), screen);
            assertFalse(Files.exists(Path.of("/proc", Integer.toString(pid))), "sleep is gone");
            assertEquals(List.of(), ContainerBench.cgroupsNamed(name), "its cgroup is gone");
            assertFalse(Files.exists(cwb.workspace(name)), "its workspace is gone");

            pty.type("ps\n"); // the shell itself carries on
            pty.awaitScreen("cwb> ", 3, BOUND);
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
    }

    @Test
    void anInteractiveShellInAContainerKeepsItsCtrlC() throws Exception {
        String name = cwb.name("sh");
        try (Pty pty = shell()) {
            pty.type("run --name " + name + " busybox sh\n");
            pty.awaitScreen("/ # ", 1, BOUND);
            pty.type("sleep 1000\n");
            int sleep = awaitCommand(name, "sleep");
            pty.type("\u0003"); // to sh's foreground job, which it kills
            pty.awaitScreen("/ # ", 2, BOUND);
            assertFalse(waitGone(sleep), "Ctrl-C stopped sleep, sh's job");
            pty.type("\u0003");
            Thread.sleep(300);
            pty.type("\u0003"); // twice at sh's own prompt, which handles SIGINT: still sh's, not the workbench's
            pty.awaitScreen("/ # ", 4, BOUND);
            Thread.sleep(TerminalCtrlC.SETTLE_MILLIS * 2);
            pty.type("echo still $$\n");
            String screen = pty.awaitScreen("still 1", 1, BOUND);
            assertFalse(screen.contains("SIGKILL"), screen);
            pty.type("exit\n");
            screen = pty.awaitScreen("cwb> ", 2, BOUND);
            assertTrue(screen.contains("sh in " + name + " (pid "), screen);
            assertTrue(screen.contains("exited 0"), screen);
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
    }

    @Test
    void ctrlCDuringUnpackLeavesNoTemporaryLayerDirectory() throws Exception {
        Path layers = home.resolve("layers");
        for (int attempt = 0; attempt < 2; attempt++) {
            removeUnpackedManyLayer();
            try (Pty pty = shell()) {
                pty.type("unpack many\n");
                long deadline = System.nanoTime() + BOUND.toNanos();
                while (temporaries(layers).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertFalse(temporaries(layers).isEmpty(), "unpack never started a layer:\n" + pty.screen());
                Thread.sleep(300 + attempt * 400L); // in the middle of writing the files
                pty.type("\u0003");
                String screen = pty.awaitScreen("cwb> ", 2, BOUND);
                assertTrue(screen.contains("cancelled"), screen);
                pty.type(":quit\n"); // leaving at once: nothing may be left to a clean-up still running
                assertEquals(0, pty.waitFor(BOUND), pty.screen());
            }
            assertEquals(List.of(), temporaries(layers), "attempt " + attempt);
        }
    }

    /** Deletes the unpacked layer of the 20,000 files (the only one with /files), so that unpack has it to do again. */
    private static void removeUnpackedManyLayer() throws IOException {
        Path layers = home.resolve("layers");
        if (!Files.isDirectory(layers)) {
            return;
        }
        try (Stream<Path> s = Files.list(layers)) {
            for (Path dir : s.toList()) {
                if (Files.exists(dir.resolve("fs").resolve("files"))) {
                    dev.cwb.layer.LayerExtractor.deleteTree(dir);
                }
            }
        }
    }

    private static List<Path> temporaries(Path layers) throws IOException {
        if (!Files.isDirectory(layers)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(layers)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
        }
    }

    /** The host pid of the process named {@code comm} in container {@code name}'s cgroup, once it is there. */
    private static int awaitCommand(String name, String comm) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            for (Path group : ContainerBench.cgroupsNamed(name)) {
                Path procs = group.resolve("cgroup.procs");
                if (!Files.exists(procs)) {
                    continue;
                }
                for (String line : Files.readAllLines(procs)) {
                    try {
                        if (Files.readString(Path.of("/proc", line.strip(), "comm")).strip().equals(comm)) {
                            return Integer.parseInt(line.strip());
                        }
                    } catch (IOException gone) {
                        // ended meanwhile
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no process " + comm + " in container " + name + " within " + BOUND.toSeconds() + " s");
    }

    /** Waits a little for {@code pid} to end; true if it is still there. */
    private static boolean waitGone(int pid) throws InterruptedException {
        for (int i = 0; i < 100 && Files.exists(Path.of("/proc", Integer.toString(pid))); i++) {
            Thread.sleep(20);
        }
        return Files.exists(Path.of("/proc", Integer.toString(pid)));
    }
}
