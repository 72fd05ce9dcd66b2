package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.HostPids;
import dev.cwb.container.Namespace;
import dev.cwb.kernel.Kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks on a container's namespaces, each read from the kernel: the namespace links in
 * {@code /proc/PID/ns/} (two processes share a namespace exactly when the links name the same inode,
 * namespaces(7)), what {@code /proc/PID/...} shows of that process's namespaces (its network devices, its
 * user id map, its clock offsets, its pid in each PID namespace), and the host name, which /proc shows only
 * for the reader's own UTS namespace: that one is read by a thread that joins the container's.
 */
public final class NamespaceChecks {
    private NamespaceChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("namespace-own NAME KIND", "the container has a KIND namespace of its own (user, mnt, uts, ipc, net, pid, cgroup, time): "
                + "its /proc/PID/ns link differs from the workbench's", 2, 2, a -> new Own(a.get(0), a.get(1), true));
        v.define("namespace-shared NAME KIND", "the container still shares the host's KIND namespace", 2, 2,
                a -> new Own(a.get(0), a.get(1), false));
        v.define("container-hostname NAME HOSTNAME", "inside the container's UTS namespace the host name is HOSTNAME (read by joining it)", 2, 2,
                a -> new Hostname(a.get(0), a.get(1)));
        v.define("pid1 NAME", "the container's process is PID 1 of a PID namespace of its own (NSpid in /proc/PID/status ends in 1)", 1, 1,
                a -> new Pid1(a.get(0)));
        v.define("net-devices NAME DEVICE...", "the container's network namespace has exactly these network devices (/proc/PID/net/dev)", 2, 9,
                a -> new NetDevices(a.get(0), a.subList(1, a.size())));
        v.define("boottime-offset NAME SECONDS", "the container's time namespace moves the boot-time clock by SECONDS (/proc/PID/timens_offsets)", 2, 2,
                a -> new BoottimeOffset(a.get(0), ImageChecks.number(a.get(1))));
        v.define("root-mapped NAME", "the container has its own user namespace in which uid 0 is, outside, the workbench's own user, or nobody (65534) under sudo (/proc/PID/uid_map)", 1, 1,
                a -> new RootMapped(a.get(0)));
        v.define("host-sees NAME COMMAND", "a process COMMAND of the container is an ordinary process in the host's /proc, with a host pid", 2, 2,
                a -> new HostSees(a.get(0), a.get(1)));
    }

    /** {@code 4026532283} from the link {@code uts:[4026532283]}. */
    static String id(Path link) {
        try {
            String target = Files.readSymbolicLink(link).toString();
            int open = target.indexOf('[');
            return open >= 0 ? target.substring(open + 1, target.length() - 1) : target;
        } catch (IOException e) {
            throw CwbException.notFound("cannot read " + link + ": " + CwbException.reason(e), null);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw CwbException.notFound("cannot read " + file + ": " + CwbException.reason(e), null);
        }
    }

    record Own(String name, String kind, boolean own) implements Check {
        public String expectation() {
            return own ? name + " has a " + kind + " namespace of its own" : name + " shares the host's " + kind + " namespace";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Namespace ns = Namespace.parse(kind);
                Container c = ContainerLookup.container(context, name);
                int pid = ContainerLookup.livePid(c);
                // pid and time: unshare(2) moves only the children, so the one that counts is what they get
                String file = ns.forChildrenOnly() ? ns.word() + "_for_children" : ns.word();
                String inside = id(Path.of("/proc", Integer.toString(pid), "ns", file));
                String host = id(Path.of("/proc/self/ns", ns.word()));
                boolean differs = !inside.equals(host);
                return CheckResult.of(differs == own, "/proc/" + pid + "/ns/" + file + " is " + inside + ", the workbench's " + ns.word()
                        + " is " + host + (differs ? ": its own" : ": the same one"));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record Hostname(String name, String hostname) implements Check {
        public String expectation() {
            return "the host name inside " + name + " is " + hostname;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                int pid = ContainerLookup.livePid(c);
                String inside = ContainerLookup.inNamespaceOf(pid, "uts", Kernel::gethostname);
                String host = Kernel.gethostname();
                if (inside.equals(hostname)) {
                    return CheckResult.pass("inside it is " + inside + (inside.equals(host) ? " (the host's own name)" : "; the host's is " + host));
                }
                // say why, as a teacher would: the name of a shared UTS namespace is the host's
                boolean own = !id(Path.of("/proc", Integer.toString(pid), "ns", "uts")).equals(id(Path.of("/proc/self/ns/uts")));
                return CheckResult.fail("the host name inside is " + (inside.equals(host) ? "still " : "") + inside + (inside.equals(host)
                        ? own ? " (the host's) — " + name + " has a UTS namespace of its own, but no name was set in it"
                        : " — " + name + "'s UTS namespace is the host's" : "; the host's is " + host));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            } catch (dev.cwb.kernel.SyscallException e) {
                return CheckResult.fail("gethostname failed: " + e.getMessage());
            }
        }
    }

    record Pid1(String name) implements Check {
        public String expectation() {
            return "the process of " + name + " is PID 1 of its own PID namespace";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                int pid = ContainerLookup.livePid(c);
                List<Integer> ids = ContainerLookup.nsPids(pid);
                if (ids.size() < 2) {
                    return CheckResult.fail("pid " + pid + " is in the host's PID namespace only (NSpid: " + ids + ")");
                }
                int inside = ids.get(ids.size() - 1);
                return CheckResult.of(inside == 1, "host pid " + pid + " is pid " + inside + " inside (NSpid: " + ids + ")");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record NetDevices(String name, List<String> devices) implements Check {
        public String expectation() {
            return "the network namespace of " + name + " has exactly: " + String.join(" ", devices);
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                int pid = ContainerLookup.livePid(ContainerLookup.container(context, name));
                Set<String> seen = new LinkedHashSet<>();
                for (String line : read(Path.of("/proc", Integer.toString(pid), "net", "dev")).split("\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && !line.contains("|")) {
                        seen.add(line.substring(0, colon).strip());
                    }
                }
                return CheckResult.of(seen.equals(new LinkedHashSet<>(devices)), "/proc/" + pid + "/net/dev lists " + String.join(" ", seen));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record BoottimeOffset(String name, long seconds) implements Check {
        public String expectation() {
            return "the time namespace of " + name + " puts the boot-time clock " + seconds + " s ahead";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                int pid = ContainerLookup.livePid(ContainerLookup.container(context, name));
                Path file = Path.of("/proc", Integer.toString(pid), "timens_offsets");
                for (String line : read(file).split("\n")) {
                    String[] f = line.strip().split("\\s+");
                    if (f.length == 3 && (f[0].equals("boottime") || f[0].equals("7"))) { // older kernels print the clock id, 7
                        long offset = Long.parseLong(f[1]);
                        return CheckResult.of(offset == seconds, file + ": boottime " + offset + " s");
                    }
                }
                return CheckResult.fail(file + " has no boottime line");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record RootMapped(String name) implements Check {
        public String expectation() {
            return "uid 0 in the user namespace of " + name + " is uid " + dev.cwb.container.UnshareStep.outsideUid() + " outside";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                int pid = ContainerLookup.livePid(ContainerLookup.container(context, name));
                String inside = id(Path.of("/proc", Integer.toString(pid), "ns", "user"));
                String host = id(Path.of("/proc/self/ns/user"));
                if (inside.equals(host)) {
                    return CheckResult.fail("pid " + pid + " is in the host's user namespace (" + host + "): no mapping of its own");
                }
                Path file = Path.of("/proc", Integer.toString(pid), "uid_map");
                String map = read(file).strip();
                if (map.isEmpty()) {
                    return CheckResult.fail(file + " is empty: no uid is mapped yet");
                }
                String[] first = map.split("\n")[0].strip().split("\\s+");
                boolean mapped = first.length == 3 && first[0].equals("0") && first[1].equals(Integer.toString(dev.cwb.container.UnshareStep.outsideUid()));
                return CheckResult.of(mapped, file + ": " + String.join(" ", first) + " (inside, outside, count)");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record HostSees(String name, String command) implements Check {
        public String expectation() {
            return "the host's /proc shows a process " + command + " of " + name;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                List<String> others = new ArrayList<>();
                for (int pid : HostPids.descendants(c.first().pid())) {
                    String comm;
                    try {
                        comm = Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).strip();
                    } catch (IOException e) {
                        continue; // ended meanwhile
                    }
                    if (comm.equals(command)) {
                        List<Integer> ids = ContainerLookup.nsPids(pid);
                        return CheckResult.pass("/proc/" + pid + " is " + command + ": host pid " + pid
                                + (ids.size() > 1 ? ", pid " + ids.get(ids.size() - 1) + " inside" : ""));
                    }
                    others.add(comm + " (" + pid + ")");
                }
                return CheckResult.fail(others.isEmpty() ? "the container runs no process besides cwb-init"
                        : "its processes are " + String.join(", ", others));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }
}
