package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic chroot escape, tried for real: after chroot(2) the container's process climbs out to the
 * host's root; after pivot_root(2) in its own mount namespace the same climb stops at its own root.
 * What the container's commands can list tells which root they got.
 */
class RootEscapeTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void aChrootCanBeEscaped() throws IOException {
        String box = cwb.name("chroot");
        String hostOnly = home.toString(); // the workbench's home exists on the host, never in the image
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("overlay");
        cwb.ok("chroot");
        ContainerBench.Result before = cwb.run("exec", "ls", hostOnly);
        assertNotEquals(0, before.code(), "the chroot shows the host's files before any escape:\n" + before);
        assertTrue(before.err().contains("No such file or directory"), before.toString());
        assertEquals(imageRoot(), listing(cwb.ok("exec", "ls", "-a", "/")), "the chroot's / is not the image's");

        ContainerBench.Result escape = cwb.ok("escape");
        assertTrue(escape.out().contains("Escaped: the container's root is now the host's /"), escape.toString());

        ContainerBench.Result refused = cwb.run("exec", "ls", hostOnly);
        assertEquals(4, refused.code(), "after the escape exec runs on the host's files only when asked to:\n" + refused);
        assertTrue(refused.err().contains("is still the host's /") && refused.err().contains("exec --on-host"), refused.toString());
        ContainerBench.Result after = cwb.ok("exec", "--on-host", "ls", hostOnly);
        assertTrue(after.lines().containsAll(List.of("images", "layers", "run")), "the host's home, listed from inside:\n" + after);
        assertEquals(hostRoot(), listing(cwb.ok("exec", "--on-host", "ls", "-a", "/")), "after the escape / is the host's");
        cwb.ok("rm", box);
    }

    @Test
    void pivotRootCannotBeEscaped() throws IOException {
        String box = cwb.name("pivot");
        String hostOnly = home.toString();
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("unshare", "mnt");
        cwb.ok("overlay");
        cwb.ok("pivot_root");

        ContainerBench.Result escape = cwb.ok("escape");
        assertTrue(escape.out().contains("Stayed inside: the climb stopped at the container's own root"), escape.toString());

        ContainerBench.Result after = cwb.run("exec", "ls", hostOnly);
        assertNotEquals(0, after.code(), "the host's files are reachable after pivot_root:\n" + after);
        assertTrue(after.err().contains("No such file or directory"), after.toString());
        Set<String> root = listing(cwb.ok("exec", "ls", "-a", "/"));
        root.remove(".cwb-escape"); // the directory the escape attempt made (inside the container)
        assertEquals(imageRoot(), root, "after the attempt / is still the image's");
        cwb.ok("rm", box);
    }

    /**
     * The top of the busybox image: the union of its layers' top directories in the layer cache (which also
     * holds the layers of other samples: layers-demo's build unpacked them for its RUN steps).
     */
    private static Set<String> imageRoot() throws IOException {
        Set<String> names = new TreeSet<>(List.of(".", ".."));
        for (dev.cwb.image.Digest diffId : cwb.harness().workbench().images().image("busybox").config().diffIds()) {
            names.addAll(names(home.resolve("layers").resolve(diffId.encoded()).resolve("fs")));
        }
        return names;
    }

    private static Set<String> hostRoot() throws IOException {
        Set<String> names = new TreeSet<>(List.of(".", ".."));
        names.addAll(names(Path.of("/")));
        return names;
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static Set<String> listing(ContainerBench.Result ls) {
        Set<String> names = new TreeSet<>();
        for (String line : ls.lines()) {
            if (line.startsWith("ls ") && line.contains("(pid ")) {
                break; // the workbench's own line on how the command ended
            }
            names.add(line.trim());
        }
        return names;
    }
}
