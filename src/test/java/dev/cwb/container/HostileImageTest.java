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
 * command not on its PATH are one clear line each. Its absolute links (/etc/passwd, a PATH directory) are
 * resolved inside its root when the workbench looks up a user or a program, never against the host's.
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
        // host files the image's absolute links name: a passwd-like account, and a program on a PATH directory
        Files.writeString(home.resolve("host-shadow"), "intruder:x:4242:4242::/:/bin/sh\n");
        Files.createDirectories(home.resolve("host-bin"));
        Files.writeString(home.resolve("host-bin/host-only"), "#!/bin/sh\necho from the host\n");
        home.resolve("host-bin/host-only").toFile().setExecutable(true);
        new TestImages()
                .layer("links out", new TestImages.Layer().dir("bin").dir("etc").dir("tmp")
                        .file("bin/busybox", Files.readString(busybox, java.nio.charset.StandardCharsets.ISO_8859_1), 0755)
                        .symlink("bin/sh", "busybox").symlink("bin/id", "busybox")
                        .symlink("etc/passwd", home.resolve("host-shadow").toString())
                        .symlink("sbin", home.resolve("host-bin").toString()))
                .cmd("/bin/sh", "-c", "echo ran")
                .store(cwb.harness().workbench().images(), "linksout");
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
    void theImagesAbsoluteLinksAreResolvedInsideItsRootNeverOnTheHost() {
        // through /proc/PID/root an absolute link resolves against the host's /: the host's file would be read
        ContainerBench.Result user = cwb.run("run", "--name", cwb.name("lnkuser"), "--user", "intruder", "linksout", "id", "-u");
        assertEquals(3, user.code(), user.toString());
        assertTrue(user.err().contains("unable to find user intruder"), user.toString());
        assertFalse(user.out().contains("4242"), user.toString());

        // /sbin -> a host directory that has the program: inside the image there is none
        ContainerBench.Result program = cwb.run("run", "--name", cwb.name("lnkpath"), "-e", "PATH=/sbin:/bin", "linksout", "host-only");
        assertEquals(3, program.code(), program.toString());
        assertTrue(program.err().contains("\"host-only\": executable file not found in $PATH"), program.toString());
        assertFalse(program.out().contains("from the host"), program.toString());
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
