package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.DetachedContainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code stop [-t SECONDS] CONTAINER...}: the image's StopSignal to PID 1, SIGKILL after the grace period. */
@Command(name = "stop", description = "Stop detached containers: the image's StopSignal (SIGTERM) to PID 1, then SIGKILL after -t seconds.",
        footer = {"", "PID 1 of a PID namespace gets no signal it has no handler for: a sleep or a shell script as PID 1",
                "ignores SIGTERM, and only SIGKILL (after the grace period) ends it. stop says which it took.",
                "With run --init, PID 1 is cwb-pid1, which passes SIGTERM on to the command: it ends at once.",
                "The container's upper directory and log stay: start NAME runs it again, rm NAME removes it.",
                "Example: stop web    stop -t 2 web"})
public final class StopCommand extends SessionCommand {
    @Parameters(arity = "1..*", paramLabel = "CONTAINER", description = "Detached containers (run -d).")
    List<String> names = new ArrayList<>();

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Grace period before SIGKILL (default: 10).")
    int seconds = 10;

    @Override
    protected int run() throws Exception {
        if (seconds < 0) {
            throw CwbException.badInput("-t " + seconds + ": the grace period is a number of seconds, 0 or more", "stop -t 10 NAME");
        }
        DetachedContainers detached = new DetachedContainers(containers());
        for (String n : names) {
            DetachedContainers.Entry e = detached.get(n);
            stop(detached, e, seconds, notes());
            out().println(e.name());
        }
        return 0;
    }

    /** Stops one running container, its signals and calls shown on {@code notes}, then which signal ended it. */
    static DetachedContainers.Stopped stop(DetachedContainers detached, DetachedContainers.Entry e, int seconds,
                                           java.io.PrintWriter notes) throws InterruptedException {
        DetachedContainers.Stopped s = detached.stop(e, seconds, line -> {
            notes.println("  " + line);
            notes.flush();
        });
        notes.printf(Locale.ROOT, "Stopped %s in %.1f s: %s%n", e.name(), s.millis() / 1000.0,
                s.killed() ? s.signal() + " did not end it, SIGKILL did (" + s.why() + ")" : s.signal() + " ended it");
        notes.flush();
        return s;
    }
}
