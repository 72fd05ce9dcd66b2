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
 * between two samples one second apart, over that second. At a terminal it streams as docker's does: each
 * second a new table over the last one (the cursor moved back to the table's first line, CPL, and the rest
 * of the screen cleared, ED — docker clears the whole screen instead), until Ctrl-C interrupts the
 * command's thread.
 */
@Command(name = "stats", description = {"Show CPU %%, memory usage / limit, network and block I/O and PIDS of running detached containers,"
        + " read from their cgroups (docker stats).",
        "At a terminal the table is redrawn in place every second until Ctrl-C (which ends stats, not the shell); a container that"
                + " ends leaves the table, one that starts joins it (without names). With --no-stream, or when standard output is a file"
                + " or a pipe, it prints one sample, taken over one second, and returns."},
        footer = {"", "CPU %% is the group's CPU time between two samples one second apart, over that second (100%% = one busy CPU):",
                "cpuacct.usage (v1) or cpu.stat usage_usec (v2). MEM USAGE is the charge less the page cache the kernel can drop",
                "(memory.stat inactive_file), as Docker's; LIMIT is the group's memory limit, or the host's memory when it has none.",
                "-- is a value no controller of the group keeps (BLOCK I/O needs the io controller, v1's blkio, to hold the group;",
                "the workbench does not put it in v1's blkio hierarchy).",
                "Into a pipe docker stats streams too, a clear-screen escape before each table; here a pipe gets one clean sample",
                "(stats | grep web), as --no-stream gives.",
                "Example: stats    stats web    stats --no-stream web db"})
public final class StatsCommand extends SessionCommand {
    @Parameters(arity = "0..*", paramLabel = "CONTAINER", description = "Running detached containers (default: every running one).")
    List<String> names = new ArrayList<>();

    @Option(names = "--no-stream", description = "One sample, then return (what a pipe or a file always gets).")
    boolean noStream;

    @Option(names = {"-a", "--all"}, description = "Accepted, as docker's: exited containers have no cgroup left to read, so they are not shown.")
    boolean all;

    /** Clears from the cursor to the end of the screen (ECMA-48 ED 0). */
    private static final String CLEAR_BELOW = "\u001b[J";

    @Override
    protected int run() throws Exception {
        List<DetachedContainers.Entry> chosen = chosen(true);
        if (chosen.isEmpty()) {
            notes().println("No running detached containers (run -d IMAGE starts one; ps -a lists the others).");
            return 0;
        }
        Map<String, Sample> before = sample(chosen);
        boolean stream = !noStream && workbench.terminalStdio();
        int shown = 0; // lines of the last table, to go back over
        try {
            while (true) {
                Thread.sleep(1000);
                Map<String, Sample> now = sample(chosen);
                String table = render(chosen, before, now);
                if (shown > 0) {
                    out().print("\u001b[" + shown + "F" + CLEAR_BELOW); // CPL: to the first line of the last table
                }
                out().println(table);
                out().flush();
                if (!stream) {
                    break;
                }
                shown = (int) table.lines().count();
                before = now;
                List<DetachedContainers.Entry> still = chosen(false);
                if (still.isEmpty()) {
                    notes().println("No running detached containers left: stats ends.");
                    return 0;
                }
                if (!names(still).equals(names(chosen))) {
                    chosen = still; // one ended, or (without names) one started: its row from the next sample on
                    before = sample(chosen);
                }
            }
        } catch (InterruptedException ctrlC) {
            if (!stream) {
                throw ctrlC;
            }
            return Commands.CANCELLED; // Ctrl-C is how a streaming stats ends, as docker's: no error line
        }
        if (chosen.stream().anyMatch(e -> cgroupOf(e) == null)) {
            notes().println("-- : that container has no cgroup (--rootless without --memory, --pids or --cpus), so nothing counts its use.");
        }
        return 0;
    }

    /** One reading of a container: its cgroup's counters (null without a cgroup) and its network's. */
    private record Sample(CgroupStats cgroup, String net) {
    }

    private static List<String> names(List<DetachedContainers.Entry> entries) {
        return entries.stream().map(DetachedContainers.Entry::name).toList();
    }

    /**
     * The containers to show: those named (each must be running when {@code first}; later a named one that
     * ended is left out), or every running detached one.
     */
    private List<DetachedContainers.Entry> chosen(boolean first) {
        DetachedContainers detached = new DetachedContainers(containers());
        List<DetachedContainers.Entry> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            detached.all().stream().filter(e -> e.status() == DetachedContainers.Status.RUNNING && e.livePid1() != 0).forEach(chosen::add);
            return chosen;
        }
        for (String n : names) {
            DetachedContainers.Entry e = first ? detached.get(n) : detached.find(n);
            if (first) {
                DetachedContainers.runningPid1(e, "stats");
            }
            if (e != null && e.status() == DetachedContainers.Status.RUNNING && e.livePid1() != 0) {
                chosen.add(e);
            }
        }
        return chosen;
    }

    private static String cgroupOf(DetachedContainers.Entry e) {
        return e.state() == null ? null : e.state().cgroup();
    }

    private Map<String, Sample> sample(List<DetachedContainers.Entry> entries) {
        Map<String, Sample> out = new LinkedHashMap<>();
        for (DetachedContainers.Entry e : entries) {
            String cg = cgroupOf(e);
            CgroupStats stats = null;
            if (cg != null) {
                Cgroup g = containers().cgroups().open(cg);
                stats = CgroupStats.of(g);
            }
            out.put(e.name(), new Sample(stats, netIo(e.livePid1())));
        }
        return out;
    }

    /** The table of {@code now}, CPU % from the CPU time used since {@code before}. */
    private String render(List<DetachedContainers.Entry> entries, Map<String, Sample> before, Map<String, Sample> now) {
        Table t = new Table("NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS").alignRight(1, 3, 6);
        for (DetachedContainers.Entry e : entries) {
            Sample s = now.get(e.name());
            Sample b = before.get(e.name());
            if (s.cgroup() == null) {
                t.row(e.name(), "--", "-- / --", "--", s.net(), "--", "--");
                continue;
            }
            CgroupStats c = s.cgroup();
            OptionalDouble cpu = b == null || b.cgroup() == null ? OptionalDouble.empty() : c.cpuPercent(b.cgroup());
            String mem = c.memoryUsage().isPresent() ? binary(c.memoryUsage().getAsLong()) : "--";
            String memPct = c.memoryUsage().isPresent() ? percent(100.0 * c.memoryUsage().getAsLong() / c.memoryLimit()) : "--";
            String block = c.blockRead().isPresent() ? decimal(c.blockRead().getAsLong()) + " / " + decimal(c.blockWrite().getAsLong()) : "--";
            t.row(e.name(), cpu.isPresent() ? percent(cpu.getAsDouble()) : "--", mem + " / " + binary(c.memoryLimit()), memPct, s.net(), block,
                    c.pids().isPresent() ? Long.toString(c.pids().getAsLong()) : "--");
        }
        return t.render(workbench.unicode(), 0, workbench.terminalWidth());
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
