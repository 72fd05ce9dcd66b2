package dev.cwb.cgroup;

import dev.cwb.CwbException;
import dev.cwb.kernel.Errno;

/**
 * Turns a refused cgroup operation into the one line a learner sees: which file, which errno, what it
 * means here, and what to do. The meanings come from cgroup-v2.rst and cgroup-v1/*.rst in the kernel's
 * Documentation/admin-guide/cgroup-v*.
 */
final class CgroupErrors {
    static final int ESRCH = 3;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENOSPC = 28;

    private CgroupErrors() {
    }

    static CwbException of(CgroupFiles.Failure f, CgroupMode version) {
        CgroupWrite w = f.write;
        int errno = w.errno();
        String file = w.path().getFileName().toString();
        String what = switch (w.action()) {
            case MKDIR -> "cannot create cgroup " + w.path();
            case RMDIR -> "cannot remove cgroup " + w.path();
            case KILL -> "cannot kill process " + w.value();
            case WRITE -> "cannot write '" + w.value() + "' to " + w.path();
        };
        String failed = what + ": " + w.result();
        if (errno == Errno.EPERM || errno == EACCES) {
            return io(failed, version == CgroupMode.UNIFIED
                    ? "cgroups belong to root unless delegated: run with sudo, or start the workbench in a cgroup"
                            + " systemd hands to you: systemd-run --user --scope -p Delegate=yes ./cwb"
                    : "cgroup v1 hierarchies belong to root: run the workbench with sudo");
        }
        if (w.action() == CgroupWrite.Action.RMDIR && (errno == EBUSY || errno == 39)) {
            return io(failed + " (processes are still inside, or it has child groups)",
                    "stop the processes listed in its cgroup.procs (kill -KILL), then remove it again");
        }
        if (file.equals("cgroup.subtree_control") && errno == Errno.ENOENT) {
            return new CwbException(CwbException.UNSUPPORTED, failed + " (a controller named there is not available"
                    + " in this hierarchy: see " + w.path().resolveSibling("cgroup.controllers") + ")",
                    "on a hybrid host the controllers sit in the v1 hierarchies; use those");
        }
        if (file.equals("cgroup.subtree_control") && errno == EBUSY) {
            return io(failed + " (the \"no internal processes\" rule: a group that has processes of its own cannot"
                    + " hand controllers to child groups)", "move the processes into a child group first");
        }
        if (file.equals("cgroup.procs") && errno == ESRCH) {
            return CwbException.notFound(failed + " (that process has exited, or never existed)", "check the pid");
        }
        if (file.equals("cgroup.procs") && errno == EBUSY) {
            return io(failed + " (the group hands controllers to child groups, so it may not hold processes itself)",
                    "add the process to a leaf group");
        }
        if (w.action() == CgroupWrite.Action.MKDIR && (errno == EAGAIN || errno == ENOSPC)) {
            return io(failed + " (cgroup.max.descendants or cgroup.max.depth reached)", "remove unused groups first");
        }
        if (w.action() == CgroupWrite.Action.WRITE && errno == Errno.EINVAL) {
            return CwbException.badInput(failed + " (the kernel refused this value for " + file + ")",
                    "check the value (see the limits a learner can type: 64M, 20, 0.5, max)");
        }
        return io(failed, null);
    }

    static CwbException missingController(String controller, String why, String hint) {
        return new CwbException(CwbException.UNSUPPORTED, "no " + controller + " controller for this cgroup: " + why, hint);
    }

    private static CwbException io(String message, String hint) {
        return new CwbException(CwbException.IO, message, hint);
    }
}
