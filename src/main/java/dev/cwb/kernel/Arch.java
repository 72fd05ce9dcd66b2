package dev.cwb.kernel;

/**
 * What differs between the two processor architectures the workbench runs on: system call numbers for
 * calls glibc has no wrapper for, and the values of a few open(2) flags (x86_64 kept the historic i386
 * values; arm64 uses the asm-generic ones).
 */
enum Arch {
    /** arch/x86/entry/syscalls/syscall_64.tbl; arch/x86/include/uapi/asm/fcntl.h is asm-generic's. */
    X86_64(155, 040000, 0100000, 0200000, 0400000),
    /** include/uapi/asm-generic/unistd.h; arch/arm64/include/uapi/asm/fcntl.h. */
    AARCH64(41, 0200000, 0400000, 040000, 0100000);

    final long sysPivotRoot;
    final int oDirect;
    final int oLargefile;
    final int oDirectory;
    final int oNofollow;

    Arch(long sysPivotRoot, int oDirect, int oLargefile, int oDirectory, int oNofollow) {
        this.sysPivotRoot = sysPivotRoot;
        this.oDirect = oDirect;
        this.oLargefile = oLargefile;
        this.oDirectory = oDirectory;
        this.oNofollow = oNofollow;
    }

    /** The architecture this JVM runs on; x86_64 values for anything else (decoding only, never calls). */
    static Arch current() {
        String a = System.getProperty("os.arch", "");
        return a.equals("aarch64") || a.equals("arm64") ? AARCH64 : X86_64;
    }

    /** True when {@link #current()} names a machine we know the system call numbers of. */
    static boolean known() {
        String a = System.getProperty("os.arch", "");
        return a.equals("amd64") || a.equals("x86_64") || a.equals("aarch64") || a.equals("arm64");
    }
}
