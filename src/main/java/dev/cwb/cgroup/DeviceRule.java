package dev.cwb.cgroup;

import java.util.List;

/**
 * One rule of a cgroup's device list: which device nodes ({@code type major:minor}) its processes may
 * create ({@code m}, mknod(2)), read ({@code r}) or write ({@code w}), as the v1 devices controller writes
 * them (Documentation/admin-guide/cgroup-v1/devices.rst): {@code c 1:3 rwm}, {@code b *:* m}, {@code a}.
 * Later rules win over earlier ones, so a list starts with what holds for everything ({@code deny a}) and
 * then makes exceptions.
 *
 * <p>Opening a device node is checked against these rules every time, whoever made the node: without
 * them, a container's root with CAP_MKNOD can make {@code /dev/sda}'s node (block 8:0) and read the
 * host's disk.
 *
 * @param type  {@code 'a'} (every device), {@code 'b'} (block) or {@code 'c'} (character)
 * @param major {@link #ANY} for {@code *}
 * @param minor {@link #ANY} for {@code *}
 * @param access some of {@code r}, {@code w}, {@code m}, in that order
 */
public record DeviceRule(boolean allow, char type, int major, int minor, String access) {
    public static final int ANY = -1;

    public DeviceRule {
        if (type != 'a' && type != 'b' && type != 'c') {
            throw new IllegalArgumentException("device type is a, b or c, not " + type);
        }
        if (access.isEmpty() || !access.matches("r?w?m?")) {
            throw new IllegalArgumentException("device access is some of r, w, m in that order, not '" + access + "'");
        }
        if (type == 'a' && (major != ANY || minor != ANY || !access.equals("rwm"))) {
            throw new IllegalArgumentException("a rule for every device ('a') has no numbers and means rwm");
        }
    }

    static DeviceRule allow(char type, int major, int minor, String access) {
        return new DeviceRule(true, type, major, minor, access);
    }

    /**
     * runc's default rules, what Docker and Podman containers get (runc libcontainer/specconv, the OCI
     * runtime spec's default devices): nothing, then mknod of any node (so an image's /dev can be made; the
     * node is useless unless listed below), and full use of null, zero, full, random, urandom, tty,
     * console, ptmx and the pseudo-terminals (136:*).
     */
    public static final List<DeviceRule> RUNC_DEFAULTS = List.of(
            new DeviceRule(false, 'a', ANY, ANY, "rwm"),
            allow('c', ANY, ANY, "m"),
            allow('b', ANY, ANY, "m"),
            allow('c', 1, 3, "rwm"),   // /dev/null
            allow('c', 1, 5, "rwm"),   // /dev/zero
            allow('c', 1, 7, "rwm"),   // /dev/full
            allow('c', 1, 8, "rwm"),   // /dev/random
            allow('c', 1, 9, "rwm"),   // /dev/urandom
            allow('c', 5, 0, "rwm"),   // /dev/tty
            allow('c', 5, 1, "rwm"),   // /dev/console
            allow('c', 5, 2, "rwm"),   // /dev/ptmx
            allow('c', 136, ANY, "rwm")); // /dev/pts/*

    /** The rule as the v1 files take it: {@code c 1:3 rwm}, {@code b *:* m}, or {@code a} for every device. */
    public String v1Text() {
        if (type == 'a') {
            return "a";
        }
        return type + " " + number(major) + ":" + number(minor) + " " + access;
    }

    /** The file of the v1 devices controller this rule is written to. */
    public String v1File() {
        return allow ? "devices.allow" : "devices.deny";
    }

    @Override
    public String toString() {
        return (allow ? "allow " : "deny ") + (type == 'a' ? "a *:* rwm" : v1Text());
    }

    private static String number(int n) {
        return n == ANY ? "*" : Integer.toString(n);
    }
}
