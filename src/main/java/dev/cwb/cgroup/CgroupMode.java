package dev.cwb.cgroup;

/**
 * How a host mounts its control groups (cgroups(7), "CGROUPS VERSION 1 / 2").
 *
 * <ul>
 *   <li>{@link #UNIFIED}: {@code /sys/fs/cgroup} is itself a {@code cgroup2} file system; every controller
 *       lives in that one tree (current Debian, Fedora, Ubuntu: what most laptops run).</li>
 *   <li>{@link #HYBRID}: {@code /sys/fs/cgroup} is a tmpfs holding one v1 hierarchy per controller
 *       ({@code memory/}, {@code pids/}, ...) <em>and</em> a cgroup2 mount at {@code /sys/fs/cgroup/unified}
 *       that systemd uses to track services but that carries no resource controller.</li>
 *   <li>{@link #LEGACY}: only v1 hierarchies.</li>
 *   <li>{@link #NONE}: no cgroup file system is mounted (or the kernel has none).</li>
 * </ul>
 * The same controller can be attached to only one hierarchy at a time, so on a hybrid host limits must be
 * written through the v1 files.
 */
public enum CgroupMode {
    UNIFIED, HYBRID, LEGACY, NONE
}
