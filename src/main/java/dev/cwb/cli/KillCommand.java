package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.DetachedContainers;
import dev.cwb.kernel.StraceText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code kill [-s SIGNAL] CONTAINER...}: one signal to each container's PID 1. */
@Command(name = "kill", description = "Send a signal to the PID 1 of running detached containers (default: SIGKILL).",
        footer = {"", "The kill(2) is made by this workbench, on the host's pid of PID 1. PID 1 ignores every signal it has no",
                "handler for, except SIGKILL and SIGSTOP.",
                "Example: kill web    kill -s HUP web    kill -s USR1 web"})
public final class KillCommand extends SessionCommand {
    @Parameters(arity = "1..*", paramLabel = "CONTAINER", description = "Running detached containers.")
    List<String> names = new ArrayList<>();

    @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "A name (TERM, SIGHUP) or number (default: KILL).")
    String signal = "KILL";

    @Override
    protected int run() {
        int sig = StraceText.signalNumber(signal);
        if (sig <= 0) {
            throw CwbException.badInput("-s " + signal + ": not a signal", "a name such as TERM, HUP, USR1, KILL or a number 1..64");
        }
        DetachedContainers detached = new DetachedContainers(containers());
        for (String n : names) {
            DetachedContainers.Entry e = detached.get(n);
            detached.kill(e, sig, r -> {
                if (!r.straceLine().startsWith("gettid(")) { // this thread's own tid, asked once for the trace
                    notes().println("  " + r.straceLine());
                    notes().flush();
                }
            });
            out().println(e.name());
        }
        return 0;
    }
}
