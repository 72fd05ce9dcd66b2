package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container's output reaches the workbench's standard output as the same bytes, checked on a real JVM
 * started as {@code ./cwb} starts it, with standard output going to a file: 20 MB of random bytes (most
 * of them not UTF-8) through {@code run}, a script, {@code exec} and {@code cat} keep their digest; 200 MB
 * pass through a JVM whose heap is a fraction of that; stdout holds the command's output and nothing
 * else, and its stderr stays apart.
 */
class ByteExactOutputTest {
    private static final int SIZE = 20_000_000;

    @TempDir
    static Path home;
    @TempDir
    static Path recipes;
    static ContainerBench cwb;
    static byte[] data;

    @BeforeAll
    static void buildImage() throws IOException {
        cwb = ContainerBench.open(home);
        data = new byte[SIZE];
        new Random(10).nextBytes(data);
        Path dir = Files.createDirectories(recipes.resolve("random"));
        Files.write(dir.resolve("data"), data);
        Files.writeString(dir.resolve("recipe"), "FROM busybox\nCOPY data /data\n");
        cwb.ok("samples", "build", "--recipes", recipes.toString());
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    record Run(int code, Path out, String err) {
        byte[] bytes() throws IOException {
            return Files.readAllBytes(out);
        }
    }

    /** {@code java dev.cwb.Main ARGS} with CWB_HOME = the bench's home, stdout to a file, stderr kept. */
    private static Run cwb(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.cwb.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(home, "stdout", "");
        Path err = Files.createTempFile(home, "stderr", "");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("CWB_HOME", home.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "cwb did not finish");
        String errText = Files.readString(err, StandardCharsets.UTF_8);
        Files.delete(err);
        return new Run(p.exitValue(), out, errText);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static void assertSameBytes(Run r, String what) throws Exception {
        assertEquals(0, r.code(), what + ":\n" + r.err());
        byte[] got = r.bytes();
        assertEquals(SIZE, got.length, what + ": stdout has " + got.length + " bytes for " + SIZE + "\n" + r.err());
        assertEquals(sha256(data), sha256(got), what + ": other bytes than the file's");
        Files.delete(r.out());
    }

    @Test
    void randomBytesKeepTheirDigestThroughRunAScriptExecAndCat() throws Exception {
        assertSameBytes(cwb(List.of(), "run", "random", "cat", "/data"), "run");

        Path script = Files.writeString(home.resolve("run.cwb"), "run random cat /data\n");
        Run scripted = cwb(List.of(), "--script", script.toString());
        assertTrue(scripted.err().contains("cat /data in random-"), scripted.err());
        assertSameBytes(scripted, "run in a script");

        // step mode: each step prints its calls to stdout; exec's output, and nothing after it, ends stdout
        Path withExec = Files.writeString(home.resolve("exec.cwb"), "new " + cwb.name("steps") + " from random\n"
                + "unshare mnt pid\noverlay\npivot_root\nexec cat /data\n");
        Run exec = cwb(List.of(), "--script", withExec.toString());
        assertEquals(0, exec.code(), exec.err());
        byte[] all = exec.bytes();
        assertTrue(all.length > SIZE, "the steps' calls come first");
        byte[] tail = java.util.Arrays.copyOfRange(all, all.length - SIZE, all.length);
        assertEquals(sha256(data), sha256(tail), "exec: the file's bytes end standard output");
        assertTrue(exec.err().contains("cat /data (pid "), "exec's own lines go to stderr:\n" + exec.err());
        Files.delete(exec.out());

        assertSameBytes(cwb(List.of(), "cat", "random", "/data"), "cat");
    }

    @Test
    void twoHundredMegabytesPassThroughA32MegabyteHeap() throws Exception {
        Run r = cwb(List.of("-Xmx32m"), "run", "random", "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do cat /data; done");
        assertEquals(0, r.code(), r.err());
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 10; i++) {
            expected.update(data);
        }
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long size = 0;
        try (InputStream in = Files.newInputStream(r.out())) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                got.update(buf, 0, n);
                size += n;
            }
        }
        Files.delete(r.out());
        assertEquals(10L * SIZE, size);
        assertEquals(HexFormat.of().formatHex(expected.digest()), HexFormat.of().formatHex(got.digest()));
        assertTrue(!r.err().contains("OutOfMemoryError") && !r.err().contains("out of memory"), r.err());
    }

    @Test
    void stdoutHoldsTheCommandsOutputOnlyAndStderrStaysApart() throws Exception {
        Run r = cwb(List.of(), "run", "busybox", "sh", "-c", "printf out; printf err >&2; kill -USR2 0; printf ' still here'");
        assertEquals(0, r.code(), r.err());
        assertEquals("out still here", Files.readString(r.out()), "no status line on stdout");
        Files.delete(r.out());
        assertTrue(r.err().startsWith("err"), r.err());
        // the workbench's own line, on stderr; and the container's kill(0, SIGUSR2) reached its own group only
        assertTrue(r.err().contains(" in busybox-") && r.err().contains("exited 0 · "), r.err());
    }
}
