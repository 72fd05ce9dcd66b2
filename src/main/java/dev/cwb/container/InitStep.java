package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.InitBinary;
import dev.cwb.kernel.MountInfo;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.Pid1Program;
import dev.cwb.kernel.StraceText;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.volume.RootPath;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static dev.cwb.kernel.MountFlags.MS_BIND;
import static dev.cwb.kernel.MountFlags.MS_NODEV;
import static dev.cwb.kernel.MountFlags.MS_NOSUID;
import static dev.cwb.kernel.MountFlags.MS_RDONLY;
import static dev.cwb.kernel.MountFlags.MS_REMOUNT;

/**
 * {@code run --init}: the container's PID 1 is {@link Pid1Program cwb-pid1}, which starts the command as its
 * child, forwards the signals it gets to the command's process group, reaps every orphan and exits with the
 * command's status — Docker's {@code --init}, whose docker-init (tini) dockerd bind-mounts at
 * {@code /sbin/docker-init} and names as the process's first argument in the OCI spec.
 *
 * <p>Two parts, each traced, PID 1 making every call:
 * <ol>
 *   <li>{@link #mount} (before pivot_root, while the host's paths are in reach): the program file is
 *       bind-mounted read-only at {@link Pid1Program#PATH_INSIDE}. The workbench checked the file's bytes
 *       through a descriptor ({@link InitBinary}); that descriptor cannot be the bind's source, as it names the
 *       host namespace's mount and a bind's source must be in the caller's own (fs/namespace.c,
 *       {@code do_loopback}: EINVAL). So PID 1 opens the file ({@code O_PATH|O_NOFOLLOW}) in its copy of the
 *       mount, the workbench checks that this descriptor is the same device and inode as the checked one,
 *       and PID 1 mounts {@code /proc/self/fd/N} (a magic link to that very inode) and closes it. Where the image lacks {@code /sbin} or the file, they are made first (mkdirat, openat with
 *       O_CREAT|O_EXCL) — in the upper directory, as runc makes a bind's mount point in the rootfs; an image
 *       whose {@code /sbin} is a link ({@code usr/sbin} in merged-/usr images) gets it where the link leads.
 *       A bind cannot be made read-only by the call that makes it: {@code MS_BIND|MS_REMOUNT|MS_RDONLY}
 *       follows, keeping the flags a user namespace locks (as {@link VolumeStep} does for {@code :ro}).</li>
 *   <li>{@link #execve}: PID 1 execs {@code /sbin/cwb-pid1 PATH ARGV...} instead of the command. What
 *       cwb-pid1 does after is no call of the workbench's, and the trace shows none of it: it says so in a
 *       comment line instead.</li>
 * </ol>
 */
final class InitStep {
    private InitStep() {
    }

    /** cwb-pid1 read-only at {@link Pid1Program#PATH_INSIDE} inside {@code c}'s root, before pivot_root. */
    static void mount(Containers containers, Container c) throws SyscallException {
        InitBinary program = containers.pid1Program();
        Syscalls calls = c.calls();
        Path top = c.rootSeenFromHost().resolve(c.dirs().rootfs().toString().substring(1));
        RootPath.Resolved at = RootPath.resolve(top, Pid1Program.PATH_INSIDE);
        if (at.kind() == RootPath.Kind.DIRECTORY || at.kind() == RootPath.Kind.OTHER) {
            throw CwbException.badInput("--init needs " + Pid1Program.PATH_INSIDE + " for its init, and in this image "
                    + at.path() + " is not a file", "run without --init");
        }
        List<String> parts = at.components();
        for (int k = at.existing(); k < parts.size(); k++) {
            String made = c.pathInside("/" + String.join("/", parts.subList(0, k + 1)));
            if (k == parts.size() - 1) {
                int fd = calls.openat(StraceText.AT_FDCWD, made, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL
                        | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0755);
                calls.close(fd);
            } else {
                calls.mkdir(made, 0755);
            }
        }
        String target = c.pathInside(at.path());
        // the checked descriptor itself cannot be the source: it names the file on a mount of the host's
        // namespace, and a bind's source must be in the caller's (do_loopback: EINVAL). So PID 1 opens the file
        // in its own namespace's copy of that mount, and the workbench checks it is the inode it checked
        int inPid1 = calls.openat(StraceText.AT_FDCWD, program.path().toString(), OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW
                | OpenFlags.O_CLOEXEC, 0);
        try {
            sameFile(program, c.current().pid(), inPid1);
            calls.mount("/proc/self/fd/" + inPid1, target, null, MS_BIND, null);
        } finally {
            calls.close(inPid1);
        }
        List<MountInfo.Mount> here = MountInfo.of(Integer.toString(c.current().pid())).stream()
                .filter(m -> m.mountPoint().equals(target)).toList();
        long locked = here.isEmpty() ? 0 : VolumeStep.lockedFlags(here.get(here.size() - 1).options());
        calls.mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | locked, null);
    }

    /** Whether PID 1's descriptor {@code fd} is the very file {@code program} was checked through (device and inode). */
    private static void sameFile(InitBinary program, int pid, int fd) {
        try {
            int checked = program.checkedDescriptor();
            Object mine = java.nio.file.Files.getAttribute(Path.of("/proc/self/fd/" + checked), "unix:ino");
            Object mineDev = java.nio.file.Files.getAttribute(Path.of("/proc/self/fd/" + checked), "unix:dev");
            Path theirs = Path.of("/proc/" + pid + "/fd/" + fd);
            if (!mine.equals(java.nio.file.Files.getAttribute(theirs, "unix:ino"))
                    || !mineDev.equals(java.nio.file.Files.getAttribute(theirs, "unix:dev"))) {
                throw new CwbException(CwbException.IO, program.path() + " is not the file the workbench checked: something "
                        + "replaced it meanwhile", "run cleanup, then try again");
            }
        } catch (java.io.IOException e) {
            throw CwbException.io("checking " + program.path(), e, "run cleanup, then try again");
        }
    }

    /**
     * PID 1's last call: execve of cwb-pid1 with the command's file and argv after its own name; then a
     * comment (not a call) on {@code said}, which {@code --trace} prints, saying what cwb-pid1 does next.
     */
    static void execve(Container c, String program, List<String> argv, List<String> env, Consumer<String> said)
            throws SyscallException {
        c.calls().execve(Pid1Program.PATH_INSIDE, argv, env);
        said.accept("PID 1 is cwb-pid1 now (--init): it forks " + program + " as its child in a process group of its own, "
                + "forwards every signal it gets to that group, reaps every zombie and exits with the command's status");
    }
}
