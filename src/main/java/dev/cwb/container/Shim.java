package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallListener;
import dev.cwb.kernel.Syscalls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The monitor that keeps a detached container, as containerd-shim or conmon do for Docker and podman:
 * someone must stay the parent of the container's first process to reap it and learn its exit status,
 * and someone must hold the read ends of its stdout and stderr pipes once the command that started it has
 * returned — or the container's next write would get SIGPIPE.
 *
 * <p>The shim is a fresh workbench JVM ({@code java -cp ... dev.cwb.Main run --shim ...}) that does the
 * very same {@code run} ({@link ContainerRun}, runc's order), so no set-up code is duplicated. It
 * <ol>
 *   <li>calls setsid(2): a session of its own, so the terminal's hang-up and Ctrl-C never reach it;</li>
 *   <li>calls prctl(PR_SET_CHILD_SUBREAPER): orphans below it (its cwb-init, should that die first) come to it,
 *       not to the host's init;</li>
 *   <li>runs the container with its stdout and stderr into pipes, whose bytes it appends to the workspace's
 *       {@code container.log} ({@link ContainerLog});</li>
 *   <li>once PID 1 has exec'd its command, records itself in {@code detached.json} and writes one line to the
 *       workbench that started it, {@code started NAME}, then moves its own standard output and error onto
 *       {@code shim.log} (dup3(2)), so that workbench's pipes reach end of file and it returns;</li>
 *   <li>waits for PID 1 (its cwb-init reaps it), takes the container down but keeps its workspace (unless
 *       {@code --rm}), writes the wait status into {@code detached.json}, and exits.</li>
 * </ol>
 * The container's PID 1 is a child of the shim's cwb-init, which dies with the shim (PR_SET_PDEATHSIG):
 * a killed shim takes its container with it, and {@code ps} then reports it lost, {@code cleanup} removes it.
 */
public final class Shim {
    /** The line the shim writes to its parent once the container runs. */
    static final String STARTED = "started ";

    private Shim() {
    }

    /**
     * Starts the shim for container {@code name} with {@code run}'s arguments {@code runArgs} (without
     * {@code -d}; {@code --name} included) and waits until the container runs or the shim fails. What the
     * shim prints while it sets the container up (its errors, {@code --trace}) goes to {@code notes}.
     * Returns 0 when the container runs, else the shim's exit code.
     */
    public static int start(dev.cwb.WorkbenchHome home, List<String> globalOptions, List<String> runArgs, PrintWriter notes)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.add("dev.cwb.Main");
        cmd.addAll(globalOptions);
        cmd.add("run");
        cmd.add("--shim");
        cmd.addAll(runArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(new java.io.File("/"));
        pb.environment().put("CWB_HOME", home.root().toAbsolutePath().toString()); // this workbench's home, however it was chosen
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        p.getOutputStream().close();
        Thread relay = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    synchronized (notes) {
                        notes.println(line);
                        notes.flush();
                    }
                }
            } catch (IOException e) {
                // the shim went away
            }
        }, "cwb-shim-stderr");
        relay.setDaemon(true);
        relay.start();
        boolean started = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith(STARTED)) {
                    started = true;
                }
            }
        }
        relay.join(started ? 2000 : 10_000);
        if (started) {
            return 0;
        }
        int code = p.waitFor();
        return code == 0 ? CwbException.IO : code;
    }

    /**
     * The java command that starts this program again: the same java, the options that must match the
     * class-data archive the launcher made (its GC and the archive itself), a small heap, this class path.
     */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        ProcessHandle.Info self = ProcessHandle.current().info();
        cmd.add(self.command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : self.arguments().orElse(new String[0])) {
            if (a.equals("-jar") || a.equals("-cp") || a.equals("-classpath") || !a.startsWith("-")) {
                break; // the JVM's own options end here
            }
            if (a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Xshare:") || a.equals("-XX:+UseSerialGC")) {
                cmd.add(a);
            }
        }
        if (!cmd.contains("-XX:+UseSerialGC")) {
            cmd.add("-XX:+UseSerialGC");
        }
        cmd.add("-Xmx64m"); // it holds two 64 KiB pump buffers and the container's state, for as long as the container lives
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        // absolute: the shim runs in / (it must pin no directory of the learner's)
        cmd.add(java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
        return cmd;
    }

    /** The shim's first calls, on this JVM: a session of its own, then subreaper of what it starts. */
    public static void becomeShim(SyscallListener trace) throws SyscallException {
        Syscalls self = new Syscalls(trace);
        self.setsid();
        self.setChildSubreaper();
    }

    /**
     * PID 1 runs: {@code detached.json} written, {@code started NAME} on standard output to the workbench
     * waiting for it, then descriptors 1 and 2 moved onto the workspace's {@code shim.log}, so that
     * workbench's pipes reach end of file.
     */
    public static void announce(Container c, Detached record, SyscallListener trace) {
        try {
            record.save(c.dirs().dir());
        } catch (IOException e) {
            throw CwbException.io("cannot record the detached container " + c.name() + " in " + Detached.file(c.dirs().dir()), e,
                    "free space in " + c.dirs().dir() + ", then rm -f " + c.name() + " and run it again");
        }
        System.out.print(STARTED + c.name() + "\n");
        System.out.flush();
        System.err.flush();
        try {
            Syscalls self = new Syscalls(trace);
            int log = self.openat(dev.cwb.kernel.StraceText.AT_FDCWD, c.dirs().dir().resolve("shim.log").toString(),
                    OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_APPEND | OpenFlags.O_CLOEXEC, 0600);
            self.dup3(log, 1);
            self.dup3(log, 2);
            self.close(log);
        } catch (SyscallException e) {
            throw new CwbException(CwbException.IO, "the shim of " + c.name() + " could not move its output to shim.log: " + e.getMessage(),
                    "rm -f " + c.name());
        }
    }
}
