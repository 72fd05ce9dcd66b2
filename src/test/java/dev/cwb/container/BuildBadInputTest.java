package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code build} does with bad input: one clear line naming the Dockerfile's file:line, nothing
 * tagged, no container workspace, mount or cgroup left behind.
 */
class BuildBadInputTest {
    @TempDir
    static Path home;
    @TempDir
    Path ctx;
    static ContainerBench cwb;

    @BeforeAll
    static void samples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        Path containers = home.resolve("run/containers");
        if (Files.isDirectory(containers)) {
            try (Stream<Path> s = Files.list(containers)) {
                assertEquals(List.of(), s.toList(), "a RUN's workspace was left");
            }
        }
        assertEquals(List.of(), ContainerBench.hostMountsUnder(home), "a mount was left");
        assertEquals(List.of(), ContainerBench.cgroupsNamed("cwb-build-"), "a RUN's cgroup was left");
        assertFalse(cwb.ok("images").out().contains("bad"), "a failed build tagged an image");
        try (Stream<Path> s = Files.exists(home.resolve("cache/build/tmp")) ? Files.list(home.resolve("cache/build/tmp")) : Stream.empty()) {
            assertEquals(List.of(), s.toList(), "a step's staging directory was left");
        }
    }

    /** Builds {@code dockerfile} in the test's context; asserts it fails with one error line starting {@code error: START}. */
    private String fails(String dockerfile, String start, String... options) throws IOException {
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        String[] args = new String[options.length + 4];
        args[0] = "build";
        System.arraycopy(options, 0, args, 1, options.length);
        args[options.length + 1] = "-t";
        args[options.length + 2] = "bad:1";
        args[options.length + 3] = ctx.toString();
        ContainerBench.Result r = cwb.run(args);
        assertNotEquals(0, r.code(), r.toString());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.toString());
        assertTrue(errors.get(0).startsWith("error: " + start), errors.get(0));
        return r.out() + errors.get(0);
    }

    @Test
    void anUnknownInstruction() throws IOException {
        fails("FROM busybox\n\nRUNN echo\n", "Dockerfile:3: unknown instruction: RUNN");
    }

    @Test
    void aMissingContextFile() throws IOException {
        fails("FROM busybox\nCOPY missing.txt /x\n", "Dockerfile:2: COPY: no file missing.txt in the build context");
    }

    @Test
    void sourcesThatLeaveTheContext() throws IOException {
        fails("FROM busybox\nCOPY ../x /x\n", "Dockerfile:2: COPY: the source ../x is outside the build context");
        fails("FROM busybox\nCOPY /etc/passwd /x\n", "Dockerfile:2: COPY: the source /etc/passwd is an absolute path");
        Files.createSymbolicLink(ctx.resolve("link"), Path.of("/etc/passwd"));
        fails("FROM busybox\nCOPY link /x\n", "Dockerfile:2: COPY: the source link is a symbolic link to /etc/passwd, outside the build context");
        fails("FROM busybox\nADD https://example.com/x /x\n", "Dockerfile:2: ADD https://example.com/x: a URL or git source needs the network");
    }

    @Test
    void aBaseImageNotInTheStore() throws IOException {
        String e = fails("FROM nosuch:1\nRUN true\n", "Dockerfile:1: FROM nosuch:1: the image is not in the store");
        assertTrue(e.contains("pull nosuch:1 or load it"), e);
    }

    @Test
    void aRunThatFailsNamesItsStatusAndLastLinesAndStopsTheBuild() throws IOException {
        String e = fails("FROM busybox\nRUN echo one; echo two; exit 3\nRUN echo never\n",
                "Dockerfile:2: RUN echo one; echo two; exit 3 exited with status 3; its last output: one ⏎ two");
        assertFalse(e.contains("[3/3]"), "a step after the failed one ran: " + e);
    }

    @Test
    void aRunKilledByTheMemoryLimitIsNamed() throws IOException {
        fails("FROM busybox\nRUN dd if=/dev/zero of=/dev/null bs=64M count=1\n",
                "Dockerfile:2: RUN dd if=/dev/zero of=/dev/null bs=64M count=1 was killed by the kernel's OOM killer", "--memory", "16M");
    }

    @Test
    void aStageUsedBeforeItIsDefined() throws IOException {
        fails("FROM busybox\nCOPY --from=later /x /x\nFROM busybox AS later\n",
                "Dockerfile:2: COPY --from=later: the stage later is defined later (line 3)");
        fails("FROM busybox\nCOPY --from=nowhere /x /x\n", "Dockerfile:2: COPY --from=nowhere: no stage of that name");
    }

    @Test
    void ctrlCDuringARunRemovesItsContainer() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo started; sleep 60\n");
        int[] code = new int[1];
        Thread t = new Thread(() -> code[0] = cwb.harness().run("build", "-t", "bad:1", ctx.toString()));
        t.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!cwb.harness().out().contains("| started") && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(cwb.harness().out().contains("| started"), cwb.harness().out());
        t.interrupt();
        t.join(20_000);
        assertFalse(t.isAlive(), "the build did not stop");
        assertEquals(130, code[0], cwb.harness().out() + cwb.harness().err());
        assertTrue(cwb.harness().err().contains("cancelled"), cwb.harness().err());
        cwb.harness().reset();
    }

    @Test
    void aLongDockerfileAndABigContextWork() throws IOException {
        StringBuilder df = new StringBuilder("FROM busybox\n");
        for (int line = 2; line < 10_000; line++) { // 10,000 lines: comments, and a LABEL every fourth
            df.append(line % 4 == 0 ? "LABEL n" + line + "=" + line : "# line " + line).append('\n');
        }
        for (int d = 0; d < 100; d++) {
            Path dir = Files.createDirectories(ctx.resolve("many/d" + d));
            for (int f = 0; f < 1000; f++) {
                Files.createFile(dir.resolve("f" + f));
            }
        }
        Files.writeString(ctx.resolve("one.txt"), "one\n");
        df.append("COPY one.txt /one.txt\n");
        Files.writeString(ctx.resolve("Dockerfile"), df.toString());
        ContainerBench.Result r = cwb.ok("build", "-t", "long:1", ctx.toString());
        assertTrue(r.out().contains("COPY one.txt /one.txt"), r.out());
        assertEquals("one", cwb.ok("run", "long:1", "cat", "/one.txt").lines().get(0));
        cwb.ok("rmi", "long:1");
    }
}
