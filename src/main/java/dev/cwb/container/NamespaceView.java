package dev.cwb.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The container's namespaces beside the host's, as the kernel names them: each link in
 * {@code /proc/PID/ns/} reads {@code uts:[4026531838]}, the namespace's inode number. Two processes are in
 * the same namespace exactly when the numbers match (namespaces(7), "The /proc/[pid]/ns/ directory").
 */
public final class NamespaceView {
    /** One row: the kind, the container's id, the host's id (this workbench's). */
    public record Row(Namespace kind, String container, String host) {
        public boolean isolated() {
            return !container.equals(host) && !container.isEmpty();
        }
    }

    private NamespaceView() {
    }

    /** Every kind, for the container's current process; pid and time as its children will have them. */
    public static List<Row> rows(Container c) {
        List<Row> rows = new ArrayList<>();
        String pid = Integer.toString(c.current().pid());
        for (Namespace ns : Namespace.values()) {
            String file = ns.forChildrenOnly() ? ns.word() + "_for_children" : ns.word();
            rows.add(new Row(ns, id(Path.of("/proc", pid, "ns", file)), id(Path.of("/proc/self/ns", ns.word()))));
        }
        return rows;
    }

    /** {@code 4026532283} from {@code uts:[4026532283]}; "" when unreadable. */
    static String id(Path link) {
        try {
            String target = Files.readSymbolicLink(link).toString();
            int open = target.indexOf('[');
            return open >= 0 ? target.substring(open + 1, target.length() - 1) : target;
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    /** The line after {@code unshare KIND}: what changed, and for whom. */
    public static String afterUnshare(Container c, Namespace ns, int callerBefore) {
        String pid = Integer.toString(c.current().pid());
        return switch (ns) {
            case PID -> "New PID namespace " + id(Path.of("/proc", pid, "ns", "pid")) + ": cwb-init (pid " + callerBefore
                    + ") stayed outside it; its clone, pid " + c.current().pid() + " on the host, is PID 1 inside and makes the next steps.";
            case TIME -> "New time namespace " + id(Path.of("/proc", pid, "ns", "time_for_children"))
                    + ": it applies to the processes started from now on (exec), not to the caller.";
            case MNT -> "New mount namespace " + id(Path.of("/proc", pid, "ns", "mnt"))
                    + ", a private copy of the host's mounts: what is mounted from now on stays inside.";
            case USER -> "New user namespace " + id(Path.of("/proc", pid, "ns", "user")) + ": uid 0 inside is uid "
                    + UnshareStep.outsideUid() + (UnshareStep.rootIsForeign(c)
                    ? " (nobody) outside: root in here is an ordinary user out there, and owns nothing of the host's."
                    : " outside.");
            default -> "New " + ns.word() + " namespace " + id(Path.of("/proc", pid, "ns", ns.word())) + " (the host's is "
                    + id(Path.of("/proc/self/ns", ns.word())) + "): " + ns.isolates() + " — see " + ns.manPage() + ".";
        };
    }
}
