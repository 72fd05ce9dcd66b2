package dev.cwb.container;

import dev.cwb.image.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image is hostile input for the container steps too. One whose {@code /proc} is a symbolic link to a
 * host directory would, if followed, get proc mounted over that directory; the workbench refuses, as runc
 * does, and nothing outside the workspace is mounted or changed. The image's own /etc/passwd and a
 * command not on its PATH are one clear line each.
 */
class HostileImageTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void images() throws Exception {
        cwb = ContainerBench.open(home);
        Path busybox = Path.of("/bin/busybox");
        new TestImages()
                .layer("base", new TestImages.Layer().dir("bin").dir("etc").dir("tmp")
                        .symlink("proc", home.toString()) // a host directory: the test's own home
                        .file("bin/busybox", Files.readString(busybox, java.nio.charset.StandardCharsets.ISO_8859_1), 0755)
                        .symlink("bin/sh", "busybox")
                        .file("etc/passwd", "root:x:0:0::/:/bin/sh\nbroken line without fields\n"))
                .cmd("/bin/sh", "-c", "echo ran")
                .store(cwb.harness().workbench().images(), "hostile");
        new TestImages()
                .layer("not a program", new TestImages.Layer().dir("bin").file("bin/app", "just text, no #! line\n", 0755))
                .cmd("/bin/app")
                .store(cwb.harness().workbench().images(), "notaprogram");
    }

    @AfterAll
    static void removeContainers() {
        cwb.close();
    }

    @Test
    void aProcLinkInTheImageIsNeverFollowedForAMount() throws Exception {
        String before = Files.readString(Path.of("/proc/self/mountinfo"));
        ContainerBench.Result r = cwb.run("run", "--name", cwb.name("procl"), "hostile");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("refusing to mount on /proc") && r.err().contains("symbolic link"), r.toString());
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(home + " "), "nothing mounted on the link's target");
        assertEquals(before.lines().filter(l -> l.contains(home.toString())).count(),
                Files.readString(Path.of("/proc/self/mountinfo")).lines().filter(l -> l.contains(home.toString())).count());
        assertFalse(Files.exists(cwb.workspace(cwb.name("procl"))), "the failed run left no workspace");
    }

    @Test
    void aFileTheKernelCannotExecIsExplained() {
        ContainerBench.Result r = cwb.run("run", "--name", cwb.name("noexec"), "notaprogram");
        assertEquals(6, r.code(), r.toString());
        assertTrue(r.err().contains("ENOEXEC") && r.err().contains("no program this kernel runs"), r.toString());
        assertFalse(Files.exists(cwb.workspace(cwb.name("noexec"))), "removed after the failed execve");
    }

    @Test
    void aMissingProgramAndAnUnknownUserAreOneLineEach() {
        ContainerBench.Result missing = cwb.run("run", "--name", cwb.name("nocmd"), "busybox", "no-such-program");
        assertEquals(3, missing.code(), missing.toString());
        assertTrue(missing.err().contains("executable file not found in $PATH"), missing.toString());
        assertEquals(1, missing.err().lines().filter(l -> l.startsWith("error:")).count(), missing.toString());
        ContainerBench.Result user = cwb.run("run", "--name", cwb.name("nouser"), "--user", "nobody-here", "busybox", "true");
        assertEquals(3, user.code(), user.toString());
        assertTrue(user.err().contains("unable to find user nobody-here"), user.toString());
    }
}
