package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.SyscallException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code unshare KIND}: the container's current process leaves one of its namespaces for a new, empty
 * one (unshare(2)). Three kinds need more than the call:
 * <ul>
 *   <li>{@code mnt}: the new namespace starts as a copy of the old one whose mounts still propagate
 *       ({@code shared}) to the host; like util-linux unshare(1), the step then makes every mount
 *       private ({@code mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)}) so nothing leaks out.</li>
 *   <li>{@code pid}: the caller stays where it was; its next child is PID 1 of the new namespace. So
 *       the current process then clones itself, and the clone carries on as PID 1.</li>
 *   <li>{@code user}: uid and gid maps must be written from outside (user_namespaces(7),
 *       "User and group ID mappings"): the workbench writes {@code /proc/PID/uid_map} and
 *       {@code gid_map} — from its own thread, in the parent namespace, as runc's parent process does, each
 *       write a traced openat, write and close ({@link dev.cwb.kernel.Syscalls#writeFile}) with the kernel's
 *       result. From inside, the process could map itself only after giving up setgroups(2) for good.
 *       Root inside is {@link #outsideUid()} outside: the workbench's own user when it is not root; under
 *       sudo, {@link #NOBODY} — so that root inside is nobody outside, as with rootless Docker or Podman
 *       (which take a range from /etc/subuid; see docs/architecture.md for why one uid here). Then the process
 *       itself, still holding the host's uid 0, takes the namespace's root as its credentials:
 *       setresgid(0), setgroups([]) (or it would keep the host's supplementary groups, root's among them)
 *       and setresuid(0), as runc's nsexec does after joining a user namespace. Until then its uid is not
 *       mapped at all, and a file it makes fails with EOVERFLOW.</li>
 * </ul>
 */
public final class UnshareStep {
    /**
     * A file the workbench wrote for the step (the id maps), as the shell command that does the same: a
     * note beside the traced calls that made it, never a call itself.
     */
    public record FileWrite(Path file, String value) {
        @Override
        public String toString() {
            return "# shell: echo '" + value.trim() + "' > " + file;
        }
    }

    /** The overflow user, {@code nobody} on Debian (and /proc/sys/kernel/overflowuid): root inside, under sudo. */
    public static final int NOBODY = 65534;

    private UnshareStep() {
    }

    /** The uid outside that uid 0 of a user namespace made by this workbench maps to. */
    public static int outsideUid() {
        int uid = (int) new com.sun.security.auth.module.UnixSystem().getUid();
        return uid == 0 ? NOBODY : uid;
    }

    /** The gid outside that gid 0 maps to: {@link #NOBODY}'s group 65534 under sudo, else the workbench's group. */
    public static int outsideGid() {
        int uid = (int) new com.sun.security.auth.module.UnixSystem().getUid();
        return uid == 0 ? NOBODY : (int) new com.sun.security.auth.module.UnixSystem().getGid();
    }

    /**
     * Whether {@code c}'s root is not the workbench's own user outside (a user namespace made under sudo): its
     * processes cannot search the workbench's 0700 directories, so the overlay and host binds reach it as
     * mounts made outside ({@link OverlayStep}, {@link MountStep#bindFromHost}).
     */
    public static boolean rootIsForeign(Container c) {
        return c.has(Namespace.USER) && outsideUid() != (int) new com.sun.security.auth.module.UnixSystem().getUid();
    }

    /** Unshares {@code ns}; returns the files written for it (id maps), in order. */
    public static List<FileWrite> unshare(Container c, Namespace ns, long bootOffsetSeconds) throws SyscallException {
        if (c.has(ns) && ns != Namespace.PID) {
            throw CwbException.badInput("container " + c.name() + " already has its own " + ns.word() + " namespace",
                    "see them with: ns");
        }
        if (c.pid1() != 0 && c.pid1Ended().isDone()) {
            throw CwbException.badInput("PID 1 of " + c.name() + " has exited, and its PID namespace with it",
                    "rm " + c.name() + " and start again with new");
        }
        List<FileWrite> writes = new ArrayList<>();
        c.calls().unshare(ns.flag());
        c.markUnshared(ns);
        switch (ns) {
            case MNT -> c.calls().mount(null, "/", null, MountFlags.MS_REC | MountFlags.MS_PRIVATE, null);
            case USER -> {
                writes.addAll(writeIdMaps(c.hostCalls(), c.current().pid()));
                if (rootIsForeign(c)) {
                    becomeRoot(c.calls());
                }
            }
            case TIME -> {
                if (bootOffsetSeconds != 0) {
                    writes.add(write(c.hostCalls(), Path.of("/proc", Integer.toString(c.current().pid()), "timens_offsets"),
                            "boottime " + bootOffsetSeconds + " 0\n"));
                }
            }
            case PID -> c.forkPid1();
            default -> {
                // the call is the whole step
            }
        }
        return writes;
    }

    /**
     * The process's own calls once its maps exist: the namespace's gid 0, no supplementary group, uid 0 — that is
     * {@link #NOBODY} outside, with every capability inside (capabilities(7): a change of uid to the namespace's
     * root keeps them). The order is runc's: groups while CAP_SETGID is still held.
     */
    static void becomeRoot(dev.cwb.kernel.Syscalls calls) throws SyscallException {
        calls.setresgid(0);
        calls.setgroups(new int[0]);
        calls.setresuid(0);
    }

    /**
     * Root inside is {@link #outsideUid()} outside: this JVM's user (the one mapping an unprivileged process may
     * write itself), or nobody when the workbench is root. The writes are traced calls made through
     * {@code calls}, on this JVM's thread.
     */
    public static List<FileWrite> writeIdMaps(dev.cwb.kernel.Syscalls calls, int pid) throws SyscallException {
        long uid = outsideUid();
        long gid = outsideGid();
        boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        Path proc = Path.of("/proc", Integer.toString(pid));
        List<FileWrite> writes = new ArrayList<>();
        if (!root) {
            // an unprivileged writer must first give up setgroups(2) (user_namespaces(7), "/proc/PID/setgroups")
            writes.add(write(calls, proc.resolve("setgroups"), "deny\n"));
        }
        writes.add(write(calls, proc.resolve("uid_map"), "0 " + uid + " 1\n"));
        writes.add(write(calls, proc.resolve("gid_map"), "0 " + gid + " 1\n"));
        return writes;
    }

    private static FileWrite write(dev.cwb.kernel.Syscalls calls, Path file, String value) throws SyscallException {
        try {
            calls.writeFile(file.toString(), value.getBytes(StandardCharsets.US_ASCII));
        } catch (SyscallException e) {
            throw new CwbException(CwbException.IO, "writing " + file + ": " + e.getMessage(),
                    "the kernel accepts each id map once, from the parent user namespace", e);
        }
        return new FileWrite(file, value);
    }
}
