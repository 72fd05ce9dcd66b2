package dev.cwb;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher {@code ./cwb} in a pseudo-terminal (util-linux's {@code script}), on a checkout of its own with
 * a stand-in JDK whose {@code java} only records that it ran and makes the archive a dump would make: what
 * the learner sees while the class-data archive is prepared, without the seconds the real one takes.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    @Test
    void theFirstStartSaysItIsPreparingTheArchiveAndLaterStartsDoNot() throws Exception {
        Requirements.requireLinux();
        Path script = Requirements.requireCommand("script", "bsdutils");
        Path checkout = tmp.resolve("checkout/target");
        Path jdk = checkoutWithStandInJava(checkout, """
                #!/bin/sh
                echo "$*" >> "$(dirname "$0")/../calls"
                for a; do
                    case $a in -XX:SharedArchiveFile=*) dump=${a#-XX:SharedArchiveFile=} ;; -Xshare:dump) dumping=1 ;; esac
                done
                [ -n "$dumping" ] && : > "$dump"
                [ "$*" = "${*%--version}" ] || echo "stand-in java"
                exit 0
                """);

        String first = start(script, checkout.resolveSibling("cwb"), jdk.getParent());
        assertTrue(first.contains("preparing faster starts (once for this build): class-data archive " + checkout.resolve("cwb-jdk17.0.99.jsa")),
                "the first start says what it is doing:\n" + first);
        assertTrue(first.contains("stand-in java"), first);
        assertTrue(Files.exists(checkout.resolve("cwb-jdk17.0.99.jsa")));
        String second = start(script, checkout.resolveSibling("cwb"), jdk.getParent());
        assertFalse(second.contains("preparing"), "the archive is there: no message, no training:\n" + second);
        assertTrue(second.contains("stand-in java"), second);
    }

    /**
     * What the launcher passes to Java, once the archive exists: the archive mapped where it was dumped, and
     * the quick compiler alone only for a command that never hashes a layer (a pull with C1 alone would hash
     * seven times slower).
     */
    @Test
    void aListingStartsWithTheQuickCompilerAndAPullWithBoth() throws Exception {
        Requirements.requireLinux();
        Path script = Requirements.requireCommand("script", "bsdutils");
        Path checkout = tmp.resolve("checkout/target");
        Path jdk = checkoutWithStandInJava(checkout, """
                #!/bin/sh
                for a; do
                    case $a in -XX:SharedArchiveFile=*) dump=${a#-XX:SharedArchiveFile=} ;; -Xshare:dump) dumping=1 ;; esac
                done
                [ -n "$dumping" ] && : > "$dump"
                [ -n "$dumping" ] || echo "$*" > "$(dirname "$0")/../last"
                exit 0
                """);
        Path last = jdk.resolveSibling("last");
        start(script, checkout.resolveSibling("cwb"), jdk.getParent(), "--version");

        start(script, checkout.resolveSibling("cwb"), jdk.getParent(), "--no-color images");
        String images = Files.readString(last);
        assertTrue(images.contains("-XX:SharedArchiveFile=" + checkout.resolve("cwb-jdk17.0.99.jsa") + " -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"), images);
        assertTrue(images.contains("-XX:TieredStopAtLevel=1") && images.endsWith("--no-color images\n"), images);
        start(script, checkout.resolveSibling("cwb"), jdk.getParent(), "inspect busybox");
        assertTrue(Files.readString(last).contains("-XX:TieredStopAtLevel=1"), Files.readString(last));
        for (String slow : new String[] {"pull busybox", "inspect layers busybox", "run busybox true", "load -i x.tar", ""}) {
            start(script, checkout.resolveSibling("cwb"), jdk.getParent(), slow);
            String line = Files.readString(last);
            assertFalse(line.contains("TieredStopAtLevel"), "'" + slow + "' may hash a layer: both compilers: " + line);
            assertTrue(line.contains("-XX:ArchiveRelocationMode=0"), line);
        }
    }

    /**
     * A checkout of its own at {@code target}'s parent (the launcher copied in, a jar that is not one) and a
     * stand-in JDK whose {@code java} is {@code javaScript}; returns the stand-in's {@code bin} directory.
     */
    private Path checkoutWithStandInJava(Path target, String javaScript) throws IOException {
        Files.createDirectories(target);
        String repo = System.getenv("CWB_TEST_REPO");
        Files.copy((repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath().resolve("cwb"), target.resolveSibling("cwb"),
                java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(target.resolve("cwb.jar"), "not a real jar: the stand-in java never opens it");
        Path jdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        Files.writeString(jdk.resolveSibling("release"), "JAVA_VERSION=\"17.0.99\"\n");
        Path java = Files.writeString(jdk.resolve("java"), javaScript);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return jdk;
    }

    private String start(Path script, Path cwb, Path jdk) throws IOException, InterruptedException {
        return start(script, cwb, jdk, "--version");
    }

    private String start(Path script, Path cwb, Path jdk, String args) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(script.toString(), "-qec", cwb + " " + args, "/dev/null").redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", jdk.toString());
        env.put("CWB_HOME", tmp.resolve("home").toString());
        env.put("HOME", tmp.resolve("user").toString());
        env.put("CWB_NO_SAMPLES", "1");
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.replace("\r", "");
    }
}
