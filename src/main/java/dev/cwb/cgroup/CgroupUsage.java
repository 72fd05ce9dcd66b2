package dev.cwb.cgroup;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a cgroup's accounting files say right now. A value is empty when the controller that keeps it is
 * not attached (a v2 group on a hybrid host has no memory controller) or the kernel is too old for the file
 * ({@code memory.peak} arrived in Linux 5.19).
 *
 * @param memoryBytes  memory charged now ({@code memory.current}, v1 {@code memory.usage_in_bytes})
 * @param memoryPeak   the most ever charged ({@code memory.peak}, v1 {@code memory.max_usage_in_bytes})
 * @param pids         processes and threads inside ({@code pids.current})
 * @param cpu          CPU time used by everything inside ({@code cpu.stat usage_usec}, v1 {@code cpuacct.usage})
 * @param oomKills     processes the OOM killer killed because of this group's limit, or why that is unknown
 */
public record CgroupUsage(OptionalLong memoryBytes, OptionalLong memoryPeak, OptionalLong pids, Optional<Duration> cpu,
        OomKills oomKills) {
}
