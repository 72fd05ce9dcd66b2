package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cwb-pid1 ({@link Pid1Program}) on its own, outside any container: the x86_64 program natively, the
 * aarch64 one under qemu-user ({@code qemu-aarch64-static}, which hands its system calls to this kernel; the
 * command it starts is this machine's {@code /bin/sh}). The exit status passes through, a signal that kills
 * the command is 128+N, a missing command 127, a SIGTERM sent to cwb-pid1 reaches the command's trap, and as
 * PID 1 of a new PID namespace ({@code unshare --pid --fork}) it leaves no zombie of the orphans
 * it gets (counted from the host's /proc: PID 1's children).
 */
class Pid1ProgramTest {
    @TempDir
    Path dir;

    private List<String> command(String arch, String... args) throws IOException {
        Path program = dir.resolve("cwb-pid1-" + arch);
        Files.write(program, arch.equals("x86_64") ? Pid1Program.x86_64() : Pid1Program.aarch64());
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>();
        if (arch.equals("aarch64")) {
            cmd.add(Requirements.requireCommand("qemu-aarch64-static", "qemu-user-static").toString());
        } else {
            Requirements.require(Arch.current() == Arch.X86_64, "the x86_64 program runs natively only on x86_64");
        }
        cmd.add(program.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private record Ran(int code, String out) {
    }

    private static Ran run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "cwb-pid1 did not end");
        return new Ran(p.exitValue(), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64"})
    void theCommandsStatusPassesThrough(String arch) throws Exception {
        Ran r = run(command(arch, "/bin/sh", "my-sh", "-c", "tr '\\0' ' ' < /proc/$$/cmdline; exit 7", "zero"));
        assertEquals("my-sh -c tr '\\0' ' ' < /proc/$$/cmdline; exit 7 zero ", r.out(), "the command's argv is what follows PATH, ARGV0 first");
        assertEquals(7, r.code());
        assertEquals(128 + 10, run(command(arch, "/bin/sh", "sh", "-c", "kill -USR1 $$; sleep 5")).code(), "killed by SIGUSR1");
        assertEquals(127, run(command(arch, "/nonexistent/cmd", "cmd")).code(), "execve ENOENT: 127, as a shell says");
        assertEquals(127, run(command(arch)).code(), "no command given");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64"})
    void aSigtermToItReachesTheCommand(String arch) throws Exception {
        Process p = new ProcessBuilder(command(arch, "/bin/sh", "sh", "-c",
                "trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.1; done"))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        assertEquals(0, LibC.kill((int) p.pid(), 15)); // SIGTERM to cwb-pid1 (or to qemu, which hands it to the program)
        // the whole group gets it (tini's -g): dash says its `sleep 0.1` was Terminated, then runs its trap
        String line = out.readLine();
        if ("Terminated".equals(line)) {
            line = out.readLine();
        }
        assertEquals("got TERM", line);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), "the command's trap ended it with 3, which cwb-pid1 passes on");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64"})
    void asPid1ItReapsEveryOrphan(String arch) throws Exception {
        Requirements.requireRoot();
        Path unshare = Requirements.requireCommand("unshare", "util-linux");
        List<String> cmd = new ArrayList<>(List.of(unshare.toString(), "--pid", "--fork", "--kill-child"));
        // three orphans come to PID 1 and end while the command, now a sleep, waits for no one; a shell that
        // still waited for its subshells (wait4(-1)) could reap one itself, so they outlive the loop
        cmd.addAll(command(arch, "/bin/sh", "sh", "-c", "for i in 1 2 3; do (sleep 0.5 &); done; exec sleep 60"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            int pid1 = -1;
            while (pid1 < 0 && System.nanoTime() < deadline) {
                List<String[]> c = children((int) p.pid());
                pid1 = c.isEmpty() ? -1 : Integer.parseInt(c.get(0)[0]);
                Thread.sleep(20);
            }
            assertTrue(pid1 > 0, "unshare started no PID 1");
            List<String[]> now = children(pid1);
            while (now.size() < 4 && System.nanoTime() < deadline) { // the three orphans come to PID 1
                Thread.sleep(20);
                now = children(pid1);
            }
            assertEquals(4, now.size(), "the command and three orphans are PID 1's children");
            long reaped = System.nanoTime() + 5_000_000_000L;
            while (now.size() > 1 && System.nanoTime() < reaped) { // they end; a zombie would stay a child
                Thread.sleep(50);
                now = children(pid1);
            }
            assertEquals(1, now.size(), "PID 1's one child left is the command, no zombie: "
                    + now.stream().map(c -> c[0] + " " + c[1]).toList());
            assertEquals("S", now.get(0)[1]);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The processes whose parent is {@code parent}: {pid, state letter}, from /proc/PID/stat. */
    private static List<String[]> children(int parent) throws IOException {
        List<String[]> found = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : dirs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Integer.parseInt(f[1]) == parent) {
                        found.add(new String[] {d.getFileName().toString(), f[0]});
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        }
        return found;
    }
}
