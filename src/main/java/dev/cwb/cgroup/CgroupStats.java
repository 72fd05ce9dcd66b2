package dev.cwb.cgroup;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What {@code docker stats} shows of a container, read from its cgroup the way Docker's CLI computes it
 * (docker/cli {@code cli/command/container/stats_helpers.go}), in either hierarchy:
 * <ul>
 *   <li>memory usage is the charge minus the page cache the kernel could drop at once — {@code memory.current}
 *       less {@code inactive_file} of {@code memory.stat} in v2, {@code memory.usage_in_bytes} less
 *       {@code total_inactive_file} in v1 (cgroup-v2.rst, "memory.stat"; cgroup-v1/memory.rst, section 5.2);</li>
 *   <li>the limit is {@code memory.max} (v2) or {@code memory.limit_in_bytes} (v1); where the group has none
 *       ({@code max}, or v1's page-rounded LONG_MAX) it is the host's memory, as Docker shows it;</li>
 *   <li>block I/O sums {@code rbytes}/{@code wbytes} of v2's {@code io.stat}, or the Read/Write lines of v1's
 *       {@code blkio.throttle.io_service_bytes_recursive}.</li>
 * </ul>
 * CPU time and pids come from {@link Cgroup#usage()}; CPU % needs two samples ({@link #cpuPercent}).
 *
 * @param memoryUsage bytes charged less the inactive page cache, or empty without a memory controller
 * @param memoryLimit the group's memory limit, else the host's memory
 * @param pids        processes and threads inside ({@code pids.current})
 * @param cpuNanos    CPU time used by everything inside so far, or empty
 * @param blockRead   bytes read from block devices, or empty
 * @param blockWrite  bytes written to block devices, or empty
 * @param atNanos     when it was read ({@link System#nanoTime()})
 */
public record CgroupStats(OptionalLong memoryUsage, long memoryLimit, OptionalLong pids, OptionalLong cpuNanos,
        OptionalLong blockRead, OptionalLong blockWrite, long atNanos) {

    /** Reads {@code g}'s files now. */
    public static CgroupStats of(Cgroup g) {
        long at = System.nanoTime();
        CgroupUsage u = g.usage();
        boolean v2 = g.version() == CgroupMode.UNIFIED;
        OptionalLong usage = u.memoryBytes();
        if (usage.isPresent()) {
            OptionalLong inactive = g.controlFile("memory", "memory.stat")
                    .map(f -> CgroupFiles.readKey(f, v2 ? "inactive_file" : "total_inactive_file")).orElse(OptionalLong.empty());
            if (inactive.isPresent() && inactive.getAsLong() < usage.getAsLong()) {
                usage = OptionalLong.of(usage.getAsLong() - inactive.getAsLong());
            }
        }
        long host = hostMemory();
        OptionalLong limit = g.controlFile("memory", v2 ? "memory.max" : "memory.limit_in_bytes")
                .map(CgroupFiles::readLong).orElse(OptionalLong.empty());
        long shown = limit.isPresent() && limit.getAsLong() > 0 && limit.getAsLong() < host ? limit.getAsLong() : host;
        long[] io = v2 ? ioStat(g.controlFile("io", "io.stat")) : blkio(g.controlFile("blkio", "blkio.throttle.io_service_bytes_recursive"));
        return new CgroupStats(usage, shown, u.pids(), u.cpu().map(d -> OptionalLong.of(d.toNanos())).orElse(OptionalLong.empty()),
                io == null ? OptionalLong.empty() : OptionalLong.of(io[0]), io == null ? OptionalLong.empty() : OptionalLong.of(io[1]), at);
    }

    /**
     * Docker's CPU %: the group's CPU time over the time between two samples, times 100 — so one busy CPU is
     * 100 %, two are 200 % (Docker divides by the host's CPU time and multiplies by the CPU count, the same thing).
     */
    public OptionalDouble cpuPercent(CgroupStats earlier) {
        if (cpuNanos.isEmpty() || earlier.cpuNanos.isEmpty() || atNanos <= earlier.atNanos) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(100.0 * Math.max(0, cpuNanos.getAsLong() - earlier.cpuNanos.getAsLong()) / (atNanos - earlier.atNanos));
    }

    /** MemTotal of /proc/meminfo in bytes. */
    static long hostMemory() {
        OptionalLong kb = CgroupFiles.read(Path.of("/proc/meminfo")).map(t -> {
            for (String line : t.split("\n")) {
                if (line.startsWith("MemTotal:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
            return OptionalLong.empty();
        }).orElse(OptionalLong.empty());
        return kb.isPresent() ? kb.getAsLong() * 1024 : Long.MAX_VALUE;
    }

    private static long[] ioStat(Optional<Path> file) {
        Optional<String> text = file.flatMap(CgroupFiles::read);
        if (text.isEmpty()) {
            return null;
        }
        long[] rw = new long[2];
        for (String line : text.get().split("\n")) {
            for (String field : line.trim().split("\\s+")) {
                if (field.startsWith("rbytes=")) {
                    rw[0] += Long.parseLong(field.substring(7));
                } else if (field.startsWith("wbytes=")) {
                    rw[1] += Long.parseLong(field.substring(7));
                }
            }
        }
        return rw;
    }

    private static long[] blkio(Optional<Path> file) {
        Optional<String> text = file.flatMap(CgroupFiles::read);
        if (text.isEmpty()) {
            return null;
        }
        long[] rw = new long[2];
        for (String line : text.get().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && (f[1].equals("Read") || f[1].equals("Write"))) {
                rw[f[1].equals("Read") ? 0 : 1] += Long.parseLong(f[2]);
            }
        }
        return rw;
    }
}
