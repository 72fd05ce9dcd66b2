package dev.cwb.container;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A student without root: the workbench runs as uid 65534 (nobody) with {@code --rootless}, in a home of
 * its own. It builds the samples, unpacks layers-demo without root (whiteouts as 0:0 devices and
 * {@code user.overlay.opaque}, mounted with {@code userxattr}), and runs a container in a user namespace:
 * root inside, the student outside (so the 0700 workspace, the student's own, is all the overlay and
 * pivot_root need); the image's deleted files stay deleted; a cgroup limit, which needs
 * root here, is refused with the reason; {@code build --rootless} runs its RUN steps the same way, and its
 * layers say 0:0 for the student's files. Needs root only to become nobody (setpriv).
 */
class RootlessTest {
    @TempDir
    Path tmp;

    @Test
    void aStudentWithoutRootRunsAContainerInAUserNamespace() throws Exception {
        Requirements.requireRoot();
        Requirements.requireCommand("setpriv", "util-linux");
        Path world = Files.createDirectories(tmp.resolve("world"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        // the student's own directory: theirs and private, so no one else could swap their $CWB_HOME
        Files.setPosixFilePermissions(world, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(world, "unix:uid", 65534);
        Files.setAttribute(world, "unix:gid", 65534);
        // The test's class path may sit where nobody cannot read (/root/.m2): copy it into reach.
        List<String> classpath = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from) || entry.contains("test-classes")) {
                continue;
            }
            Path to = tmp.resolve("cp").resolve((i++) + "-" + from.getFileName());
            copyTree(from, to);
            classpath.add(to.toString());
        }
        Path script = world.resolve("steps.cwb");
        Path recipes = Path.of("sample-images").toAbsolutePath();
        Path ctx = Files.createDirectories(world.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY f.txt /f.txt\nRUN echo ran > /ran\n");
        Files.writeString(ctx.resolve("f.txt"), "f\n");
        Files.writeString(script, String.join("\n",
                "samples build --recipes " + recipes,
                "build --rootless -t rl-built " + ctx,
                "run --name rl-run layers-demo sh -c 'id -u; cat /proc/self/uid_map; ls /var/lib/apt/lists | wc -l; ls /app/config'",
                "run --memory 16M busybox true",
                ""));
        Process p = new ProcessBuilder("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                "env", "HOME=" + world, "CWB_HOME=" + world.resolve("home"),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", String.join(File.pathSeparator, classpath),
                "dev.cwb.Main", "--rootless", "--keep-going", "--script", script.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the rootless workbench finished");
        String out = new String(p.getInputStream().readAllBytes());
        List<String> lines = out.lines().toList();
        int at = lines.indexOf("0");
        assertTrue(at >= 0, "root inside the container:\n" + out);
        assertTrue(lines.get(at + 1).trim().matches("0\\s+65534\\s+1"), "uid 0 inside is 65534 outside:\n" + out);
        assertEquals("0", lines.get(at + 2).trim(), "the layer that deleted the apt lists keeps them deleted:\n" + out);
        assertEquals("message", lines.get(at + 3).trim(), "the opaque directory hides v1's files:\n" + out);
        assertTrue(out.contains("exited 0"), out);
        // build without root: the RUN is a container in a user namespace, and the student's files are root's in the layers
        assertTrue(out.contains("Built rl-built:latest"), out);
        dev.cwb.image.ImageStore store = dev.cwb.image.ImageStore.open(world.resolve("home/images"));
        dev.cwb.image.Image built = store.image("rl-built");
        for (dev.cwb.image.Descriptor layer : built.layers().subList(built.layers().size() - 2, built.layers().size())) {
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(store.blobPath(layer.digest())));
                 var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(in)) {
                for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    assertEquals("0:0", e.getLongUserId() + ":" + e.getLongGroupId(), e.getName() + " in a rootless build's layer");
                }
            }
        }
        assertTrue(out.contains("cannot create cgroup") || out.contains("cgroup"), "the limit is refused, with why:\n" + out);
        assertFalse(Files.exists(world.resolve("home/run/containers/rl-run")), "the container was removed");
        assertFalse(out.contains("warning:"), "nothing to warn about in a home of the student's own:\n" + out);
        for (Path dir : List.of(world.resolve("home/run"), world.resolve("home/run/containers"))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir.toString());
            assertEquals(65534, Files.getAttribute(dir, "unix:uid"), "the student's own: root inside the user namespace is them");
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        if (Files.isDirectory(from)) {
            try (var walk = Files.walk(from)) {
                for (Path p : walk.toList()) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } else {
            Files.createDirectories(to.getParent());
            Files.copy(from, to);
        }
        try (var walk = Files.walk(to.getParent())) {
            for (Path p : walk.toList()) {
                p.toFile().setReadable(true, false);
                if (Files.isDirectory(p)) {
                    p.toFile().setExecutable(true, false);
                }
            }
        }
    }
}
