package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Failed calls on a real kernel: recorded with -1 and the kernel's errno, then thrown. */
class SyscallsTest {
    @TempDir
    Path tmp;

    @Test
    void mkdirOfAnExistingDirectoryRecordsEexist() throws Exception {
        Requirements.requireLinux();
        SyscallLog log = new SyscallLog();
        Syscalls sys = new Syscalls(log);
        String dir = tmp.resolve("d").toString();
        sys.mkdir(dir, 0700);
        SyscallException e = assertThrows(SyscallException.class, () -> sys.mkdir(dir, 0755));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("mkdirat", e.call());
        assertTrue(e.getMessage().contains("EEXIST (File exists)"), e.getMessage());
        List<SyscallRecord> r = made(log);
        assertEquals(2, r.size());
        assertEquals("mkdirat(AT_FDCWD, \"" + dir + "\", 0700) = 0", r.get(0).straceLine());
        assertEquals("mkdirat(AT_FDCWD, \"" + dir + "\", 0755) = -1 EEXIST (File exists)", r.get(1).straceLine());
        assertEquals(-1, r.get(1).result());
        assertEquals("EEXIST", r.get(1).errnoName());
        assertTrue(Files.isDirectory(Path.of(dir)));
        assertEquals(sys.gettid(), r.get(0).tid());
        assertTrue(r.get(0).duration().toNanos() > 0);
    }

    @Test
    void bindMountOfAMissingSourceRecordsEnoent() throws Exception {
        Requirements.requireRoot();
        SyscallLog log = new SyscallLog();
        Syscalls sys = new Syscalls(log);
        String missing = tmp.resolve("missing").toString();
        String target = Files.createDirectory(tmp.resolve("t")).toString();
        SyscallException e = assertThrows(SyscallException.class,
                () -> sys.mount(missing, target, null, MountFlags.MS_BIND, null));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("mount(\"" + missing + "\", \"" + target + "\", NULL, MS_BIND, NULL) = -1 ENOENT (No such file or directory)",
                made(log).get(0).straceLine());
        SyscallException notMounted = assertThrows(SyscallException.class, () -> sys.umount2(target, MountFlags.MNT_DETACH));
        assertEquals(Errno.EINVAL, notMounted.errno());
        assertEquals("umount2(\"" + target + "\", MNT_DETACH) = -1 EINVAL (Invalid argument)",
                made(log).get(1).straceLine());
    }

    @Test
    void openAndCloseReturnTheDescriptor() throws Exception {
        Requirements.requireLinux();
        SyscallLog log = new SyscallLog();
        Syscalls sys = new Syscalls(log);
        int fd = sys.open(tmp.toString(), OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
        assertTrue(fd >= 0);
        assertEquals(tmp.toRealPath(), Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)));
        sys.close(fd);
        assertEquals(Errno.EBADF, assertThrows(SyscallException.class, () -> sys.close(fd)).errno());
        List<String> lines = made(log).stream().map(SyscallRecord::straceLine).toList();
        assertEquals("close(" + fd + ") = -1 EBADF (Bad file descriptor)", lines.get(2));
        assertTrue(lines.get(0).startsWith("openat(AT_FDCWD, \"" + tmp + "\", O_RDONLY|O_CLOEXEC|O_PATH|O_DIRECTORY) = "),
                lines.get(0));
        Path saved = tmp.resolve("trace.txt");
        log.save(saved);
        assertEquals(log.straceLines(), Files.readAllLines(saved));
    }

    /**
     * The calls a test made, without the {@code gettid()} recorded before a thread's first traced call
     * (whether it appears depends on which test ran first on this thread).
     */
    private static List<SyscallRecord> made(SyscallLog log) {
        return log.records().stream().filter(r -> !r.name().equals("gettid")).toList();
    }

    @Test
    void embeddedNulIsRefusedBeforeTheKernelSeesIt() {
        Requirements.requireLinux();
        SyscallLog log = new SyscallLog();
        assertThrows(IllegalArgumentException.class, () -> new Syscalls(log).chdir("/tmp\0/etc"));
        assertEquals(List.of(), log.records());
    }
}
