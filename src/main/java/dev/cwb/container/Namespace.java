package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.CloneFlags;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The eight kinds of Linux namespace (namespaces(7)): each wraps one global resource so that the
 * processes inside see their own copy. The order here is the order {@code run} unshares them in.
 */
public enum Namespace {
    USER(CloneFlags.CLONE_NEWUSER, "user", "user and group ids, and the capabilities that come with them",
            "user_namespaces(7)"),
    MNT(CloneFlags.CLONE_NEWNS, "mnt", "the mount table: what is mounted where", "mount_namespaces(7)"),
    UTS(CloneFlags.CLONE_NEWUTS, "uts", "the host name and the NIS domain name", "uts_namespaces(7)"),
    IPC(CloneFlags.CLONE_NEWIPC, "ipc", "System V IPC objects and POSIX message queues", "ipc_namespaces(7)"),
    NET(CloneFlags.CLONE_NEWNET, "net", "network devices, addresses, routes, ports, firewall", "network_namespaces(7)"),
    PID(CloneFlags.CLONE_NEWPID, "pid", "process ids: the first process inside is PID 1", "pid_namespaces(7)"),
    CGROUP(CloneFlags.CLONE_NEWCGROUP, "cgroup", "which part of the cgroup tree counts as its root",
            "cgroup_namespaces(7)"),
    TIME(CloneFlags.CLONE_NEWTIME, "time", "the boot-time and monotonic clocks' offsets", "time_namespaces(7)");

    private final int flag;
    private final String word;
    private final String isolates;
    private final String manPage;

    Namespace(int flag, String word, String isolates, String manPage) {
        this.flag = flag;
        this.word = word;
        this.isolates = isolates;
        this.manPage = manPage;
    }

    /** The CLONE_NEW* flag for unshare(2). */
    public int flag() {
        return flag;
    }

    /** The word the learner types and the file name under /proc/PID/ns/. */
    public String word() {
        return word;
    }

    /** What it isolates, in a few words. */
    public String isolates() {
        return isolates;
    }

    public String manPage() {
        return manPage;
    }

    /** True for the kinds whose unshare(2) moves only children, not the caller (pid, time). */
    public boolean forChildrenOnly() {
        return this == PID || this == TIME;
    }

    /** The kind a learner named ({@code uts}, {@code mount}, {@code network}...). */
    public static Namespace parse(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        for (Namespace n : values()) {
            if (n.word.equals(t)) {
                return n;
            }
        }
        switch (t) {
            case "mount", "ns", "newns" -> {
                return MNT;
            }
            case "network" -> {
                return NET;
            }
            default -> throw CwbException.badInput("no namespace called '" + text + "'",
                    "name one of: " + words());
        }
    }

    /** {@code user, mnt, uts, ...}. */
    public static String words() {
        return Arrays.stream(values()).map(Namespace::word).collect(Collectors.joining(", "));
    }
}
