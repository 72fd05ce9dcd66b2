package dev.cwb.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Translating between the pids a container's processes have inside their PID namespace and the pids the
 * host (this JVM) gives the same processes. /proc/PID/status lists them all on its {@code NSpid:} line,
 * outermost first (proc(5)); /proc/PID/task/TID/children lists a task's children with host pids.
 */
public final class HostPids {
    private HostPids() {
    }

    /**
     * The host pid of the child of {@code parentHostPid} that the parent's own PID namespace numbers
     * {@code nsPid} (what clone(2) returned to the parent; the child may sit one namespace deeper still).
     */
    static OptionalInt childOf(int parentHostPid, int nsPid) {
        for (int child : children(parentHostPid)) {
            OptionalInt n = numberIn(child, parentHostPid);
            if (n.isPresent() && n.getAsInt() == nsPid) {
                return OptionalInt.of(child);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The pid {@code parentHostPid}'s own PID namespace gives process {@code hostPid} (its number at the
     * parent's level of the NSpid line); empty when either is gone or the process is not that deep.
     */
    static OptionalInt numberIn(int hostPid, int parentHostPid) {
        List<Integer> ids = nsPids(hostPid);
        int level = nsPids(parentHostPid).size() - 1;
        return level >= 0 && level < ids.size() ? OptionalInt.of(ids.get(level)) : OptionalInt.empty();
    }

    /** The pid a process has in its innermost PID namespace (its host pid when it has no other). */
    static int innermost(int hostPid) {
        List<Integer> ids = nsPids(hostPid);
        return ids.isEmpty() ? hostPid : ids.get(ids.size() - 1);
    }

    /** The host pids of a process's children (every thread's list). */
    public static List<Integer> children(int pid) {
        List<Integer> result = new ArrayList<>();
        Path tasks = Path.of("/proc", Integer.toString(pid), "task");
        try (var s = Files.list(tasks)) {
            for (Path task : s.toList()) {
                try {
                    for (String word : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!word.isEmpty()) {
                            result.add(Integer.parseInt(word));
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // the task ended meanwhile
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return result;
    }

    /** Every descendant of {@code pid}, children before grandchildren. */
    public static List<Integer> descendants(int pid) {
        List<Integer> all = new ArrayList<>();
        List<Integer> next = children(pid);
        while (!next.isEmpty()) {
            all.addAll(next);
            List<Integer> deeper = new ArrayList<>();
            next.forEach(c -> deeper.addAll(children(c)));
            next = deeper;
        }
        return all;
    }

    /** The {@code NSpid:} line: this process's pid in each PID namespace it is in, outermost first. */
    public static List<Integer> nsPids(int hostPid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(hostPid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    List<Integer> ids = new ArrayList<>();
                    for (String w : line.substring(6).trim().split("\\s+")) {
                        ids.add(Integer.parseInt(w));
                    }
                    return ids;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return List.of();
    }

    /** The command line of a process, arguments joined by spaces ("" when gone or a kernel thread). */
    public static String commandLine(int hostPid) {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc", Integer.toString(hostPid), "cmdline"));
            return new String(b, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** A process's start time in ms since the epoch (0 when gone): with the pid, it names one process. */
    static long startMillis(int pid) {
        if (pid <= 0) {
            return 0;
        }
        return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).map(java.time.Instant::toEpochMilli).orElse(0L);
    }

    /** True while the process exists (a zombie included). */
    public static boolean exists(int hostPid) {
        return Files.exists(Path.of("/proc", Integer.toString(hostPid)));
    }
}
