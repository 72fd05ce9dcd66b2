package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.kernel.MountInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checks on a container of the session and its root file system: that it exists (or is gone without a
 * trace), that its overlay is mounted, and what its writable upper directory holds. The upper directory is
 * read on the host ({@code $CWB_HOME/run/containers/NAME/upper}); the overlay mount is read from the
 * container's own {@code /proc/PID/mountinfo}, whichever mount namespace it is in.
 */
public final class ContainerChecks {
    private ContainerChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("container-exists NAME", "the session has a container NAME and its first process (cwb-init) is running", 1, 1,
                a -> new Exists(a.get(0)));
        v.define("container-absent NAME", "no container NAME: not in the session, no workspace, no cgroup of that name", 1, 1,
                a -> new Absent(a.get(0)));
        v.define("overlay-mounted NAME", "the container's root file system is an overlay mount with its own upper directory", 1, 1,
                a -> new OverlayMounted(a.get(0)));
        v.define("upper-empty NAME", "the container's upper directory is empty: it has written nothing", 1, 1,
                a -> new UpperEmpty(a.get(0)));
        v.define("upper-has NAME PATH", "the container's upper directory holds PATH (a new or copied-up file, not a whiteout)", 2, 2,
                a -> new UpperHas(a.get(0), a.get(1)));
        v.define("upper-owned-by-root NAME PATH", "PATH in the container's upper directory is owned, as the host sees it, by the uid that "
                + "root inside maps to outside (/proc/PID/uid_map): 65534 under sudo, your own uid without root", 2, 2,
                a -> new UpperOwnedByRoot(a.get(0), a.get(1)));
        v.define("upper-whiteout NAME PATH", "the container's upper directory holds an overlayfs whiteout (char device 0:0) for PATH", 2, 2,
                a -> new UpperWhiteout(a.get(0), a.get(1)));
        v.define("shares-lowers NAME OTHER", "the overlays of both containers stack the very same layer directories (lowerdir)", 2, 2,
                a -> new SharesLowers(a.get(0), a.get(1)));
    }

    static Path upperPath(Container c, String path) {
        return LayerCacheChecks.inside(c.dirs().upper(), path);
    }

    record Exists(String name) implements Check {
        public String expectation() {
            return "container " + name + " exists";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                boolean alive = ProcessHandle.of(c.first().pid()).map(ProcessHandle::isAlive).orElse(false);
                return CheckResult.of(alive, "container " + name + " from " + c.image().reference().familiar() + ", cwb-init pid "
                        + c.first().pid() + (alive ? " running" : " no longer running"));
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record Absent(String name) implements Check {
        public String expectation() {
            return "container " + name + " is gone: not in the session, no workspace, no cgroup";
        }

        public CheckResult evaluate(CheckContext context) {
            List<String> left = new ArrayList<>();
            if (context.workbench().containers().find(name).isPresent()) {
                left.add("it is still in the session (ps lists it)");
            }
            Path workspace = context.workbench().containers().directory().resolve(name);
            if (Files.exists(workspace, LinkOption.NOFOLLOW_LINKS)) {
                left.add("its workspace " + workspace + " is still there");
            }
            try {
                if (context.workbench().containers().cgroups().names().contains(name.replace('.', '_'))) {
                    left.add("a cgroup cwb/" + name + " is still there");
                }
            } catch (CwbException e) {
                // no cgroups on this host: none can be left
            }
            return left.isEmpty() ? CheckResult.pass("no container, no workspace, no cgroup called " + name)
                    : CheckResult.fail(String.join("; ", left));
        }
    }

    record OverlayMounted(String name) implements Check {
        public String expectation() {
            return "the root file system of " + name + " is an overlay mount";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container c = ContainerLookup.container(context, name);
                Optional<MountInfo.Mount> m = ContainerLookup.overlay(c);
                if (m.isEmpty()) {
                    return CheckResult.fail("no overlay with upperdir=" + c.dirs().upper() + " in /proc/" + c.current().pid() + "/mountinfo");
                }
                int layers = ContainerLookup.option(m.get(), "lowerdir").split(":").length;
                return CheckResult.pass("overlay on " + m.get().mountPoint() + ": " + layers + " lower layer" + (layers == 1 ? "" : "s")
                        + " under upperdir " + c.dirs().upper());
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record UpperEmpty(String name) implements Check {
        public String expectation() {
            return "the upper directory of " + name + " is empty";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path upper = ContainerLookup.container(context, name).dirs().upper();
                try (Stream<Path> s = Files.list(upper)) {
                    List<String> names = s.map(p -> p.getFileName().toString()).sorted().limit(5).toList();
                    return CheckResult.of(names.isEmpty(), names.isEmpty() ? upper + " is empty" : upper + " holds " + String.join(", ", names));
                }
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            } catch (IOException e) {
                return CheckResult.fail("cannot list the upper directory: " + CwbException.reason(e));
            }
        }
    }

    record UpperHas(String name, String path) implements Check {
        public String expectation() {
            return "the upper directory of " + name + " holds " + path;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path file = upperPath(ContainerLookup.container(context, name), path);
                if (LayerCacheChecks.isOverlayWhiteout(file)) {
                    return CheckResult.fail(file + " is a whiteout (the file was deleted), not a file");
                }
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    return CheckResult.fail("no " + file);
                }
                String what = Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS) ? "a directory"
                        : Files.isSymbolicLink(file) ? "a symbolic link" : "a file of " + Files.size(file) + " bytes";
                return CheckResult.pass(file + " is " + what);
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            } catch (IOException e) {
                return CheckResult.fail("cannot read it: " + CwbException.reason(e));
            }
        }
    }

    record UpperOwnedByRoot(String name, String path) implements Check {
        public String expectation() {
            return path + " in the upper directory of " + name + " belongs on the host to the uid root inside " + name + " maps to";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                dev.cwb.container.Container c = ContainerLookup.container(context, name);
                Path map = Path.of("/proc", Integer.toString(ContainerLookup.livePid(c)), "uid_map");
                String outside = null;
                for (String line : Files.readAllLines(map)) {
                    String[] f = line.strip().split("\\s+");
                    if (f.length == 3 && f[0].equals("0")) {
                        outside = f[1];
                    }
                }
                if (outside == null) {
                    return CheckResult.fail(map + " maps no uid 0: " + name + " has no user namespace of its own, or no map yet");
                }
                Path file = upperPath(c, path);
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    return CheckResult.fail("no " + file + ": make it inside first");
                }
                int uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                return CheckResult.of(Integer.toString(uid).equals(outside), file + " is owned by uid " + uid + " on the host; root inside is uid "
                        + outside + " outside (" + map + ")");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            } catch (IOException e) {
                return CheckResult.fail("cannot read it: " + CwbException.reason(e));
            }
        }
    }

    record UpperWhiteout(String name, String path) implements Check {
        public String expectation() {
            return "the upper directory of " + name + " holds a whiteout for " + path;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path file = upperPath(ContainerLookup.container(context, name), path);
                if (LayerCacheChecks.isOverlayWhiteout(file)) {
                    return CheckResult.pass(file + " is a character device 0:0 (an overlayfs whiteout)");
                }
                return CheckResult.fail(Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? file + " is there but is no whiteout" : "no " + file);
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record SharesLowers(String name, String other) implements Check {
        public String expectation() {
            return name + " and " + other + " stack the same layer directories";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Container a = ContainerLookup.container(context, name);
                Container b = ContainerLookup.container(context, other);
                Optional<MountInfo.Mount> ma = ContainerLookup.overlay(a);
                Optional<MountInfo.Mount> mb = ContainerLookup.overlay(b);
                if (ma.isEmpty() || mb.isEmpty()) {
                    return CheckResult.fail((ma.isEmpty() ? name : other) + " has no overlay mounted");
                }
                String la = ContainerLookup.option(ma.get(), "lowerdir");
                String lb = ContainerLookup.option(mb.get(), "lowerdir");
                String upperA = ContainerLookup.option(ma.get(), "upperdir");
                String upperB = ContainerLookup.option(mb.get(), "upperdir");
                if (!la.equals(lb)) {
                    return CheckResult.fail("their lowerdirs differ: " + la + " and " + lb);
                }
                return CheckResult.of(!upperA.equals(upperB), "both stack the same " + la.split(":").length + " layer directories ("
                        + la.split(":")[0] + " on top), each under its own upperdir");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }
}
