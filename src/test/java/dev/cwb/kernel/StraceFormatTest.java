package dev.cwb.kernel;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.cwb.kernel.CloneFlags.*;
import static dev.cwb.kernel.MountFlags.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every expected string here is what strace 6.1 printed for the same call (see the real-kernel tests). */
class StraceFormatTest {
    @Test
    void unshareFlagsInBitOrderWithUnknownBitsAsHex() {
        assertEquals("CLONE_NEWNS|CLONE_NEWUTS", CloneFlags.unshare(CLONE_NEWUTS | CLONE_NEWNS));
        assertEquals("CLONE_FS|CLONE_FILES|CLONE_SYSVSEM", CloneFlags.unshare(CLONE_SYSVSEM | CLONE_FS | CLONE_FILES));
        assertEquals("CLONE_NEWTIME|CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET",
                CloneFlags.unshare(CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
                        | CLONE_NEWNS | CLONE_NEWTIME));
        assertEquals("CLONE_VM|CLONE_NEWNS|0x1", CloneFlags.unshare(CLONE_NEWNS | 0x1 | CLONE_VM));
        assertEquals("0", CloneFlags.unshare(0));
        assertEquals("0x7f /* CLONE_??? */", CloneFlags.unshare(0x7f));
        assertEquals("CLONE_NEWTIME|CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_NEWNS|CLONE_SYSVSEM"
                + "|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|0x81f8f07f",
                CloneFlags.unshare(0xffffffff));
    }

    @Test
    void setnsTypes() {
        assertEquals("CLONE_NEWUTS", CloneFlags.setns(CLONE_NEWUTS));
        assertEquals("0", CloneFlags.setns(0));
        assertEquals("CLONE_NEWNS|CLONE_NEWPID", CloneFlags.setns(CLONE_NEWPID | CLONE_NEWNS));
        assertEquals("CLONE_NEWNS|0x1", CloneFlags.setns(CLONE_NEWNS | 1));
        assertEquals("0x1 /* CLONE_NEW??? */", CloneFlags.setns(1));
        assertEquals("0x100 /* CLONE_NEW??? */", CloneFlags.setns(CLONE_VM));
    }

    @Test
    void mountFlags() {
        assertEquals("MS_REC|MS_PRIVATE", MountFlags.mount(MS_PRIVATE | MS_REC));
        assertEquals("MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_RELATIME",
                MountFlags.mount(MS_RELATIME | MS_NOEXEC | MS_NODEV | MS_NOSUID | MS_RDONLY));
        assertEquals("MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND|MS_RELATIME",
                MountFlags.mount(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REMOUNT | MS_BIND | MS_RELATIME));
        assertEquals("0", MountFlags.mount(0));
        assertEquals("MS_BIND|0x100000000", MountFlags.mount(MS_BIND | 0x100000000L));
        assertEquals("0x200 /* MS_??? */", MountFlags.mount(0x200));
        assertEquals("MS_MGC_VAL", MountFlags.mount(MS_MGC_VAL));
        assertEquals("MS_MGC_VAL|MS_RDONLY", MountFlags.mount(MS_MGC_VAL | MS_RDONLY));
        assertEquals("MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_SYNCHRONOUS|MS_REMOUNT|MS_MANDLOCK|MS_DIRSYNC"
                + "|MS_NOSYMFOLLOW|MS_NOATIME|MS_NODIRATIME|MS_BIND|MS_MOVE|MS_REC|MS_SILENT|MS_POSIXACL"
                + "|MS_UNBINDABLE|MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_RELATIME|MS_KERNMOUNT|MS_I_VERSION"
                + "|MS_STRICTATIME|MS_LAZYTIME|MS_SUBMOUNT|MS_NOREMOTELOCK|MS_NOSEC|MS_BORN|MS_ACTIVE|MS_NOUSER|0x200",
                MountFlags.mount(0xffffffffL));
    }

    @Test
    void umountFlags() {
        assertEquals("MNT_DETACH", MountFlags.umount(MNT_DETACH));
        assertEquals("MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW",
                MountFlags.umount(UMOUNT_NOFOLLOW | MNT_EXPIRE | MNT_DETACH | MNT_FORCE));
        assertEquals("0", MountFlags.umount(0));
        assertEquals("MNT_DETACH|0x100", MountFlags.umount(0x100 | MNT_DETACH));
        assertEquals("0x100 /* MNT_??? */", MountFlags.umount(0x100));
        assertEquals("MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW|0xfffffff0", MountFlags.umount(0xffffffff));
    }

