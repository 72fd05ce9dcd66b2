package dev.cwb.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code top NAME}: a running container's processes as the host sees them, in {@code ps -ef}'s columns — which
 * is what {@code docker top} shows (dockerd runs {@code ps -ef} on the host and keeps the rows whose pid is in
 * the container's cgroup). The pids are the host's, not the container's own (its PID 1 has a larger one here),
 * the users the host's names for the host uids (after a user namespace's mapping). Everything is read from
 * /proc (proc(5): {@code stat}, {@code status}, {@code cmdline}).
 */
public final class ContainerTop {
    /** One process: ps -ef's UID, PID, PPID, C, STIME, TTY, TIME and CMD. */
    public record Row(String user, int pid, int ppid, int cpuPercent, String started, String tty, String time, String command) {
    }

    private ContainerTop() {
    }

    /**
     * The processes of the running container {@code e}: those in its cgroup ({@code cgroup.procs}), or without
     * one its PID 1 and PID 1's descendants. Sorted by pid, as ps sorts them.
     */
    public static List<Row> of(DetachedContainers.Entry e, Containers containers) {
        int pid1 = DetachedContainers.runningPid1(e, "top");
        TreeSet<Integer> pids = new TreeSet<>();
        String cg = e.state() == null ? null : e.state().cgroup();
        if (cg != null) {
            try {
                containers.cgroups().open(cg).processes().forEach(p -> pids.add(p.intValue()));
            } catch (RuntimeException ex) {
                // gone meanwhile: PID 1's tree below
            }
        }
        if (pids.isEmpty()) {
            pids.add(pid1);
            pids.addAll(HostPids.descendants(pid1));
        }
        Map<Integer, String> users = users();
        List<Row> rows = new ArrayList<>();
        for (int pid : pids) {
            Row r = row(pid, users);
            if (r != null) {
                rows.add(r);
            }
        }
        return rows;
    }

    private static Row row(int pid, Map<Integer, String> users) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            String stat = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3, state
            int ppid = Integer.parseInt(f[1]);
            int ttyNr = Integer.parseInt(f[4]);
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, fields 14 and 15
            int uid = -1;
            for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    uid = Integer.parseInt(line.substring(4).trim().split("\\s+")[1]); // the effective uid, as ps's UID
                }
            }
            long cpuMillis = ticks * 1000 / CLOCK_TICKS;
            Instant start = ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).orElse(Instant.now());
            long lived = Math.max(1, System.currentTimeMillis() - start.toEpochMilli());
            String cmd = HostPids.commandLine(pid);
            return new Row(users.getOrDefault(uid, Integer.toString(uid)), pid, ppid, (int) (cpuMillis * 100 / lived),
                    started(start), tty(ttyNr), time(cpuMillis), cmd.isEmpty() ? "[" + comm + "]" : cmd);
        } catch (IOException | RuntimeException ex) {
            return null; // ended while being read
        }
    }

    /** USER_HZ: what /proc's times count in; 100 on every Linux architecture the workbench runs on (sysconf(_SC_CLK_TCK)). */
    private static final long CLOCK_TICKS = 100;

    /** ps's STIME: the time of day for a process started today, else month and day. */
    static String started(Instant start) {
        ZonedDateTime t = start.atZone(ZoneId.systemDefault());
        return t.toLocalDate().equals(LocalDate.now()) ? t.format(DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT))
                : t.format(DateTimeFormatter.ofPattern("MMMdd", Locale.ROOT));
    }

    /** ps's TTY: {@code ?} without a controlling terminal, else {@code pts/N} or {@code ttyN} from tty_nr. */
    static String tty(int ttyNr) {
        if (ttyNr == 0) {
            return "?";
        }
        int major = (ttyNr >> 8) & 0xfff;
        int minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
        return major == 136 ? "pts/" + minor : major == 4 ? "tty" + minor : major + ":" + minor;
    }

    /** ps's TIME: CPU time used, {@code HH:MM:SS}. */
    static String time(long cpuMillis) {
        long s = cpuMillis / 1000;
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** The host's user names by uid (/etc/passwd), as ps shows them. */
    private static Map<Integer, String> users() {
        Map<Integer, String> m = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
                String[] f = line.split(":");
                if (f.length > 2) {
                    m.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // numbers then
        }
        return m;
    }
}
