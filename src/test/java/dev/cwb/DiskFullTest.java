package dev.cwb;

import dev.cwb.kernel.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full disk is told apart from a damaged image in each shape Java gives the kernel's errno. */
class DiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void knowsEnospcAndEdquotInEveryShapeAndNothingElse() {
        assertTrue(DiskFull.is(new SyscallException("mknodat", "dev/x", DiskFull.ENOSPC)), "the workbench's own calls");
        assertTrue(DiskFull.is(new SyscallException("write", "f", DiskFull.EDQUOT)), "a quota");
        assertTrue(DiskFull.is(new FileSystemException("/x/y", null, "No space left on device")), "java.nio.file");
        assertTrue(DiskFull.is(new IOException("No space left on device")), "FileChannel.write");
        assertTrue(DiskFull.is(new CwbException(CwbException.CORRUPT, "cannot apply entry", null,
                new IOException(new IOException("No space left on device")))), "found down the cause chain");

        assertFalse(DiskFull.is(new SyscallException("openat", "x", 2)));
        assertFalse(DiskFull.is(new IOException("Unexpected end of ZLIB input stream")));
        assertFalse(DiskFull.is(new FileSystemException("/x", null, "Permission denied")));
        assertFalse(DiskFull.is(new IllegalStateException("No space left on device")), "only I/O failures say so");
    }

    @Test
    void checkTurnsAFullDiskIntoNoSpaceAndLetsTheRestPass() {
        IOException full = new IOException("No space left on device");
        DiskFull.NoSpace n = assertThrows(DiskFull.NoSpace.class, () -> DiskFull.check(full, tmp));
        assertSame(full, n.getCause());
        assertTrue(n.getMessage().startsWith("no space left on device: " + tmp + " the file system at "), n.getMessage());
        DiskFull.check(new IOException("Unexpected end of ZLIB input stream"), tmp); // returns
        assertSame(n, assertThrows(DiskFull.NoSpace.class, () -> DiskFull.check(new IOException(n), tmp)), "the first one found is kept");
    }

    @Test
    void theErrorSaysWhatWasNeededAndWhatIsFree() {
        CwbException e = DiskFull.error("storing layer 1", tmp.resolve("not/yet/made"), 5_000_000, "nothing was added", null);
        assertTrue(e.getMessage().startsWith("no space left on device: storing layer 1 needs 5.00MB; the file system at "), e.getMessage());
        assertTrue(e.getMessage().matches(".* has [0-9.]+[kMGT]?B free.*"), e.getMessage());
        assertTrue(e.hint().endsWith("; nothing was added"), e.hint());
        assertTrue(DiskFull.error("x", tmp, 1, null, null).getMessage().contains("out of inodes"),
                "room for what was needed but ENOSPC all the same: the inodes ran out");
    }
}
