package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Looking inside a root as its processes would: an image's absolute links, {@code ..} chains and link loops
 * never lead out of it — with openat2(2) and with the walk by hand that stands in for it on older kernels.
 */
class InRootTest {
    @TempDir
    Path tmp;
    Path root;
    Path host;

    @BeforeEach
    void aRootBesideAHostFile() throws IOException {
        Requirements.requireLinux();
        Requirements.require(Kernel.available(), "needs the C library through JNA");
        root = Files.createDirectories(tmp.resolve("root"));
        host = Files.createDirectories(tmp.resolve("host"));
        Files.writeString(host.resolve("shadow"), "secret:x:4242:4242::/:/bin/sh\n");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/sh"), "#!inside\n");
        // each points at the host file, one way or another; resolved inside the root none may reach it
        Files.createSymbolicLink(root.resolve("etc/passwd"), host.resolve("shadow"));
        Files.createSymbolicLink(root.resolve("etc/group"), Path.of("../../../../../../../..").resolve(host.toString().substring(1)).resolve("shadow"));
        Files.createSymbolicLink(root.resolve("usr"), host);
        Files.createSymbolicLink(root.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), Path.of("/loop1"));
        Files.createSymbolicLink(root.resolve("etc/shell"), Path.of("/bin/../bin/./sh"));
    }

    private InRoot open(boolean byHand) throws IOException {
        return byHand ? InRoot.byHand(root) : InRoot.open(root);
    }

    @ParameterizedTest(name = "by hand: {0}")
    @ValueSource(booleans = {false, true})
    void absoluteAndDotDotLinksStayInsideTheRoot(boolean byHand) throws IOException {
        try (InRoot inside = open(byHand)) {
            assertThrows(SyscallException.class, () -> inside.read("/etc/passwd", 1 << 20),
                    "/etc/passwd -> " + host + "/shadow must not be read from the host");
            assertThrows(SyscallException.class, () -> inside.read("/etc/group", 1 << 20), "a .. chain stops at the root");
            assertEquals(InRoot.Kind.MISSING, inside.kind("/usr/shadow"), "/usr -> " + host + " leads nowhere inside");
            assertEquals(InRoot.Kind.SYMLINK, inside.kind("/usr"), "the link itself is there (lstat's view)");
            assertEquals("#!inside\n", inside.readString("/etc/shell", 100), "a link inside the root is followed");
            assertEquals("#!inside\n", inside.readString("../../bin/sh", 100), ".. from the root is the root");

            // the same file put inside the root where the link's target names it: that one is read
            Path decoy = root.resolve(host.toString().substring(1)).resolve("shadow");
            Files.createDirectories(decoy.getParent());
            Files.writeString(decoy, "inside:x:1:1::/:/bin/sh\n");
            assertEquals("inside:x:1:1::/:/bin/sh\n", inside.readString("/etc/passwd", 100));
            assertEquals("inside:x:1:1::/:/bin/sh\n", inside.readString("/etc/group", 100));
            assertEquals(InRoot.Kind.REGULAR, inside.kind("/usr/shadow"));
        }
    }

    @ParameterizedTest(name = "by hand: {0}")
    @ValueSource(booleans = {false, true})
    void loopsFifosAndKindsAreWhatTheKernelSays(boolean byHand) throws IOException {
        try (InRoot inside = open(byHand)) {
            SyscallException loop = assertThrows(SyscallException.class, () -> inside.read("/loop1", 100));
            assertEquals(40, loop.errno(), "ELOOP: " + loop.getMessage());
            Kernel.mknod(root.resolve("etc/fifo"), Kernel.S_IFIFO | 0644, 0);
            IOException fifo = assertThrows(IOException.class, () -> inside.read("/etc/fifo", 100), "a fifo is refused, never read (it would block)");
            assertTrue(fifo.getMessage().contains("not a regular file"), fifo.getMessage());
            assertEquals(InRoot.Kind.DIRECTORY, inside.kind("/"));
            assertEquals(InRoot.Kind.DIRECTORY, inside.kind("/etc"));
            assertEquals(InRoot.Kind.OTHER, inside.kind("/etc/fifo"));
            assertEquals(InRoot.Kind.MISSING, inside.kind("/bin/sh/x"), "through a file: ENOTDIR, nothing there");
            assertTrue(inside.exists("/loop1"));
            assertFalse(inside.exists("/nothing"));
            assertEquals(3, inside.read("/bin/sh", 3).length, "at most max bytes");
        }
    }
}
