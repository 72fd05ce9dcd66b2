package dev.cwb.lesson.check;

import dev.cwb.container.ContainerLog;
import dev.cwb.container.DetachedContainers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of lesson 14's detached containers, read from what any workbench can see: the workspace's
 * {@code detached.json} and {@code container.log}, and {@code /proc} of PID 1, its cwb-init and its shim.
 */
final class DetachedChecks {
    private DetachedChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("detached-running NAME", "detached container NAME runs: its shim holds its workspace and its PID 1 is alive", 1, 1,
                a -> new Running(a.get(0)));
        v.define("detached-exited NAME CODE", "detached container NAME has exited, and its shim recorded exit code CODE", 2, 2,
                a -> new Exited(a.get(0), ImageChecks.number(a.get(1))));
        v.define("shim-keeps NAME", "PID 1's parent is the container's cwb-init, whose parent is its shim, in a session of its own", 1, 1,
                a -> new ShimKeeps(a.get(0)));
        v.define("output-has-namespace NAME KIND", "the last command printed PID 1's namespace id of KIND (as /proc/PID/ns/KIND names it)", 2, 2,
                a -> new OutputHasNamespace(a.get(0), a.get(1)));
        v.define("pid1-init NAME", "detached container NAME's PID 1 is --init's cwb-pid1 (a read-only bind at /sbin/cwb-pid1), "
                + "the command its one child, and it waits for signals it blocks", 1, 1, a -> new Pid1Init(a.get(0)));
        v.define("log-contains NAME TEXT", "the container's log (what its shim kept of its output) holds TEXT", 2, 2,
                a -> new LogContains(a.get(0), a.get(1)));
    }

    private static DetachedContainers.Entry find(CheckContext context, String name) {
        try {
            return new DetachedContainers(context.workbench().containers()).find(name);
        } catch (RuntimeException e) {
            return null;
        }
    }

    record Running(String name) implements Check {
        public String expectation() {
            return "detached container " + name + " runs";
        }

        public CheckResult evaluate(CheckContext context) {
            DetachedContainers.Entry e = find(context, name);
            if (e == null) {
                return CheckResult.fail("there is no detached container " + name);
            }
            int pid1 = e.livePid1();
            return CheckResult.of(pid1 > 0, e.statusText(System.currentTimeMillis()) + (pid1 > 0 ? ", PID 1 is pid " + pid1 + " on the host" : ""));
        }
    }

    record Exited(String name, int code) implements Check {
        public String expectation() {
            return "detached container " + name + " exited with code " + code;
        }

        public CheckResult evaluate(CheckContext context) {
            DetachedContainers.Entry e = find(context, name);
            if (e == null) {
                return CheckResult.fail("there is no detached container " + name);
            }
            String saw = e.statusText(System.currentTimeMillis());
            if (e.status() != DetachedContainers.Status.EXITED) {
                return CheckResult.fail(saw);
            }
            int got = e.detached().exitCode();
            return CheckResult.of(got == code, saw + (got == 137 ? ": 128 + 9, SIGKILL ended it" : got == 143 ? ": 128 + 15, SIGTERM's default action" : ""));
        }
    }

    record ShimKeeps(String name) implements Check {
        public String expectation() {
            return name + "'s PID 1 is a child of its cwb-init, a child of its shim";
        }

        public CheckResult evaluate(CheckContext context) {
            DetachedContainers.Entry e = find(context, name);
            if (e == null || e.livePid1() == 0) {
                return CheckResult.fail(e == null ? "there is no detached container " + name : name + " is not running");
            }
            int pid1 = e.livePid1();
            long shim = e.detached().shimPid();
            int init = status(pid1, "PPid:");
            int initParent = status(init, "PPid:");
            long session = session(shim);
            String saw = "PID 1 (pid " + pid1 + ") ← pid " + init + " (" + comm(init) + ") ← pid " + initParent
                    + " (the shim is pid " + shim + ", in session " + session + ")";
            return CheckResult.of(initParent == shim && comm(init).equals("cwb-init") && session == shim
                    && shim != ProcessHandle.current().pid(), saw);
        }
    }

    record OutputHasNamespace(String name, String kind) implements Check {
        public String expectation() {
            return "the last command printed the " + kind + " namespace id of " + name + "'s PID 1";
        }

        public CheckResult evaluate(CheckContext context) {
            DetachedContainers.Entry e = find(context, name);
            if (e == null || e.livePid1() == 0) {
                return CheckResult.fail(e == null ? "there is no detached container " + name : name + " is not running");
            }
            String id;
            try {
                id = Files.readSymbolicLink(Path.of("/proc", Integer.toString(e.livePid1()), "ns", kind)).toString();
            } catch (IOException | RuntimeException ex) {
                return CheckResult.fail("cannot read /proc/" + e.livePid1() + "/ns/" + kind);
            }
            if (context.lastCommand().isEmpty()) {
                return CheckResult.fail("no command has run in this step yet; PID 1's is " + id);
            }
            String out = context.lastCommand().get().output();
            return CheckResult.of(out.contains(id), "PID 1's is " + id + "; the command printed " + dev.cwb.view.Excerpt.of(out.strip()));
        }
    }

    record Pid1Init(String name) implements Check {
        public String expectation() {
            return name + "'s PID 1 is cwb-pid1, the command its child";
        }

        public CheckResult evaluate(CheckContext context) {
            DetachedContainers.Entry e = find(context, name);
            if (e == null || e.livePid1() == 0) {
                return CheckResult.fail(e == null ? "there is no detached container " + name : name + " is not running");
            }
            int pid1 = e.livePid1();
            String inside = dev.cwb.kernel.Pid1Program.PATH_INSIDE;
            boolean readOnlyBind = dev.cwb.kernel.MountInfo.of(Integer.toString(pid1)).stream()
                    .anyMatch(m -> m.mountPoint().equals(inside) && java.util.List.of(m.options().split(",")).contains("ro"));
            java.util.List<Integer> children = new java.util.ArrayList<>();
            try (var dirs = Files.list(Path.of("/proc"))) {
                for (Path d : dirs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                    int pid = Integer.parseInt(d.getFileName().toString());
                    if (status(pid, "PPid:") == pid1) {
                        children.add(pid);
                    }
                }
            } catch (IOException ex) {
                return CheckResult.fail("cannot read /proc: " + ex.getMessage());
            }
            boolean waits = dev.cwb.container.DetachedContainers.waitsForSignals(pid1, 15);
            String saw = "PID 1 (pid " + pid1 + ") is " + comm(pid1) + (readOnlyBind ? ", " + inside + " a read-only bind" : ", no read-only "
                    + inside) + "; its children: " + children.stream().map(c -> c + " (" + comm(c) + ")").toList()
                    + (waits ? "; it waits in rt_sigtimedwait for SIGTERM" : "; it does not wait for SIGTERM");
            return CheckResult.of(comm(pid1).equals(dev.cwb.kernel.Pid1Program.NAME) && readOnlyBind && children.size() == 1 && waits, saw);
        }
    }

    record LogContains(String name, String text) implements Check {
        public String expectation() {
            return name + "'s log holds " + text;
        }

        public CheckResult evaluate(CheckContext context) {
            DetachedContainers.Entry e = find(context, name);
            if (e == null) {
                return CheckResult.fail("there is no detached container " + name);
            }
            StringBuilder all = new StringBuilder();
            try {
                ContainerLog.read(e.dir()).forEach(r -> all.append(new String(r.bytes(), StandardCharsets.UTF_8)));
            } catch (IOException ex) {
                return CheckResult.fail("cannot read its log: " + ex.getMessage());
            }
            return CheckResult.of(all.toString().contains(text), all.length() == 0 ? "its log is empty"
                    : "its log: " + dev.cwb.view.Excerpt.of(all.toString().strip()));
        }
    }

    private static int status(int pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Integer.parseInt(line.substring(key.length()).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    private static long session(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "gone";
        }
    }
}
