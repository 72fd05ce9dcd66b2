package dev.cwb.volume;

import dev.cwb.kernel.SyscallException;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A mount target resolved inside a root: links followed, but never out of it (runc's securejoin). */
class RootPathTest {
    @TempDir
    Path root;

    @BeforeEach
    void tree() throws IOException {
        Requirements.requireLinux();
        Files.createDirectories(root.resolve("etc/app"));
        Files.createDirectories(root.resolve("srv"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0\n");
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("climb"), Path.of("../../../../../../../etc/app"));
        Files.createSymbolicLink(root.resolve("srv/chain"), Path.of("../abs/app"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(root.resolve("slash"), Path.of("/"));
    }

    private RootPath.Resolved resolve(String path) throws SyscallException {
        return RootPath.resolve(root, path);
    }

    @Test
    void linksLeadInsideTheRoot() throws SyscallException {
        assertEquals(new RootPath.Resolved("/etc", 1, RootPath.Kind.DIRECTORY), resolve("/abs"));
        assertEquals(new RootPath.Resolved("/etc/app", 2, RootPath.Kind.DIRECTORY), resolve("/climb"));
        assertEquals(new RootPath.Resolved("/etc/app", 2, RootPath.Kind.DIRECTORY), resolve("/srv/chain"));
        assertEquals(new RootPath.Resolved("/", 0, RootPath.Kind.DIRECTORY), resolve("/slash"));
        assertEquals(new RootPath.Resolved("/etc/passwd", 2, RootPath.Kind.FILE), resolve("/abs/passwd"));
    }

    @Test
    void missingComponentsAreCountedForMaking() throws SyscallException {
        assertEquals(new RootPath.Resolved("/etc/new/deeper", 1, RootPath.Kind.MISSING), resolve("/abs/new/deeper"));
        assertEquals(new RootPath.Resolved("/data", 0, RootPath.Kind.MISSING), resolve("/data"));
    }

    @Test
    void aFileOnTheWayOrALoopIsAnError() {
        assertEquals(dev.cwb.kernel.DirFd.ENOTDIR, assertThrows(SyscallException.class, () -> resolve("/etc/passwd/x")).errno());
        assertEquals(dev.cwb.kernel.DirFd.ELOOP, assertThrows(SyscallException.class, () -> resolve("/loop")).errno());
    }
}
