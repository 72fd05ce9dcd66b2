package dev.cwb.container;

import dev.cwb.cli.CommandHarness;
import dev.cwb.kernel.MountInfo;
import dev.cwb.testing.Requirements;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A workbench over a temporary home with the sample images built, driven the way a learner drives it:
 * one command line at a time, through {@link CommandHarness}, reading what it prints. A container's own
 * output (exec, run) reaches the harness through pipes.
 *
 * <p>Container names carry a random prefix: container names become cgroup names, and cgroups are one
 * per machine, shared with every other workbench (and test run) on it.
 */
final class ContainerBench implements AutoCloseable {
    /** What one command printed and returned. */
    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }

        /**
         * The lines of standard output without the system calls the step commands print as they happen
         * ({@code   [pid 4242] clone(...) = 4243}): what the container's command wrote, and the workbench's
         * own lines.
         */
        List<String> lines() {
            return out.lines().filter(l -> !TRACE_LINE.matcher(l).lookingAt()).toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private static final Pattern TRACE_LINE = Pattern.compile("  \\[pid \\d+\\] ");
    private static final Pattern INIT_PID = Pattern.compile("first process cwb-init \\(pid (\\d+)\\)");

    private final Path home;
    private final CommandHarness cwb;
    private final String prefix;

    private ContainerBench(Path home) {
        this.home = home;
        this.cwb = new CommandHarness(home);
        this.prefix = "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2) + "-";
    }

    /** Root, Linux and busybox-static are required (and fail under CI when missing); builds the samples. */
    static ContainerBench open(Path home) {
        Requirements.requireRoot();
        Requirements.requireCommand("busybox", "busybox-static");
        ContainerBench bench = new ContainerBench(home);
        Result r = bench.run("samples", "build", "--recipes", repo().resolve("sample-images").toString());
        assertEquals(0, r.code(), r.toString());
        return bench;
    }

    static Path repo() {
        String repo = System.getenv("CWB_TEST_REPO");
        return (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath();
    }

    Path home() {
        return home;
    }

    /** The command line of a workbench JVM of its own, on the tests' class path. */
    static List<String> workbenchJvm() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cwb.Main");
    }

    /** The workbench's shell in a pseudo-terminal of its own, over {@code home}, once its prompt is shown. */
    static dev.cwb.testing.Pty shellOnPty(Path home) throws IOException, InterruptedException {
        dev.cwb.testing.Pty pty = dev.cwb.testing.Pty.start(workbenchJvm(), java.util.Map.of("CWB_HOME", home.toString()), null);
        pty.awaitScreen("cwb> ", 1, java.time.Duration.ofSeconds(60));
        return pty;
    }

    /** A workbench process of its own over {@code home} running {@code ARGS...}, its output in the file {@code log} there. */
    static Process inBackground(Path home, String log, String... args) throws IOException {
        List<String> command = new ArrayList<>(workbenchJvm());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve(log).toFile());
        pb.environment().put("CWB_HOME", home.toString());
        pb.environment().put("CWB_NO_SAMPLES", "1");
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    CommandHarness harness() {
        return cwb;
    }

    /** The random prefix every container name of this bench starts with. */
    String prefix() {
        return prefix;
    }

    /** A fresh container name: the bench's prefix, then {@code what}. */
    String name(String what) {
        return prefix + what;
    }

    /** Runs one command line (its words already split, as the shell would) and returns what it printed. */
    synchronized Result run(String... args) {
        cwb.reset();
        int code = cwb.run(args);
        return new Result(code, cwb.out(), cwb.err());
    }

    /** Runs one command line and fails the test unless it exits 0. */
    Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    /** The pid of cwb-init, as {@code new} reports it. */
    static int initPid(Result newOutput) {
        Matcher m = INIT_PID.matcher(newOutput.out());
        if (!m.find()) {
            throw new AssertionError("new did not name its cwb-init pid:\n" + newOutput);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The container's workspace, where {@code new} puts it. */
    Path workspace(String container) {
        return home.resolve("run").resolve("containers").resolve(container);
    }

    /** The mounts process {@code pid} sees (its mount namespace's table). */
    static List<MountInfo.Mount> mountsOf(int pid) {
        return MountInfo.of(Integer.toString(pid));
    }

    /** The mounts this JVM — the host — sees at or below {@code dir}. */
    static List<String> hostMountsUnder(Path dir) throws IOException {
        String d = dir.toString();
        List<String> result = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(d)) {
                result.add(line);
            }
        }
        return result;
    }

    /** Every cgroup directory of this machine whose name starts with {@code prefix}, in any hierarchy. */
    static List<Path> cgroupsNamed(String prefix) throws IOException {
        List<Path> parents = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        parents.add(root.resolve("cwb"));
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root)) {
                s.map(h -> h.resolve("cwb")).forEach(parents::add);
            }
        }
        List<Path> found = new ArrayList<>();
        for (Path parent : parents) {
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(prefix)).forEach(found::add);
            }
        }
        return found;
    }

    /** Takes down whatever containers the session still has, as leaving the shell does. */
    @Override
    public void close() {
        cwb.workbench().containers().removeAll();
    }
}