    /**
     * Checked against strace on x86_64. Four flags have other values on arm64 (see {@link Arch}), but they
     * swap among the same four bits, and strace names flags in one order on both: so the same text holds there.
     */
    @Test
    void openFlags() {
        assertEquals("O_RDONLY|O_CLOEXEC|O_PATH|O_DIRECTORY",
                OpenFlags.format(OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC));
        assertEquals("O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_CLOEXEC", OpenFlags.format(OpenFlags.O_WRONLY
                | OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_EXCL | OpenFlags.O_CLOEXEC));
        assertEquals("O_ACCMODE", OpenFlags.format(3));
        assertEquals("O_RDONLY|O_DSYNC", OpenFlags.format(OpenFlags.O_DSYNC));
        assertEquals("O_RDONLY|O_TMPFILE", OpenFlags.format(OpenFlags.O_TMPFILE));
        assertEquals("O_RDONLY|0x80000000", OpenFlags.format(0x80000000));
        assertEquals("O_RDONLY|O_NONBLOCK|O_DSYNC|O_DIRECT|O_LARGEFILE|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH"
                + "|O_DIRECTORY|FASYNC", OpenFlags.format(OpenFlags.O_DSYNC | OpenFlags.O_DIRECT | OpenFlags.O_DIRECTORY
                | OpenFlags.O_NOFOLLOW | OpenFlags.FASYNC | OpenFlags.O_CLOEXEC | OpenFlags.O_PATH | OpenFlags.O_NOATIME
                | OpenFlags.O_LARGEFILE | OpenFlags.O_NONBLOCK));
        assertEquals("O_RDONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE"
                + "|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC|0xff80003c", OpenFlags.format(0xffffffff & ~3));
    }

    @Test
    void stringsAreQuotedAndEscapedLikeC() {
        assertEquals("\"/x/merged\"", StraceText.quote("/x/merged".getBytes(StandardCharsets.UTF_8)));
        assertEquals("NULL", StraceText.quote(null));
        assertEquals("\"\"", StraceText.quote(new byte[0]));
        byte[] odd = {'a', '"', 'b', '\\', 'c', '\n', '\t', 1, 'x', 1, '9', (byte) 0xff};
        assertEquals("\"a\\\"b\\\\c\\n\\t\\1x\\0019\\377\"", StraceText.quote(odd));
        assertEquals("\"h\\300\\n\"", StraceText.quote(new byte[] {'h', (byte) 0300, '\n'}));
    }

    @Test
    void modesDevicesSignals() {
        assertEquals("0755", StraceText.octal(0755));
        assertEquals("01777", StraceText.octal(01777));
        assertEquals("000", StraceText.octal(0));
        assertEquals("04755", StraceText.octal(04755));
        assertEquals("S_IFCHR|0666", StraceText.fileMode(Kernel.S_IFCHR | 0666));
        assertEquals("S_IFCHR|000", StraceText.fileMode(Kernel.S_IFCHR));
        assertEquals("S_IFIFO|0600", StraceText.fileMode(Kernel.S_IFIFO | 0600));
        assertEquals("makedev(0x1, 0x3)", StraceText.device(Kernel.makedev(1, 3)));
        assertEquals("makedev(0, 0)", StraceText.device(0));
        assertEquals("makedev(0x103, 0x10005)", StraceText.device(Kernel.makedev(259, 65536 + 5)));
        assertEquals("SIGTERM", StraceText.signal(15));
        assertEquals("0", StraceText.signal(0));
        assertEquals("SIGSYS", StraceText.signal(31));
        assertEquals("SIGRTMIN", StraceText.signal(32));
        assertEquals("SIGRT_1", StraceText.signal(33));
        assertEquals("SIGRT_32", StraceText.signal(64));
        assertEquals("65", StraceText.signal(65));
        assertEquals("-1", StraceText.signal(-1));
        assertEquals("AT_FDCWD", StraceText.dirfd(StraceText.AT_FDCWD));
    }

    @Test
    void recordLinesForSuccessAndFailure() {
        SyscallRecord ok = new SyscallRecord("umount2", List.of("\".\"", "MNT_DETACH"), 0, 0, Duration.ofNanos(900), 7);
        assertEquals("umount2(\".\", MNT_DETACH) = 0", ok.straceLine());
        assertEquals(null, ok.errnoName());
        SyscallRecord fail = new SyscallRecord("mkdirat", List.of("AT_FDCWD", "\"/x\"", "0755"), -1, Errno.EEXIST,
                Duration.ofNanos(1500), 7);
        assertEquals("mkdirat(AT_FDCWD, \"/x\", 0755) = -1 EEXIST (File exists)", fail.straceLine());
        assertEquals("EEXIST", fail.errnoName());
        SyscallRecord busy = new SyscallRecord("umount2", List.of("\"/x\"", "0"), -1, Errno.EBUSY, Duration.ZERO, 7);
        assertEquals("umount2(\"/x\", 0) = -1 EBUSY (Device or resource busy)", busy.straceLine());
        SyscallRecord fd = new SyscallRecord("openat", List.of("AT_FDCWD", "\"/\"", "O_RDONLY"), 3, 0, Duration.ZERO, 7);
        assertEquals("openat(AT_FDCWD, \"/\", O_RDONLY) = 3", fd.straceLine());
    }
}
