package dev.cwb.cli;

import dev.cwb.WorkbenchHome;
import dev.cwb.cgroup.CgroupJanitor;
import dev.cwb.cgroup.CgroupMode;
import dev.cwb.cgroup.CgroupOwners;
import dev.cwb.container.ContainerState;
import dev.cwb.container.Containers;
import dev.cwb.kernel.SyscallListener;
import dev.cwb.kernel.Syscalls;

import dev.cwb.cleanup.Leftovers;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;

/**
 * {@code cleanup}: removes what a killed workbench left behind in {@code $CWB_HOME}. Work still in
 * progress in another live workbench is recognised by its lock and left alone.
 */
@Command(name = "cleanup", description = "Remove what a killed session left behind: containers (processes, mounts, cgroups), half-loaded blobs, half-unpacked layers.")
public final class CleanupCommand extends WorkbenchCommand {
    @Option(names = {"-n", "--dry-run"}, description = "Only list what would be removed.")
    boolean dryRun;

    @Override
    protected int run() throws IOException {
        int containers = cleanContainers();
        List<Leftovers.Leftover> found = new Leftovers(workbench.home()).find();
        if (found.isEmpty()) {
            out().println(containers > 0 ? "No other leftovers in " + workbench.home().root() + "."
                    : "Nothing to clean up in " + workbench.home().root() + ".");
            return 0;
        }
        long total = 0;
        for (Leftovers.Leftover l : found) {
            out().println((dryRun ? "Would remove " : "Removed ") + l.path() + "  (" + Sizes.human(l.bytes()) + ": " + l.what() + ")");
            if (!dryRun) {
                Leftovers.remove(l);
            }
            total += l.bytes();
        }
        out().println((dryRun ? "Would free " : "Freed ") + Sizes.human(total) + ".");
        return 0;
    }

    /** Containers and cgroups whose workbench is gone; returns how many things were found. */
    private int cleanContainers() {
        Containers containers = workbench.containers();
        int n = 0;
        for (ContainerState s : containers.abandoned()) {
            n++;
            dev.cwb.container.Detached d = dev.cwb.container.Detached.load(containers.directory().resolve(s.name()));
            String what = "container " + s.name() + " (image " + s.image() + (d != null
                    ? ", detached: its shim, pid " + d.shimPid() + ", was killed, and its container with it)"
                    : ", workbench pid " + s.ownerPid() + " is gone)");
            if (dryRun) {
                out().println("Would remove " + what);
                continue;
            }
            List<String> problems = containers.removeAbandoned(s, new Syscalls(printer()));
            out().println((problems.isEmpty() ? "Removed " : "Partly removed ") + what);
            problems.forEach(p -> Commands.printError(workbench, p));
        }
        n += cleanNameReservations(containers);
        if (Syscalls.available() && WorkbenchHome.isRoot()) {
            n += cleanNetwork();
        }
        if (!Syscalls.available() || !WorkbenchHome.isRoot() || containers.cgroups().host().mode() == CgroupMode.NONE) {
            return n;
        }
        CgroupJanitor janitor = new CgroupJanitor(containers.cgroups().host(), CgroupOwners.in(workbench.home()));
        for (CgroupJanitor.Leftover l : janitor.find()) {
            if (!l.ours()) {
                out().println("Left alone: cgroup " + l.name() + " (" + l.reason() + ")");
                continue;
            }
            n++;
            out().println((dryRun ? "Would remove" : "Removed") + " cgroup " + l.name() + " (" + l.reason() + ")");
            if (!dryRun) {
                janitor.remove(l, containers.cgroups().trace());
            }
        }
        return n;
    }

    /**
     * Leases on the host's bridge whose process is gone (a killed workbench or shim, of any home: the host's
     * bridge is shared): their DNAT rules and veth go, then the bridge and table ip cwb if no lease is left.
     */
    private int cleanNetwork() {
        List<dev.cwb.network.Lease> stale = dev.cwb.network.Bridge.stale();
        for (dev.cwb.network.Lease l : stale) {
            out().println((dryRun ? "Would remove" : "Removed") + " the network of container " + l.container() + " ("
                    + (l.address() == 0 ? "no address" : l.addressText()) + (l.veth().isEmpty() ? "" : ", veth " + l.veth())
                    + (l.ports().isEmpty() ? "" : ", " + l.ports().size() + " published port(s) and their DNAT rules")
                    + "; its process " + l.ownerPid() + " is gone)");
        }
        if (!dryRun && !stale.isEmpty()) {
            new dev.cwb.network.Bridge(new Syscalls(printer()), line -> out().println("  # " + line)).cleanupStale();
        }
        return stale.size();
    }

    /**
     * Container names reserved by a workbench or shim that is gone (killed between choosing a name and removing
     * its container): no one would choose them again until the reservation goes, here or at the next choice.
     */
    private int cleanNameReservations(Containers containers) {
        List<dev.cwb.container.NameReservations.Holder> stale;
        try {
            stale = dryRun ? containers.names().stale() : containers.names().removeStale();
        } catch (dev.cwb.CwbException e) {
            return 0; // nothing was ever reserved where nothing can be written
        }
        for (dev.cwb.container.NameReservations.Holder h : stale) {
            out().println((dryRun ? "Would remove" : "Removed") + " the reservation of the container name " + h.name()
                    + " in " + containers.names().dir() + " (its process " + h.pid() + " is gone)");
        }
        return stale.size();
    }

    private SyscallListener printer() {
        return r -> out().println("  " + r.straceLine());
    }
}
