package dev.cwb.cgroup;

import dev.cwb.CwbException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turning what a learner types into limit values: sizes ({@code 64M}, {@code 1G}, {@code 512k},
 * {@code max}), process counts ({@code 20}, {@code max}) and CPUs ({@code 0.5}, {@code 2}, {@code max}).
 *
 * <p>Size suffixes are powers of 1024, as the kernel's own {@code memparse()} reads them (so {@code 64M}
 * means what {@code echo 64M > memory.max} would). {@link #UNLIMITED} stands for {@code max}.
 */
public final class CgroupLimits {
    /** No limit: written as {@code max} in v2 and {@code -1} in v1. */
    public static final long UNLIMITED = -1;

    /** CFS bandwidth period the workbench uses, in microseconds (the kernel's default, 100 ms). */
    public static final long CPU_PERIOD_US = 100_000;
    /** The smallest quota the kernel accepts is 1 ms (kernel/sched/core.c, min_cfs_quota_period). */
    static final long MIN_CPU_QUOTA_US = 1_000;
    static final double MAX_CPUS = 4096;

    private static final Pattern SIZE = Pattern.compile("(\\d+)(?:\\.(\\d+))?\\s*([kmgt]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

    private CgroupLimits() {
    }

    /** Bytes from {@code 64M}, {@code 1.5G}, {@code 512k}, {@code 1048576} or {@code max}. */
    public static long parseMemory(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equalsIgnoreCase("max")) {
            return UNLIMITED;
        }
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw CwbException.badInput("not a memory size: '" + s + "'",
                    "write a number of bytes with an optional K, M, G or T suffix (64M, 1G, 512k), or max");
        }
        int shift = switch (m.group(3).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        java.math.BigDecimal value = new java.math.BigDecimal(m.group(1) + (m.group(2) == null ? "" : "." + m.group(2)))
                .multiply(java.math.BigDecimal.valueOf(2).pow(shift));
        if (value.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw CwbException.badInput("memory size too large: '" + s + "'", "use max for no limit");
        }
        long bytes = value.longValue();
        if (bytes <= 0) {
            throw CwbException.badInput("memory size must be more than zero: '" + s + "'", "for example 64M");
        }
        return bytes;
    }

    /** A maximum number of processes (and threads), or {@code max}. */
    public static long parsePids(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equalsIgnoreCase("max")) {
            return UNLIMITED;
        }
        try {
            long n = Long.parseLong(s);
            if (n >= 1 && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the one message
        }
        throw CwbException.badInput("not a process count: '" + s + "'",
                "write a whole number of at least 1 (every thread counts as one), or max");
    }

    /** CPUs as a decimal ({@code 0.5} is half of one CPU's time), or {@link #UNLIMITED} for {@code max}. */
    public static double parseCpus(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equalsIgnoreCase("max")) {
            return UNLIMITED;
        }
        if (s.matches("\\d+(\\.\\d+)?|\\.\\d+")) {
            double cpus = Double.parseDouble(s);
            if (cpus * CPU_PERIOD_US >= MIN_CPU_QUOTA_US && cpus <= MAX_CPUS) {
                return cpus;
            }
            throw CwbException.badInput("cpu limit out of range: '" + s + "'",
                    "between 0.01 (1 ms of every 100 ms) and " + (int) MAX_CPUS + " CPUs, or max");
        }
        throw CwbException.badInput("not a number of CPUs: '" + s + "'", "for example 0.5 (half a CPU), 2, or max");
    }

    /** The CFS quota for {@code cpus}, in microseconds per {@link #CPU_PERIOD_US}. */
    static long cpuQuotaMicros(double cpus) {
        return Math.max(MIN_CPU_QUOTA_US, Math.round(cpus * CPU_PERIOD_US));
    }

    static void checkMemory(long bytes) {
        if (bytes != UNLIMITED && bytes <= 0) {
            throw CwbException.badInput("memory limit must be more than zero bytes, not " + bytes, "for example 64M");
        }
    }

    static void checkPids(long n) {
        if (n != UNLIMITED && n < 1) {
            throw CwbException.badInput("pids limit must be at least 1, not " + n, "for example 20");
        }
    }

    static void checkCpus(double cpus) {
        if (cpus != UNLIMITED && !(cpus * CPU_PERIOD_US >= MIN_CPU_QUOTA_US && cpus <= MAX_CPUS)) {
            throw CwbException.badInput("cpu limit out of range: " + cpus, "between 0.01 and " + (int) MAX_CPUS + " CPUs");
        }
    }
}
