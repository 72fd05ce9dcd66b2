package dev.cwb.registry;

import java.util.Locale;

/**
 * Whether a host name in a registry address is this machine's loopback interface, decided from the
 * text alone, without asking DNS: {@code localhost}, a literal IPv4 address in {@code 127.0.0.0/8}
 * (RFC 1122 §3.2.1.3), or the IPv6 address {@code ::1} (RFC 4291 §2.5.3). Traffic to these never leaves
 * the machine, which is why, like Docker, the workbench speaks plain HTTP to them without being told.
 *
 * <p>A <em>name</em> that merely looks like one is not: {@code 127.evil.example} or
 * {@code 127.0.0.1.nip.io} are ordinary DNS names that may resolve anywhere, so they get TLS like any
 * other host.
 */
final class Loopback {
    private Loopback() {
    }

    /** {@code host} as in a URI or a registry domain, with or without {@code :port}, IPv6 in brackets or not. */
    static boolean isLoopback(String hostAndPort) {
        String text = hostAndPort.toLowerCase(Locale.ROOT);
        if (text.indexOf(':') != text.lastIndexOf(':') && !text.startsWith("[")) {
            return isIpv6Loopback(text); // a bare IPv6 literal such as ::1: it cannot carry a port
        }
        String host = RegistrySettings.hostWithoutPort(text);
        if (host.startsWith("[") && host.endsWith("]")) {
            return isIpv6Loopback(host.substring(1, host.length() - 1));
        }
        return host.equals("localhost") || isIpv4Loopback(host);
    }

    /** Four decimal numbers 0-255 joined by dots, the first 127: the dotted-decimal form of RFC 791 addresses. */
    static boolean isIpv4Loopback(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return Integer.parseInt(parts[0]) == 127;
    }

    /** {@code ::1} in any of its spellings ({@code 0:0:0:0:0:0:0:1}, {@code ::0:1}...): seven zero groups, then 1. */
    static boolean isIpv6Loopback(String host) {
        String[] halves = host.split("::", -1);
        if (halves.length > 2) {
            return false;
        }
        java.util.List<String> head = groups(halves[0]);
        java.util.List<String> tail = halves.length == 2 ? groups(halves[1]) : java.util.List.of();
        if (head == null || tail == null) {
            return false;
        }
        int missing = 8 - head.size() - tail.size();
        if (halves.length == 1 ? missing != 0 : missing < 1) {
            return false;
        }
        java.util.List<String> all = new java.util.ArrayList<>(head);
        all.addAll(java.util.Collections.nCopies(halves.length == 2 ? missing : 0, "0"));
        all.addAll(tail);
        for (int i = 0; i < 8; i++) {
            if (Integer.parseInt(all.get(i), 16) != (i == 7 ? 1 : 0)) {
                return false;
            }
        }
        return true;
    }

    /** The colon-separated hex groups of one side of {@code ::}; null when one is not 1-4 hex digits. */
    private static java.util.List<String> groups(String side) {
        if (side.isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String g : side.split(":", -1)) {
            if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return null;
            }
            out.add(g);
        }
        return out;
    }
}
