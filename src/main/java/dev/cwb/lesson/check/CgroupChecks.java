package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.cgroup.Cgroup;
import dev.cwb.cgroup.CgroupLimits;
import dev.cwb.cgroup.CgroupMode;
import dev.cwb.container.Container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Checks on a container's control group, read from the kernel's own files under {@code /sys/fs/cgroup}:
 * the limit files, and the counters the kernel keeps of what the limits did (cgroups(7); cgroup-v2.rst;
 * for v1 memory.rst, pids.rst and sched-bwc.rst). File names differ between v1 and v2; each check reads the
 * one this host's driver uses and names it in what it saw.
 */
public final class CgroupChecks {
    private CgroupChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("in-cgroup NAME", "the container has a cgroup and its process is listed in the group's cgroup.procs", 1, 1,
                a -> new InCgroup(a.get(0)));
        v.define("cgroup-limit NAME RESOURCE VALUE", "the container's cgroup limits RESOURCE (memory, pids, cpu) to VALUE (64M, 20, 0.5), "
                + "as the kernel's limit file says", 3, 3, a -> new Limit(a.get(0), a.get(1), a.get(2)));
        v.define("oom-killed NAME", "the OOM killer has killed a process of the container's cgroup (memory.events or memory.oom_control: oom_kill)", 1, 1,
                a -> new Counter(a.get(0), Counter.Kind.OOM));
        v.define("pids-limit-hit NAME", "a fork in the container's cgroup was refused because of pids.max (pids.events: max)", 1, 1,
                a -> new Counter(a.get(0), Counter.Kind.PIDS));
        v.define("cpu-throttled NAME", "the container's cgroup was throttled by its CPU quota (cpu.stat: nr_throttled)", 1, 1,
                a -> new Counter(a.get(0), Counter.Kind.CPU));
        v.define("device-rules NAME", "the container's cgroup keeps devices out: v1's devices.list no longer allows every "
                + "device, or (v2) a device program is attached to the group (bpf(BPF_PROG_QUERY))", 1, 1, a -> new DeviceRules(a.get(0)));
    }

    /**
     * The kernel's record of the group's device rules: v1 devices.list without the {@code a *:* rwm} a new
     * group inherits, holding runc's {@code c 1:3 rwm} (/dev/null); v2 a program id the kernel reports
     * attached (the query is a traced call of this JVM's).
     */
    record DeviceRules(String name) implements Check {
        public String expectation() {
            return "the cgroup of " + name + " has device rules";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                group(c);
                java.util.List<String> rules = dev.cwb.container.CgroupStep.deviceRules(c);
                boolean v2 = rules.stream().anyMatch(r -> r.startsWith("BPF_CGROUP_DEVICE program id "));
                boolean v1 = rules.stream().anyMatch(r -> r.strip().equals("c 1:3 rwm"))
                        && rules.stream().noneMatch(r -> r.strip().equals("a *:* rwm"));
                return CheckResult.of(v1 || v2, rules.isEmpty() ? "no device rules are kept for the group"
                        : String.join("; ", rules.stream().limit(4).toList()) + (rules.size() > 4 ? "; ..." : ""));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            } catch (dev.cwb.kernel.SyscallException e) {
                return CheckResult.fail("cannot ask the kernel: " + e.getMessage());
            }
        }
    }

    static Cgroup group(Container c) {
        if (c.cgroup() == null) {
            throw CwbException.notFound("container " + c.name() + " has no cgroup (cgroup create makes one)", null);
        }
        return c.cgroup();
    }

    static Path file(Cgroup g, String controller, String name) {
        return g.controlFile(controller, name).orElseThrow(() -> CwbException.notFound(
                "no " + controller + " controller for group " + g.name() + " on this host", null));
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw CwbException.notFound("cannot read " + file + ": " + CwbException.reason(e), null);
        }
    }

    /** One {@code key value} line of a flat-keyed file ({@code memory.events}, {@code cpu.stat}). */
    static OptionalLong key(Path file, String key) {
        return Cgroup.flatKey(read(file), key);
    }

    record InCgroup(String name) implements Check {
        public String expectation() {
            return "the process of " + name + " is in its cgroup";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                Cgroup g = group(c);
                int pid = ContainerLookup.livePid(c);
                boolean inside = g.processes().contains((long) pid);
                return CheckResult.of(inside, "pid " + pid + (inside ? " is" : " is not") + " in " + g.directories().get(0) + "/cgroup.procs"
                        + (g.directories().size() > 1 ? " (and " + (g.directories().size() - 1) + " more v1 hierarchies)" : ""));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record Limit(String name, String resource, String value) implements Check {
        public String expectation() {
            return "the cgroup of " + name + " limits " + resource + " to " + value;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Cgroup g = group(ContainerLookup.container(context, name));
                boolean v2 = g.version() == CgroupMode.UNIFIED;
                switch (resource.toLowerCase(Locale.ROOT)) {
                    case "memory" -> {
                        Path f = file(g, "memory", v2 ? "memory.max" : "memory.limit_in_bytes");
                        return number(f, CgroupLimits.parseMemory(value));
                    }
                    case "pids" -> {
                        return number(file(g, "pids", "pids.max"), CgroupLimits.parsePids(value));
                    }
                    case "cpu" -> {
                        double wanted = CgroupLimits.parseCpus(value);
                        long quota;
                        long period;
                        Path shown;
                        if (v2) {
                            shown = file(g, "cpu", "cpu.max");
                            String[] qp = read(shown).split("\\s+");
                            if (qp[0].equals("max")) {
                                return CheckResult.fail(shown + " is " + String.join(" ", qp) + ": no quota");
                            }
                            quota = Long.parseLong(qp[0]);
                            period = Long.parseLong(qp[1]);
                        } else {
                            shown = file(g, "cpu", "cpu.cfs_quota_us");
                            quota = Long.parseLong(read(shown));
                            period = Long.parseLong(read(file(g, "cpu", "cpu.cfs_period_us")));
                        }
                        double cpus = quota < 0 ? -1 : (double) quota / period;
                        return CheckResult.of(Math.abs(cpus - wanted) < 1e-6, shown + ": quota " + quota + " µs per " + period + " µs = "
                                + (quota < 0 ? "no limit" : String.format(Locale.ROOT, "%.2f CPU", cpus)));
                    }
                    default -> {
                        return CheckResult.fail("no limit called '" + resource + "' (memory, pids or cpu)");
                    }
                }
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            } catch (NumberFormatException e) {
                return CheckResult.fail("the kernel's file holds something that is not a number: " + e.getMessage());
            }
        }

        private static CheckResult number(Path f, long wanted) {
            String text = read(f);
            boolean ok = text.equals(Long.toString(wanted));
            return CheckResult.of(ok, f + " holds " + text);
        }
    }

    record Counter(String name, Kind kind) implements Check {
        enum Kind { OOM, PIDS, CPU }

        public String expectation() {
            return switch (kind) {
                case OOM -> "the OOM killer killed a process in the cgroup of " + name;
                case PIDS -> "the pids limit of " + name + " refused a fork";
                case CPU -> "the CPU quota of " + name + " throttled it";
            };
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Cgroup g = group(ContainerLookup.container(context, name));
                boolean v2 = g.version() == CgroupMode.UNIFIED;
                Path f;
                String key;
                switch (kind) {
                    case OOM -> {
                        f = file(g, "memory", v2 ? "memory.events" : "memory.oom_control");
                        key = "oom_kill";
                    }
                    case PIDS -> {
                        f = file(g, "pids", "pids.events");
                        key = "max";
                    }
                    default -> {
                        f = file(g, "cpu", "cpu.stat");
                        key = "nr_throttled";
                    }
                }
                OptionalLong n = key(f, key);
                if (n.isEmpty()) {
                    return CheckResult.fail(f + " has no " + key + " line (this kernel does not count it)");
                }
                if (n.getAsLong() > 0) {
                    return CheckResult.pass(f + ": " + key + " " + n.getAsLong());
                }
                return CheckResult.fail(f + ": " + key + " 0 — " + switch (kind) {
                    case OOM -> "no process in the group was OOM-killed yet (did it use more than the limit?)";
                    case PIDS -> "no fork in the group was refused yet (did it start more processes than the limit?)";
                    case CPU -> "the group was never throttled (is there a quota, and did it use the CPU?)";
                });
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }
}
