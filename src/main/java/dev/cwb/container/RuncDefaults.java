package dev.cwb.container;

import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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

    private RuncDefaults() {
    }

    /** Masks and write-protects what exists of the two lists (a missing path is skipped, as runc skips it). */
    public static void apply(Container c) throws SyscallException {
        Syscalls calls = c.calls();
        Path root = c.rootSeenFromHost();
        for (String p : MASKED) {
            Path seen = root.resolve(p.substring(1));
            if (Files.isDirectory(seen, LinkOption.NOFOLLOW_LINKS)) {
                calls.mount("tmpfs", p, "tmpfs", MS_RDONLY, null);
            } else if (Files.exists(seen, LinkOption.NOFOLLOW_LINKS)) {
                calls.mount("/dev/null", p, null, MS_BIND, null);
            }
        }
        for (String p : READ_ONLY) {
            if (Files.exists(root.resolve(p.substring(1)), LinkOption.NOFOLLOW_LINKS)) {
                calls.mount(p, p, null, MS_BIND | MS_REC, null);
                calls.mount(p, p, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
            }
        }
    }
}
