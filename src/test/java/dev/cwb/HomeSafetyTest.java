package dev.cwb;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the workbench says about {@code $CWB_HOME} at start: state directories wider than 0700 are narrowed,
 * and a path on which another user could swap the home is named with what to do. Real directories and
 * modes; the cases with another owner chown to uid 65534 (root only).
 */
class HomeSafetyTest {
    private static final int ME = WorkbenchHome.effectiveUid();

    @TempDir
    Path tmp;

    @Test
    void aWorkspaceOthersCanReachIsNarrowedTo0700() throws Exception {
        Requirements.requireLinux();
        Path home = tmp.resolve("home");
        Path ws = Files.createDirectories(home.resolve("run/containers/c1"));
        Files.createDirectories(ws.resolve("upper"));
        Files.createDirectories(ws.resolve("rootfs"));
        for (Path p : List.of(home.resolve("run"), home.resolve("run/containers"), ws, ws.resolve("upper"), ws.resolve("rootfs"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        List<String> warnings = HomeSafety.check(new WorkbenchHome(home), ME);
        assertEquals(4, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(2).startsWith("warning: " + ws + " was mode 0755, so other users could reach"), warnings.get(2));
        assertTrue(warnings.get(2).endsWith("made it 0700"), warnings.get(2));
        for (Path p : List.of(home.resolve("run"), home.resolve("run/containers"), ws, ws.resolve("rootfs"))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
        }
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(ws.resolve("upper"))),
                "upper/ keeps 0755: it is the mode of the container's /");
        assertEquals(List.of(), HomeSafety.check(new WorkbenchHome(home), ME), "nothing left to say the second time");
    }

    @Test
    void aParentOthersCanWriteWithoutTheStickyBitIsReported() throws Exception {
        Requirements.requireLinux();
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path home = Files.createDirectories(shared.resolve("cwb"));
        List<String> warnings = HomeSafety.check(new WorkbenchHome(home), ME);
        assertEquals(1, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).startsWith("warning: " + shared + " is mode 0777: other users can write it and so replace "
                + home), warnings.get(0));
        assertTrue(warnings.get(0).contains("chmod go-w " + shared), warnings.get(0));

        Files.delete(home); // not made yet: someone could still put theirs there first
        assertEquals(1, HomeSafety.check(new WorkbenchHome(home), ME).size());
    }

    @Test
    void aStickySharedParentIsSafeForAHomeOfYourOwn() throws Exception {
        Requirements.requireLinux();
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        Path home = Files.createDirectories(shared.resolve("cwb"));
        assertEquals(List.of(), HomeSafety.check(new WorkbenchHome(home), ME), "like /tmp/cwb-me: only its owner may rename it");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> open = HomeSafety.check(new WorkbenchHome(home), ME);
        assertEquals(1, open.size(), String.join("\n", open));
        assertTrue(open.get(0).contains("is mode 0777: other users can write it and replace its run/"), open.get(0));
    }

    @Test
    void aHomeSomeoneElseOwnsInAStickyDirectoryIsReported() throws Exception {
        Requirements.requireRoot();
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        Path home = Files.createDirectories(shared.resolve("cwb"));
        Files.setAttribute(home, "unix:uid", 65534); // they made it first
        List<String> warnings = HomeSafety.check(new WorkbenchHome(home), ME);
        assertEquals(1, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).startsWith("warning: $CWB_HOME (" + home + ") belongs to uid 65534, not to you"), warnings.get(0));
        assertTrue(warnings.get(0).contains("mkdir -m 700 " + shared.resolve("cwb-" + ME)), warnings.get(0));
    }

    @Test
    void aDirectoryOnTheWayThatSomeoneElseOwnsIsReported() throws Exception {
        Requirements.requireRoot();
        Path theirs = Files.createDirectories(tmp.resolve("theirs"));
        Path home = Files.createDirectories(theirs.resolve("cwb"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        List<String> warnings = HomeSafety.check(new WorkbenchHome(home), ME);
        assertEquals(1, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).startsWith("warning: " + theirs + " belongs to uid 65534, who could replace " + home), warnings.get(0));
    }

    @Test
    void someoneElsesWorkspaceIsReportedAndLeftAlone() throws Exception {
        Requirements.requireRoot();
        Path home = tmp.resolve("home");
        Path ws = Files.createDirectories(home.resolve("run/containers/c1"));
        Files.setPosixFilePermissions(home.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(home.resolve("run/containers"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(ws, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(ws, "unix:uid", 65534);
        List<String> warnings = HomeSafety.check(new WorkbenchHome(home), ME);
        assertEquals(1, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).startsWith("warning: " + ws + " belongs to uid 65534, not to you"), warnings.get(0));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(ws)));
    }
}
