package dev.cwb.seccomp;

import java.util.Locale;

/**
 * The architectures a filter is written for: the value the kernel puts in {@code seccomp_data.arch}
 * (include/uapi/linux/audit.h, {@code AUDIT_ARCH_*}), the name a profile's {@code architectures} uses
 * (libseccomp's {@code SCMP_ARCH_*}), and the name Docker's {@code includes.arches} uses (Go's GOARCH).
 */
public enum SeccompArch {
    X86_64(0xc000003e, "SCMP_ARCH_X86_64", "amd64", "x86_64"),
    AARCH64(0xc00000b7, "SCMP_ARCH_AARCH64", "arm64", "aarch64");

    /** On x86_64, numbers with this bit set are x32 calls (the x32 ABI shares AUDIT_ARCH_X86_64). */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    private final int audit;
    private final String scmp;
    private final String goArch;
    private final String table;

    SeccompArch(int audit, String scmp, String goArch, String table) {
        this.audit = audit;
        this.scmp = scmp;
        this.goArch = goArch;
        this.table = table;
    }

    public int audit() {
        return audit;
    }

    public String scmp() {
        return scmp;
    }

    public String goArch() {
        return goArch;
    }

    String table() {
        return table;
    }

    /** This JVM's architecture; x86_64 on any other (the workbench's calls run only on these two). */
    public static SeccompArch current() {
        String a = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return a.equals("aarch64") || a.equals("arm64") ? AARCH64 : X86_64;
    }
}
