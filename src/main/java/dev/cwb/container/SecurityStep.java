package dev.cwb.container;

import dev.cwb.kernel.SyscallException;
import dev.cwb.seccomp.SeccompFilter;
import dev.cwb.seccomp.SeccompProfile;

/**
 * The last defences runc sets up before it execs the container's command (libcontainer's
 * {@code standard_init_linux.go}, after the root filesystem is ready): no_new_privs, the seccomp filter, the
 * capabilities. Each is a call of the container's own process, and each is inherited by everything it
 * starts and can never be undone by it.
 */
public final class SecurityStep {
    private SecurityStep() {
    }

    /**
     * prctl(PR_SET_NO_NEW_PRIVS, 1): execve(2) can no longer raise privileges — set-user-ID bits and file
     * capabilities are ignored (prctl(2); runc's {@code config.NoNewPrivileges}, Docker's
     * {@code --security-opt no-new-privileges}). It also lets an unprivileged process load a seccomp filter.
     */
    public static void noNewPrivileges(Container c) throws SyscallException {
        c.calls().setNoNewPrivs();
    }

    /**
     * Compiles {@code profile} for a process whose bounding set is {@code caps} — the capabilities decide
     * which of the profile's entries count — and has the container's current process load it with
     * seccomp(2). Loaded in step mode it also filters every later step's calls: the workbench's own
     * requests to cwb-init go through it like any program's.
     */
    public static SeccompFilter loadSeccomp(Container c, SeccompProfile profile, long caps) throws SyscallException {
        SeccompFilter f = SeccompFilter.compile(profile, caps);
        c.calls().seccompSetModeFilter(f.program());
        c.addSeccompFilter(f);
        return f;
    }

    /** {@link #loadSeccomp} for the capabilities the container's current process has now. */
    public static SeccompFilter loadSeccomp(Container c, SeccompProfile profile) throws SyscallException {
        return loadSeccomp(c, profile, ProcessSecurity.of(c.current().pid()).bounding());
    }

    /**
     * Takes {@code drop} away from the container's current process for good: each from the bounding set
     * (prctl(PR_CAPBSET_DROP)), then capset of what is left of its permitted set as its effective, permitted
     * and inheritable sets. Returns the sets the kernel reports after.
     */
    public static ProcessSecurity dropCapabilities(Container c, long drop) throws SyscallException {
        ProcessSecurity before = ProcessSecurity.of(c.current().pid());
        for (int cap = 0; cap <= dev.cwb.kernel.Capabilities.lastCap(); cap++) {
            if ((drop & (1L << cap)) != 0 && (before.bounding() & (1L << cap)) != 0) {
                c.calls().dropFromBoundingSet(cap);
            }
        }
        c.calls().capset(before.permitted() & ~drop);
        return ProcessSecurity.of(c.current().pid());
    }

    /** {@link #dropCapabilities} of every capability but {@code keep}. */
    public static ProcessSecurity keepCapabilities(Container c, long keep) throws SyscallException {
        return dropCapabilities(c, CapabilityOptions.all() & ~keep);
    }
}
