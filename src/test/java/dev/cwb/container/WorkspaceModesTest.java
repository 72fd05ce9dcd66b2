package dev.cwb.container;

import dev.cwb.image.TestImages;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Another local user and a mounted container. In step mode the overlay is mounted on the host until
 * {@code unshare mnt} hides it, so {@code run/containers/NAME/rootfs} is the image's tree, set-uid-root
 * programs included. Here the home itself is open to everyone (0755, as {@code /var/lib/cwb} is), and
 * user 65534 (nobody) still cannot list the workspace nor run the image's set-uid program through it.
 */
class WorkspaceModesTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void images() throws Exception {
        Requirements.requireRoot();
        Requirements.requireCommand("setpriv", "util-linux");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        cwb = ContainerBench.open(home);
        String busybox = Files.readString(Path.of("/bin/busybox"), java.nio.charset.StandardCharsets.ISO_8859_1);
        new TestImages()
                .layer("a set-uid-root program", new TestImages.Layer().dir("bin")
                        .file("bin/busybox-suid", busybox, 04755))
                .cmd("/bin/busybox-suid", "sh")
                .store(cwb.harness().workbench().images(), "suid");
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void anotherUserCannotReachAMountedWorkspace() throws Exception {
        String name = cwb.name("modes");
        cwb.ok("new", name, "from", "suid");
        cwb.ok("overlay");
        Path workspace = cwb.workspace(name);
        Path suid = workspace.resolve("rootfs/bin/busybox-suid");
        int mode = (Integer) Files.getAttribute(suid, "unix:mode");
        assertEquals(04000, mode & 04000, "the image's program is set-uid root in the mounted rootfs (mode " + Integer.toOctalString(mode) + ")");
        assertEquals(0, (Integer) Files.getAttribute(suid, "unix:uid"));
        assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(workspace.resolve("rootfs") + " "),
                "the overlay is mounted in the host's namespace");

        for (Path dir : List.of(home.resolve("run"), home.resolve("run/containers"), workspace)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir.toString());
        }
        Processes.Result list = asNobody("ls", workspace.toString());
        assertNotEquals(0, list.exitCode(), "nobody listed the workspace:\n" + list.output());
        assertTrue(list.output().contains("Permission denied"), list.output());
        Processes.Result rootfs = asNobody("ls", workspace.resolve("rootfs/bin").toString());
        assertNotEquals(0, rootfs.exitCode(), "nobody listed the image's /bin:\n" + rootfs.output());
        Processes.Result run = asNobody(suid.toString(), "id", "-u");
        assertNotEquals(0, run.exitCode(), "nobody ran the image's set-uid program:\n" + run.output());
        assertTrue(run.output().contains("Permission denied"), run.output());

        cwb.ok("rm", name);
    }

    private static Processes.Result asNobody(String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        argv.addAll(List.of(command));
        return Processes.run(null, argv);
    }
}
