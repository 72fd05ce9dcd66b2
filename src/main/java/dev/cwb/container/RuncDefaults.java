package dev.cwb.container;

import dev.cwb.kernel.Capabilities;
import dev.cwb.kernel.InRoot;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;

import java.util.List;

import static dev.cwb.kernel.MountFlags.MS_BIND;
import static dev.cwb.kernel.MountFlags.MS_NODEV;
import static dev.cwb.kernel.MountFlags.MS_NOEXEC;
import static dev.cwb.kernel.MountFlags.MS_NOSUID;
import static dev.cwb.kernel.MountFlags.MS_RDONLY;
import static dev.cwb.kernel.MountFlags.MS_REC;
import static dev.cwb.kernel.MountFlags.MS_REMOUNT;

/**
 * The parts of /proc and /sys that runc's default configuration (what {@code runc spec} writes, and what
 * Docker passes) hides or makes read-only: kernel knobs and views of the host a container has no business
 * with. Applied after pivot_root, from inside.
 */
public final class RuncDefaults {
    /** Covered: files by /dev/null, directories by an empty read-only tmpfs. */
    public static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
    /** Bind-mounted on themselves, then remounted read-only. */
    public static final List<String> READ_ONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /**
     * The capabilities a container's root keeps: the default set containerd gives runc for Docker
     * (containerd's oci.WithDefaultSpec; Docker documents it as the default list of "docker run"). Every
     * other one — CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_NET_ADMIN... — is dropped from the bounding set, so
     * nothing the container runs can ever have it.
     */
    public static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    private RuncDefaults() {
    }

    /** {@link #CAPABILITIES} as a set, a bit per capability. */
    public static long capabilitySet() {
        long keep = 0;
        for (String name : CAPABILITIES) {
            keep |= 1L << Capabilities.number(name);
        }
        return keep;
    }

    /** Drops every capability but {@link #CAPABILITIES} from the bounding set, then sets the rest (capset). */
    public static void dropCapabilities(Syscalls calls) throws SyscallException {
        dropCapabilities(calls, capabilitySet());
    }

    /**
     * Drops every capability not in {@code keep} from the bounding set (prctl(PR_CAPBSET_DROP), one call
     * each), then makes {@code keep} the effective, permitted and inheritable sets (capset), as runc's
     * {@code capabilities.ApplyBoundingSet} and {@code ApplyCaps} do.
     */
    public static void dropCapabilities(Syscalls calls, long keep) throws SyscallException {
        for (int cap = 0; cap <= Capabilities.lastCap(); cap++) {
            if ((keep & (1L << cap)) == 0) {
                calls.dropFromBoundingSet(cap);
            }
        }
        calls.capset(keep);
    }

    /** Masks and write-protects what exists of the two lists (a missing path is skipped, as runc skips it). */
    public static void apply(Container c) throws SyscallException {
        Syscalls calls = c.calls();
        try (InRoot root = InRoot.open(c.rootSeenFromHost())) { // looked up as the container sees its tree
            for (String p : READ_ONLY) { // runc's order: read-only paths first, then the masked ones
                if (root.exists(p)) {
                    calls.mount(p, p, null, MS_BIND | MS_REC, null);
                    calls.mount(p, p, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
                }
            }
            for (String p : MASKED) {
                InRoot.Kind kind = root.kind(p);
                if (kind == InRoot.Kind.DIRECTORY) {
                    calls.mount("tmpfs", p, "tmpfs", MS_RDONLY, null);
                } else if (kind != InRoot.Kind.MISSING) {
                    calls.mount("/dev/null", p, null, MS_BIND, null);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "cannot look inside the container's root: "
                    + dev.cwb.CwbException.reason(e), "run cleanup, then try again");
        }
    }
}
