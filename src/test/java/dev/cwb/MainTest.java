package dev.cwb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line contract scripts, graders and lessons rely on, checked on a real JVM started the
 * way {@code ./cwb} starts it: exit codes, one-line errors on stderr, {@code --script}, piped stdin.
 */
class MainTest {
    @TempDir
    Path home;

    record Run(int code, String out, String err) {
    }

    private Run cwb(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cwb.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("CWB_HOME", home.toString());
        pb.environment().remove("NO_COLOR");
        Path out = home.resolve("stdout");
        Path err = home.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "cwb did not finish");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void oneCommandExitsWithItsResult() throws Exception {
        Run ok = cwb("", "images");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("No images yet"), ok.out());
        Run missing = cwb("", "inspect", "nosuch");
        assertEquals(3, missing.code());
        assertEquals("error: no such image 'nosuch' — the store is empty: 'pull nosuch' fetches it from a registry, 'load PATH' reads an archive, 'samples build' makes the samples\n",
                missing.err());
        assertEquals("", missing.out());
    }

    @Test
    void startingNarrowsAWorkspaceOthersCouldReachAndSaysSo() throws Exception {
        dev.cwb.testing.Requirements.requireLinux();
        Path workspace = Files.createDirectories(home.resolve("run/containers/left-open"));
        for (Path p : List.of(home.resolve("run"), home.resolve("run/containers"), workspace)) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        Files.setPosixFilePermissions(workspace, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Run r = cwb("", "images");
        assertEquals(0, r.code(), r.err());
        assertEquals("warning: " + workspace + " was mode 0755, so other users could reach the files of the containers in it; "
                + "made it 0700\n", r.err());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(workspace)));
        assertEquals("", cwb("", "images").err(), "said once: the mode is right now");
    }

    @Test
    void debugAddsTheStackTrace() throws Exception {
        Run r = cwb("", "--debug", "inspect", "nosuch");
        assertEquals(3, r.code());
        assertTrue(r.err().contains("at dev.cwb.image.ImageStore.find"), r.err());
    }

    @Test
    void unknownCommandIsAUsageError() throws Exception {
        Run r = cwb("", "imagez");
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void scriptStopsAtTheFirstFailureWithItsExitCode() throws Exception {
        Path script = Files.writeString(home.resolve("lab.cwb"), "# a lab script\nimages --json\n\ninspect nosuch\nimages\n");
        Run r = cwb("", "--script", script.toString());
        assertEquals(3, r.code());
        assertEquals("[ ]", r.out().strip(), "the first command ran, the one after the failure did not");
        assertTrue(r.err().startsWith("error: no such image 'nosuch'"), r.err());
    }

    @Test
    void keepGoingRunsEverythingAndStillFails() throws Exception {
        Path script = Files.writeString(home.resolve("lab.cwb"), "inspect nosuch\nimages --json\n");
        Run r = cwb("", "--keep-going", "--script", script.toString());
        assertEquals(3, r.code());
        assertEquals("[ ]", r.out().strip());
    }

    @Test
    void commandsPipedOnStdinRunLikeAScript() throws Exception {
        Run r = cwb("images --json\nhelp images\n");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("[ ]"), r.out());
        assertTrue(r.out().contains("Usage: cwb images"), r.out());
    }

    @Test
    void missingScriptFileIsOneLine() throws Exception {
        Run r = cwb("", "--script", home.resolve("nope").toString());
        assertEquals(3, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void anErrorQuotesAHugeArgumentInPart() throws Exception {
        // a 20 MB word in a script line: each error line quotes its start and end, not all of it
        String huge = "x".repeat(20_000_000);
        Run r = cwb("inspect " + huge + "\n" + "nosuchcommand" + huge + "end\n", "--keep-going");
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), "one line per error");
        assertEquals(2, r.code());
        for (String line : lines) {
            assertTrue(line.length() < 600, () -> line.length() + " characters: " + line.substring(0, 300) + "...");
        }
        assertTrue(lines.get(0).startsWith("error: no such image 'xxxx"), lines.get(0));
        assertTrue(lines.get(0).contains("characters left out") && lines.get(0).endsWith("'samples build' makes the samples"),
                lines.get(0));
        assertTrue(lines.get(1).startsWith("error: unknown command 'nosuchcommandxxx") && lines.get(1).contains("xxxend'"), lines.get(1));
    }

    @Test
    void homeDefaultsFollowRootAndXdg() {
        assertEquals(Path.of("/var/lib/cwb"), WorkbenchHome.fromEnvironment(Map.of(), "/home/ann", true).root());
        assertEquals(Path.of("/home/ann/.local/share/cwb"), WorkbenchHome.fromEnvironment(Map.of(), "/home/ann", false).root());
        assertEquals(Path.of("/x/cwb"), WorkbenchHome.fromEnvironment(Map.of("XDG_DATA_HOME", "/x"), "/home/ann", false).root());
        assertEquals(Path.of("/lab"), WorkbenchHome.fromEnvironment(Map.of("CWB_HOME", "/lab"), "/home/ann", true).root());
    }
}
