package dev.cwb;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/install-packages} (which {@code scripts/test} runs first as root) names the packages it is
 * about to install before apt-get runs, and shows apt-get's words only when it fails. apt-get and dpkg-query
 * are stand-ins on the PATH here: dpkg-query reports two packages missing, apt-get logs its arguments and fails.
 */
class InstallPackagesTest {
    @TempDir
    Path bin;

    private static Path repo() {
        String repo = System.getenv("CWB_TEST_REPO");
        return (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath();
    }

    private void script(String name, String body) throws Exception {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void theMissingPackagesAreNamedBeforeAptGetRuns() throws Exception {
        Requirements.requireRoot(); // the script refuses to install without root
        Path log = bin.resolve("apt-get.log");
        script("dpkg-query", "case \"$3\" in asciinema|strace) exit 1 ;; esac\nprintf 'install ok installed'\n");
        script("apt-get", "echo \"apt-get $*\" >> " + log + "\n"
                + "case \"$1\" in install) echo 'install-packages: (apt-get ran here)' >&2; echo 'E: stand-in refusal' >&2; exit 100 ;; esac\n");
        ProcessBuilder pb = new ProcessBuilder(repo().resolve("scripts/install-packages").toString(), "test")
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), said);
        String named = "install-packages: installing 2 missing package(s) with apt-get: strace asciinema";
        assertTrue(said.contains(named), said);
        assertTrue(said.indexOf(named) < said.indexOf("(apt-get ran here)"), "named before apt-get runs:\n" + said);
        assertTrue(said.contains("E: stand-in refusal"), "apt-get's own words when it fails:\n" + said);
        assertTrue(Files.readString(log).contains("apt-get install -y -qq --no-upgrade strace asciinema"), Files.readString(log));
    }
}
