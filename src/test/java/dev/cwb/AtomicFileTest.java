package dev.cwb;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file replaced whole: the new content or the old, with the mode asked for, and no temporary file left. */
class AtomicFileTest {
    @TempDir
    Path dir;
    Path mounted;

    @Test
    void replacesTheFileWithTheModeAskedFor() throws Exception {
        Path f = dir.resolve("sub/state.json");
        AtomicFile.write(f, "one".getBytes(StandardCharsets.UTF_8));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        AtomicFile.write(f, AtomicFile.SHARED, out -> out.write("two".getBytes(StandardCharsets.UTF_8)));
        assertEquals("two", Files.readString(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(List.of(f), entries(f.getParent()), "only the file itself is in its directory");
    }

    @Test
    void aFailedWriteLeavesTheOldContentAndNoTemporaryFile() throws Exception {
        Path f = dir.resolve("progress.json");
        AtomicFile.write(f, "old".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(f, AtomicFile.PRIVATE, out -> {
            out.write("half of the n".getBytes(StandardCharsets.UTF_8));
            throw new IOException("the writer failed half way");
        }));
        assertEquals("the writer failed half way", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), entries(dir));
    }

    /** On a file system that fills up: ENOSPC reaches the caller, which can tell it by DiskFull.is; nothing is left. */
    @Test
    void aFullDiskLeavesTheOldContentAndNoTemporaryFile() throws Exception {
        Requirements.requireRoot();
        mounted = Files.createDirectory(dir.resolve("small"));
        sh("mount", "-t", "tmpfs", "-o", "size=64k", "cwb-test-atomic", mounted.toString());
        Path f = mounted.resolve("state.json");
        AtomicFile.write(f, "old".getBytes(StandardCharsets.UTF_8));
        byte[] big = new byte[256 * 1024];
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(f, big));
        assertTrue(DiskFull.is(e), "seen as a full disk: " + e);
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), entries(mounted));
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null && dev.cwb.kernel.MountInfo.isMountPoint(mounted)) {
            sh("umount", mounted.toString());
        }
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    private static List<Path> entries(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.sorted().toList();
        }
    }
}
