package dev.cwb.cli;

import dev.cwb.container.DetachedContainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code restart [-t SECONDS] CONTAINER...}: stop (when it runs), then start. */
@Command(name = "restart", description = "Stop detached containers (when they run), then start them again, their upper directories kept.",
        footer = {"", "Example: restart web    restart -t 2 web"})
public final class RestartCommand extends SessionCommand {
    @Parameters(arity = "1..*", paramLabel = "CONTAINER", description = "Detached containers.")
    List<String> names = new ArrayList<>();

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Grace period before SIGKILL (default: 10).")
    int seconds = 10;

    @Override
    protected int run() throws Exception {
        DetachedContainers detached = new DetachedContainers(containers());
        for (String n : names) {
            DetachedContainers.Entry e = detached.get(n);
            if (e.status() == DetachedContainers.Status.RUNNING) {
                StopCommand.stop(detached, e, Math.max(0, seconds), notes());
                detached.waitForShimGone(e);
                e = detached.get(n);
            }
            int code = StartCommand.start(workbench, detached, e, notes());
            if (code != 0) {
                return code;
            }
            out().println(n);
            out().flush();
        }
        return 0;
    }
}
