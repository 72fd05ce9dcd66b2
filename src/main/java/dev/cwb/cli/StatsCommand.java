package dev.cwb.cli;

import dev.cwb.cgroup.Cgroup;
import dev.cwb.cgroup.CgroupStats;
import dev.cwb.container.DetachedContainers;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * {@code stats [--no-stream] [CONTAINER...]}: {@code docker stats}'s columns for running detached containers,
 * read from each one's cgroup ({@link CgroupStats}: v1 or v2 alike) and, for NET I/O, from
 * {@code /proc/PID/net/dev} of its PID 1 — the counters of the interfaces in the container's network
 * namespace (proc(5)), {@code lo} left out as Docker leaves it out. CPU % is the CPU time the group used
 * between two samples one second apart, over that second.
 */
@Command(name = "stats", description = {"Show CPU %%, memory usage / limit, network and block I/O and PIDS of running detached containers,"
        + " read from their cgroups (docker stats).",
        "One sample, taken over one second, then it returns: the workbench does not redraw a live table, so --no-stream is"
                + " what it always does (accepted, as docker's). Run it again for a new sample."},
        footer = {"", "CPU %% is the group's CPU time over one second (100%% = one busy CPU): cpuacct.usage (v1) or cpu.stat usage_usec (v2).",
                "MEM USAGE is the charge less the page cache the kernel can drop (memory.stat inactive_file), as Docker's; LIMIT is the",
                "group's memory limit, or the host's memory when it has none. -- is a value no controller of the group keeps (BLOCK I/O",
                "needs the io controller, v1's blkio, to hold the group; the workbench does not put it in v1's blkio hierarchy).",
                "Example: stats    stats web    stats --no-stream web db"})
public final class StatsCommand extends SessionCommand {
    @Parameters(arity = "0..*", paramLabel = "CONTAINER", description = "Running detached containers (default: every running one).")
    List<String> names = new ArrayList<>();

    @Option(names = "--no-stream", description = "One sample, then return (what stats always does here).")
    boolean noStream;

    @Option(names = {"-a", "--all"}, description = "Accepted, as docker's: exited containers have no cgroup left to read, so they are not shown.")
    boolean all;

    @Override
    protected int run() throws Exception {
        DetachedContainers detached = new DetachedContainers(containers());
        List<DetachedContainers.Entry> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            detached.all().stream().filter(e -> e.status() == DetachedContainers.Status.RUNNING && e.livePid1() != 0).forEach(chosen::add);
            if (chosen.isEmpty()) {
                notes().println("No running detached containers (run -d IMAGE starts one; ps -a lists the others).");
                return 0;
            }
        } else {
            for (String n : names) {
                DetachedContainers.Entry e = detached.get(n);
                DetachedContainers.runningPid1(e, "stats");
                chosen.add(e);
            }
        }
        Map<String, Cgroup> groups = new LinkedHashMap<>();
        Map<String, CgroupStats> first = new LinkedHashMap<>();
        for (DetachedContainers.Entry e : chosen) {
            String cg = e.state() == null ? null : e.state().cgroup();
            if (cg != null) {
                Cgroup g = containers().cgroups().open(cg);
                groups.put(e.name(), g);
                first.put(e.name(), CgroupStats.of(g));
            }
        }
        Thread.sleep(1000);
        Table t = new Table("NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS").alignRight(1, 3, 6);
        boolean noGroup = false;
        for (DetachedContainers.Entry e : chosen) {
            Cgroup g = groups.get(e.name());
            String net = netIo(e.livePid1());
            if (g == null) {
                noGroup = true;
                t.row(e.name(), "--", "-- / --", "--", net, "--", "--");
                continue;
            }
            CgroupStats now = CgroupStats.of(g);
            OptionalDouble cpu = now.cpuPercent(first.get(e.name()));
            String mem = now.memoryUsage().isPresent() ? binary(now.memoryUsage().getAsLong()) : "--";
            String memPct = now.memoryUsage().isPresent() ? percent(100.0 * now.memoryUsage().getAsLong() / now.memoryLimit()) : "--";
            String block = now.blockRead().isPresent() ? decimal(now.blockRead().getAsLong()) + " / " + decimal(now.blockWrite().getAsLong()) : "--";
            t.row(e.name(), cpu.isPresent() ? percent(cpu.getAsDouble()) : "--", mem + " / " + binary(now.memoryLimit()), memPct, net, block,
                    now.pids().isPresent() ? Long.toString(now.pids().getAsLong()) : "--");
        }
        out().println(t.render(workbench.unicode(), 0, workbench.terminalWidth()));
        if (noGroup) {
            notes().println("-- : that container has no cgroup (--rootless without --memory, --pids or --cpus), so nothing counts its use.");
        }
        return 0;
    }

    /** Received / sent bytes of the interfaces in PID 1's network namespace, {@code lo} left out. */
    static String netIo(int pid1) {
        long rx = 0;
        long tx = 0;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid1), "net", "dev"));
            for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) { // two header lines
                int colon = line.indexOf(':');
                if (colon < 0 || line.substring(0, colon).strip().equals("lo")) {
                    continue;
                }
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                rx += Long.parseLong(f[0]);
                tx += Long.parseLong(f[8]);
            }
        } catch (IOException | RuntimeException e) {
            return "--";
        }
        return decimal(rx) + " / " + decimal(tx);
    }

    /** {@code 0.00%}, as Docker prints a percentage. */
    static String percent(double p) {
        return String.format(Locale.ROOT, "%.2f%%", p);
    }

    /** Docker's memory sizes (go-units BytesSize): four significant digits, powers of 1024, {@code 1.5MiB}. */
    static String binary(long bytes) {
        return size(bytes, 1024, new String[] {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}, 4);
    }

    /** Docker's I/O sizes (go-units HumanSizeWithPrecision 3): powers of 1000, {@code 1.2kB}. */
    static String decimal(long bytes) {
        return size(bytes, 1000, new String[] {"B", "kB", "MB", "GB", "TB", "PB", "EB"}, 3);
    }

    private static String size(long bytes, double base, String[] units, int digits) {
        double v = bytes;
        int i = 0;
        while (v >= base && i < units.length - 1) {
            v /= base;
            i++;
        }
        return new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros().toPlainString() + units[i];
    }
}
