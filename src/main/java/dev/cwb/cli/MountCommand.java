package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.MountStep;
import dev.cwb.container.Namespace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code mount proc|sys|dev|tmpfs PATH|bind SRC DST}: the file systems a container expects, as runc mounts them. */
@Command(name = "mount", description = "Mount into the container: proc, sys, dev, masked (runc's masked and read-only paths), tmpfs PATH, or bind HOST_PATH PATH.",
        footer = {"", "proc shows the processes of the container's PID namespace; sys (read-only) its network devices;",
                "dev is a tmpfs with runc's device nodes (null zero full random urandom tty), pts, shm and mqueue.",
                "Example: mount proc   mount tmpfs /tmp   mount bind --ro /srv/data /data"})
public final class MountCommand extends ContainerCommand {
    @Parameters(index = "0", paramLabel = "WHAT", completionCandidates = MountCommand.Kinds.class, description = "proc, sys, dev, tmpfs or bind.")
    String what;

    @Parameters(index = "1..*", arity = "0..2", paramLabel = "PATH", description = "tmpfs: where; bind: host path, then where.")
    List<String> paths = List.of();

    @Option(names = "--ro", description = "With bind: read-only.")
    boolean readOnly;

    /** What can be mounted, for Tab. */
    static final class Kinds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("proc", "sys", "dev", "masked", "tmpfs", "bind").iterator();
        }
    }

    @Override
    protected int run() throws Exception {
        Container c = container();
        String line = traced(c, () -> switch (what) {
            case "proc" -> {
                noPaths();
                MountStep.proc(c);
                yield "Mounted /proc: " + (c.has(Namespace.PID) ? "it lists only the container's processes (its PID namespace)."
                        : "it lists the host's processes: the container has no PID namespace of its own (unshare pid).");
            }
            case "sys", "sysfs" -> {
                noPaths();
                MountStep.sys(c);
                yield "Mounted /sys read-only" + (c.has(Namespace.NET) ? ": its network devices are the container's."
                        : ": it shows the host's network devices (no net namespace of its own).");
            }
            case "dev" -> {
                noPaths();
                MountStep.dev(c);
                yield "Mounted /dev: tmpfs with " + MountStep.DEVICES.size() + " device nodes, links to /proc/self/fd, pts, shm, mqueue.";
            }
            case "tmpfs" -> {
                if (paths.size() != 1) {
                    throw new CwbException(CwbException.USAGE, "mount tmpfs needs one path", "for example: mount tmpfs /tmp");
                }
                MountStep.tmpfs(c, paths.get(0));
                yield "Mounted an empty tmpfs (in memory) on " + paths.get(0) + ".";
            }
            case "bind" -> {
                if (paths.size() != 2) {
                    throw new CwbException(CwbException.USAGE, "mount bind needs a host path and a path inside",
                            "for example: mount bind /srv/data /data");
                }
                MountStep.bind(c, paths.get(0), paths.get(1), readOnly);
                yield "Host " + paths.get(0) + " is now also at " + paths.get(1) + " inside" + (readOnly ? ", read-only." : ".");
            }
            case "masked" -> {
                noPaths();
                dev.cwb.container.RuncDefaults.apply(c);
                yield "runc's read-only paths (" + String.join(" ", dev.cwb.container.RuncDefaults.READ_ONLY) + ") are read-only, and its "
                        + "masked paths (" + String.join(" ", dev.cwb.container.RuncDefaults.MASKED) + ") covered, where they exist.";
            }
            default -> throw CwbException.badInput("cannot mount '" + what + "'", "mount proc, sys, dev, masked, tmpfs PATH or bind HOST_PATH PATH");
        });
        if (!c.has(Namespace.MNT)) {
            out().println("Note: made in the host's mount namespace (no unshare mnt): the host sees it too; rm " + c.name() + " unmounts it.");
        }
        said(line);
        return 0;
    }

    private void noPaths() {
        if (!paths.isEmpty()) {
            throw new CwbException(CwbException.USAGE, "mount " + what + " takes no path: it goes to /" + what, "mount " + what);
        }
    }
}
