package dev.cwb.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Linux capabilities (capabilities(7)): root's power split into about forty pieces, by number as
 * include/uapi/linux/capability.h numbers them, printed the way strace prints a set
 * ({@code 1<<CAP_CHOWN|1<<CAP_KILL}).
 */
public final class Capabilities {
    private static final String[] NAMES = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
        "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
        "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
        "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE"};

    private Capabilities() {
    }

    /** {@code CAP_SYS_ADMIN}, or the number for one this table does not know. */
    public static String name(int cap) {
        return cap >= 0 && cap < NAMES.length ? NAMES[cap] : Integer.toString(cap);
    }

    /** The number of a capability by name ({@code CAP_CHOWN} or {@code chown}); -1 if unknown. */
    public static int number(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        n = n.startsWith("CAP_") ? n : "CAP_" + n;
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return i;
            }
        }
        return -1;
    }

    /** The highest capability this kernel has (/proc/sys/kernel/cap_last_cap), or this table's last. */
    public static int lastCap() {
        // Files.readString stops after the first byte of a /proc/sys file ("4" for "40"): read it as a line
        try (var in = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of("/proc/sys/kernel/cap_last_cap"))) {
            return Integer.parseInt(in.readLine().trim());
        } catch (java.io.IOException | RuntimeException e) {
            return NAMES.length - 1;
        }
    }

    /** strace's rendering of a set: {@code 1<<CAP_CHOWN|1<<CAP_KILL}, or {@code 0}. */
    public static String format(long caps) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((caps & (1L << i)) != 0) {
                parts.add("1<<" + name(i));
            }
        }
        return parts.isEmpty() ? "0" : String.join("|", parts);
    }
}
