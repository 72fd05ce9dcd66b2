package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.kernel.MountInfo;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Checks on what a container's process sees as {@code /} and what is mounted in its mount namespace.
 *
 * <p>Three directories are compared by identity (device and inode): the process's root, reached from the
 * host through {@code /proc/PID/root}; the host's {@code /}; and the root of the container's mount
 * namespace, which /proc does not show, so a throw-away thread joins that namespace (setns(2) puts the
 * caller at the namespace's root) and looks at its own {@code /}. After chroot(2) the process's root is a
 * directory inside the namespace; after pivot_root(2) it <em>is</em> the namespace's root; after a
 * successful escape it is the host's {@code /} again.
 */
public final class RootChecks {
    private RootChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("mounted NAME PATH [FSTYPE]", "in the container's mount namespace something (of type FSTYPE) is mounted at PATH, a path inside the container", 2, 3,
                a -> new Mounted(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null));
        v.define("host-not-mounted PATH", "nothing is mounted at PATH in the host's mount namespace (the workbench's)", 1, 1,
                a -> new HostNotMounted(a.get(0)));
        v.define("root-chrooted NAME", "the container's process has a root of its own that is not the root of its mount namespace (chroot)", 1, 1,
                a -> new Root(a.get(0), Kind.CHROOT));
        v.define("root-pivoted NAME", "the container's root is the root of its own mount namespace, and not the host's / (pivot_root)", 1, 1,
                a -> new Root(a.get(0), Kind.PIVOTED));
        v.define("root-is-host NAME", "the container's process has the host's / as its root (nothing moved, or it escaped)", 1, 1,
                a -> new Root(a.get(0), Kind.HOST));
    }

    enum Kind { CHROOT, PIVOTED, HOST }

    record Mounted(String name, String path, String fsType) implements Check {
        public String expectation() {
            return (fsType == null ? "something" : fsType) + " is mounted at " + path + " in " + name;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                String target = c.pathInside(path);
                List<MountInfo.Mount> mounts = ContainerLookup.mounts(c);
                // the last one listed at a mount point is the one on top, the one a lookup finds
                Optional<MountInfo.Mount> top = mounts.stream().filter(m -> m.mountPoint().equals(target)).reduce((a, b) -> b);
                if (top.isEmpty()) {
                    return CheckResult.fail("nothing is mounted at " + target + " in /proc/" + c.current().pid() + "/mountinfo");
                }
                boolean typeOk = fsType == null || top.get().fsType().equals(fsType);
                return CheckResult.of(typeOk, top.get().fsType() + " (" + top.get().source() + ") is mounted at " + target);
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record HostNotMounted(String path) implements Check {
        public String expectation() {
            return "nothing is mounted at " + path + " on the host";
        }

        public CheckResult evaluate(CheckContext context) {
            Optional<MountInfo.Mount> m = MountInfo.of("self").stream().filter(x -> x.mountPoint().equals(path)).findFirst();
            return m.map(x -> CheckResult.fail(x.fsType() + " is mounted there in the host's mount namespace"))
                    .orElse(CheckResult.pass("the host's mount table has nothing at " + path));
        }
    }

    record Root(String name, Kind kind) implements Check {
        public String expectation() {
            return switch (kind) {
                case CHROOT -> "the root of " + name + " was changed with chroot";
                case PIVOTED -> "the root of " + name + " is the root of its own mount namespace (pivot_root)";
                case HOST -> "the root of " + name + " is the host's /";
            };
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                int pid = ContainerLookup.livePid(c);
                Object processRoot = ContainerLookup.identity(Path.of("/proc", Integer.toString(pid), "root"));
                Object hostRoot = ContainerLookup.identity(Path.of("/"));
                if (kind == Kind.HOST) {
                    return CheckResult.of(processRoot.equals(hostRoot), processRoot.equals(hostRoot)
                            ? "/proc/" + pid + "/root is the host's / " + hostRoot : "/proc/" + pid + "/root is " + processRoot + ", the host's / is " + hostRoot);
                }
                Object namespaceRoot = ContainerLookup.inNamespaceOf(pid, "mnt", () -> ContainerLookup.identity(Path.of("/")));
                String saw = "process root " + processRoot + ", its mount namespace's root " + namespaceRoot + ", the host's / " + hostRoot;
                if (processRoot.equals(hostRoot)) {
                    return CheckResult.fail("/proc/" + pid + "/root is the host's / " + hostRoot + " — "
                            + (c.root() == Container.RootChange.NONE ? "its root has not moved (chroot or pivot_root moves it)"
                            : "it moved, then got out again (escape)"));
                }
                if (kind == Kind.PIVOTED && !processRoot.equals(namespaceRoot)) {
                    return CheckResult.fail(saw + (c.root() == Container.RootChange.CHROOT
                            ? " — chroot moved the process's root only; its mount namespace's root is still the host's tree" : ""));
                }
                return kind == Kind.PIVOTED
                        ? CheckResult.of(processRoot.equals(namespaceRoot), saw)
                        : CheckResult.of(!processRoot.equals(namespaceRoot), saw);
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }
}
