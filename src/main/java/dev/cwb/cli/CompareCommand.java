package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.WorkbenchHome;
import dev.cwb.container.Container;
import dev.cwb.container.ContainerRun;
import dev.cwb.container.ProcessSpec;
import dev.cwb.container.Stdio;
import dev.cwb.image.Image;
import dev.cwb.layer.LayerCache;
import dev.cwb.view.SideBySide;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code compare CMD...}: the same command on the host and in a new container, side by side, the
 * differences marked — the shortest answer to "what is a container": the same kernel, the same program,
 * other namespaces, another root, another cgroup. The container is a {@code run} with runc's defaults and
 * is removed at once.
 */
@Command(name = "compare", description = "Run a command on the host and in a new container, and show the two outputs side by side, differences marked.",
        footer = {"", "Try: compare hostname   compare id   compare ls /   compare cat /proc/self/cgroup   compare ps   compare mount   compare ip addr",
                "The host side runs as the workbench's own user, in this machine's namespaces; the container is run IMAGE CMD (removed after).",
                "Marks: = the same line, ≠ different, < only on the host, > only in the container."})
public final class CompareCommand extends ContainerCommand implements TakesACommand {
    /** Longest a side may take; a command that needs more is stopped and said so. */
    static final long SECONDS = 20;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (as the container's image has it, e.g. busybox's).")
    List<String> command = new ArrayList<>();

    @Option(names = "--image", paramLabel = "IMAGE", description = "The container's image (default: busybox).")
    String image = "busybox";

    @Override
    protected int run() throws Exception {
        Image img = workbench.images().image(image);
        Side host = onHost();
        Side inside = inContainer(img);
        List<SideBySide.Row> rows = SideBySide.rows(host.lines(), inside.lines());
        int width = workbench.terminalWidth() > 0 ? Math.min(workbench.terminalWidth(), 160) : 100;
        String who = "host (uid " + WorkbenchHome.effectiveUid() + ")";
        SideBySide.draw(rows, who + host.ending(), "container from " + img.reference().familiar() + inside.ending(), width,
                workbench.unicode(), workbench.color()).forEach(out()::println);
        long differ = rows.stream().filter(r -> !r.same()).count();
        out().println(differ == 0 ? "No difference: this command sees the same on both sides."
                : differ + " of " + rows.size() + " lines differ. The kernel is the same; what differs is what the container's namespaces, root and cgroup show it.");
        return 0;
    }

    record Side(List<String> lines, String ending) {
    }

    private Side onHost() throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return new Side(List.of(), ": cannot run '" + dev.cwb.view.Printable.of(command.get(0)) + "' on the host (not installed?)");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(bytes);
            } catch (IOException ignored) {
                // the process ended or was stopped: what it wrote so far is shown
            }
        });
        reader.start();
        boolean ended = p.waitFor(SECONDS, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        reader.join(2000);
        String text = bytes.toString(StandardCharsets.UTF_8);
        return new Side(text.lines().toList(), ended ? (p.exitValue() == 0 ? "" : ", exit " + p.exitValue()) : ", stopped after " + SECONDS + " s");
    }

    private Side inContainer(Image img) throws Exception {
        LayerCache cache = new LayerCache(workbench.images(), workbench.home().layers(), WorkbenchHome.isRoot());
        List<LayerCache.Unpacked> layers = cache.unpack(img, (u, n) -> { });
        ProcessSpec process = ProcessSpec.of(img.config().runConfig(), command);
        ContainerRun.Options o = ContainerRun.options(null, null, null, null, null, workbench.rootless(),
                ContainerRun.Security.defaults());
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream(); // stdout and stderr as one, as on the host side
        Container.Tracer tracer = containers().newTracer();
        ContainerRun.Result r;
        try (Stdio stdio = Stdio.pipes(output, output)) {
            r = ContainerRun.run(containers(), img, layers, o, process, stdio, tracer);
        } catch (dev.cwb.kernel.SyscallException e) {
            throw new CwbException(CwbException.IO, "compare: the container could not run: " + e.getMessage(),
                    WorkbenchHome.isRoot() ? "run it with --trace to see every call: run --trace " + image + " " + String.join(" ", command)
                            : "containers need root: run sudo ./cwb, or ./cwb --rootless");
        }
        int code = r.status().shellStatus();
        String text;
        synchronized (output) {
            text = output.toString(StandardCharsets.UTF_8);
        }
        return new Side(text.lines().toList(), code == 0 ? "" : ", exit " + code);
    }
}
