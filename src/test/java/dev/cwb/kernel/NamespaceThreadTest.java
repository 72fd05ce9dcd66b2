package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Real namespaces on a real kernel, as root: the thread changes, the host does not. */
class NamespaceThreadTest {
    @TempDir
    Path tmp;

    @Test
    void utsNamespaceChangesOnlyTheThread() throws Exception {
        Requirements.requireRoot();
        String hostBefore = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        SyscallLog log = new SyscallLog();
        Syscalls sys = new Syscalls(log);
        try (NamespaceThread ns = NamespaceThread.start("cwb-uts-test", sys)) {
            String seen = ns.call(() -> {
                sys.unshare(CloneFlags.CLONE_NEWUTS);
                sys.sethostname("cwb-test");
                return Kernel.gethostname();
            });
            assertEquals("cwb-test", seen);
            assertEquals("cwb-test", ns.call(() -> Files.readString(Path.of("/proc/sys/kernel/hostname")).strip()),
                    "the thread's /proc view is its own UTS namespace");
            assertEquals(hostBefore, Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            assertEquals(hostBefore, Kernel.gethostname());

            Map<String, String> inside = ns.call(NamespaceIds::ofCurrentThread);
            Map<String, String> host = NamespaceIds.ofHost();
            assertEquals(List.of("uts"), NamespaceIds.differing(inside, host));
            assertEquals(inside, NamespaceIds.ofThread(ns.tid()), "the same ids seen from another thread");
            assertEquals(List.of(), NamespaceIds.differing(NamespaceIds.ofCurrentThread(), host));

            List<String> lines = log.recordsOf(ns.tid()).stream().map(SyscallRecord::straceLine).toList();
            assertEquals(List.of("gettid() = " + ns.tid(), "unshare(CLONE_FS) = 0", "unshare(CLONE_NEWUTS) = 0",
                    "sethostname(\"cwb-test\", 8) = 0"), lines);
        }
        assertEquals(hostBefore, Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
    }

    @Test
    void mountNamespaceHidesTheThreadsMountsFromTheHost() throws Exception {
        Requirements.requireRoot();
        Path dir = Files.createDirectory(tmp.resolve("mnt"));
        String target = dir.toString();
        Syscalls sys = new Syscalls(SyscallListener.NONE);
        try (NamespaceThread ns = NamespaceThread.start("cwb-mnt-test", sys)) {
            String inside = ns.call(() -> {
                sys.unshare(CloneFlags.CLONE_NEWNS);
                sys.mount("none", "/", null, MountFlags.MS_REC | MountFlags.MS_PRIVATE, null);
                sys.mount("cwbtest", target, "tmpfs", MountFlags.MS_NOSUID | MountFlags.MS_NODEV, "size=1m");
                return Files.readString(Path.of("/proc/thread-self/mountinfo"));
            });
            assertTrue(mountedAt(inside, target), "the thread sees its tmpfs:\n" + inside);
            assertFalse(mountedAt(Files.readString(Path.of("/proc/1/mountinfo")), target), "the host does not");
            assertFalse(mountedAt(Files.readString(Path.of("/proc/thread-self/mountinfo")), target),
                    "neither does this test's own thread");
            ns.call(() -> {
                sys.umount2(target, 0);
                return null;
            });
            assertFalse(mountedAt(ns.call(() -> Files.readString(Path.of("/proc/thread-self/mountinfo"))), target));
        }
        assertFalse(mountedAt(Files.readString(Path.of("/proc/self/mountinfo")), target), "nothing leaked");
    }

    @Test
    void tasksRunInOrderAndAThreadCanBeClosedTwice() throws Exception {
        Requirements.requireLinux();
        NamespaceThread ns = NamespaceThread.start("cwb-order-test", new Syscalls(SyscallListener.NONE));
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            int n = i;
            ns.submit(() -> order.append(n));
        }
        Syscalls sys = new Syscalls(SyscallListener.NONE);
        assertEquals(ns.tid(), (int) ns.call(sys::gettid));
        assertNotEquals(ns.tid(), sys.gettid());
        ns.close();
        ns.close();
        assertEquals("01234", order.toString());
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> ns.submit(() -> 1));
    }

    /** mountinfo's fifth field is the mount point. */
    static boolean mountedAt(String mountinfo, String path) {
        return mountinfo.lines().map(l -> l.split(" ")).anyMatch(f -> f.length > 4 && f[4].equals(path));
    }
}
