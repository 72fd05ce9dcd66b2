package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.kernel.SyscallLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code trace}: the session's system calls, in strace's format. */
@Command(name = "trace", description = "Show every system call the session's containers made (strace -f format); --save FILE writes them.")
public final class TraceCommand extends SessionCommand {
    @Option(names = "--save", paramLabel = "FILE", description = "Write the trace to FILE instead: every call, the lines 'trace' alone prints.")
    Path save;

    @Option(names = {"-n", "--last"}, paramLabel = "N", description = "Only the last N calls (not with --save, which writes all).")
    int last;

    @Option(names = {"-T", "--times"}, description = "Show how long each call took, in seconds: <0.000003 call> for a call "
            + "on a workbench thread; <0.000054 round trip> for one made by cwb-init, which is the request, the call "
            + "and the answer (strace -T of cwb-init times the call alone).")
    boolean times;

    @Override
    protected int run() {
        SyscallLog log = containers().log();
        if (save != null) {
            try {
                log.save(save);
            } catch (IOException e) {
                throw CwbException.io("writing " + save, e, "pick a writable place");
            }
            out().println("Wrote " + log.records().size() + " calls to " + save + ".");
            return 0;
        }
        List<String> lines = times
                ? log.records().stream().map(r -> "[pid " + r.tid() + "] " + r.straceLine()
                        + String.format(java.util.Locale.ROOT, " <%.6f %s>", r.duration().toNanos() / 1e9,
                                r.timing() == dev.cwb.kernel.SyscallRecord.Timing.ROUND_TRIP ? "round trip" : "call")).toList()
                : log.straceLines();
        if (lines.isEmpty()) {
            out().println("No system calls yet: they are recorded from the first container step on (new, run).");
            return 0;
        }
        int from = last > 0 ? Math.max(0, lines.size() - last) : 0;
        lines.subList(from, lines.size()).forEach(l -> out().println(l));
        return 0;
    }
}
