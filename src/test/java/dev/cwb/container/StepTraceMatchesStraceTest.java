package dev.cwb.container;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "What is printed is what was called", for a container built step by step: strace follows the
 * container's cwb-init (and every process it clones), and each process's calls as strace saw them are
 * exactly the ones the session's trace recorded, in the same order — apart from cwb-init's side of its
 * conversation with the workbench (the read and write on its control socket, descriptor 3, and a clone's
 * move of its own socket there), and what a command does once it has exec'd.
 */
class StepTraceMatchesStraceTest {
    @TempDir
    static Path home;
    @TempDir
    Path tmp;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void straceSeesExactlyTheRecordedCallsOfEachProcess() throws Exception {
        Path strace = Requirements.requireCommand("strace", "strace");
        String box = cwb.name("strace");
        int init = ContainerBench.initPid(cwb.ok("new", box, "from", "busybox"));
        int recordedBefore = savedTrace().size();

        Path out = tmp.resolve("strace.out");
        Process p = new ProcessBuilder(strace.toString(), "-f", "-s", "4096", "-p", Integer.toString(init), "-o", out.toString())
                .redirectErrorStream(true).start();
        BufferedReader said = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder before = new StringBuilder();
        String line;
        while ((line = said.readLine()) != null && !line.contains("attached")) {
            before.append(line).append('\n');
        }
        assertNotNull(line, "strace did not attach:\n" + before);

        List<String> recorded;
        try {
            cwb.ok("unshare", "mnt", "uts", "ipc", "pid", "net");
            cwb.ok("cgroup", "create");
            cwb.ok("cgroup", "set", "pids", "50"); // openat, write and close of pids.max, made by PID 1
            cwb.ok("overlay");
            cwb.ok("hostname", "traced");
            cwb.ok("mount", "proc");
            cwb.ok("mount", "dev");
            // a call the kernel refuses is recorded too: tmpfs on a device node (mkdirat EEXIST, then ENOTDIR)
            assertNotEquals(0, cwb.run("mount", "tmpfs", "/dev/null").code());
            cwb.ok("pivot_root");
            assertEquals("traced", cwb.ok("exec", "hostname").lines().get(0));
            cwb.ok("escape");
            List<String> all = savedTrace();
            recorded = all.subList(recordedBefore, all.size());
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor(); // strace detaches and exits
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "strace did not stop");
        }
        // trace -T says what its times measure: a call through cwb-init is timed as the round trip it is
        List<String> timed = cwb.ok("trace", "-T", "-n", "3").out().lines().toList();
        assertEquals(3, timed.size(), timed.toString());
        assertTrue(timed.stream().allMatch(l -> l.matches("\\[pid \\d+\\] .* = .* <\\d+\\.\\d{6} (round trip|call)>")), timed.toString());
        cwb.ok("rm", box);

        Map<Integer, List<String>> records = byPid(recorded);
        Map<Integer, List<String>> seen = straceByPid(Files.readAllLines(out));
        assertTrue(records.size() >= 3, "cwb-init, PID 1 and the command made calls: " + records.keySet());
        assertTrue(recorded.size() >= 100, recorded.size() + " calls recorded");
        assertTrue(recorded.stream().anyMatch(l -> l.contains(" = -1 ENOTDIR ")), "the refused mount was not recorded");
        // the cgroup is made and written by the container's process: real calls, in its own trace
        assertTrue(recorded.stream().anyMatch(l -> l.matches("\\[pid \\d+\\] mkdirat\\(AT_FDCWD, \"/sys/fs/cgroup/.*/cwb/"
                + box + "\", 0755\\) = 0")), "the cgroup's mkdirat was not recorded");
        assertTrue(recorded.stream().anyMatch(l -> l.matches("\\[pid \\d+\\] openat\\(AT_FDCWD, \"/sys/fs/cgroup/.*/cwb/"
                + box + "/pids.max\", O_WRONLY\\|O_TRUNC\\|O_CLOEXEC\\) = \\d+")), "the write of pids.max was not recorded");
        assertTrue(recorded.stream().anyMatch(l -> l.matches("\\[pid \\d+\\] write\\(\\d+, \"50\", 2\\) = 2")),
                "the value 50 was not written by a traced write(2)");
        for (Map.Entry<Integer, List<String>> e : records.entrySet()) {
            List<String> straced = seen.get(e.getKey());
            assertNotNull(straced, "strace saw nothing of pid " + e.getKey() + "; it saw " + seen.keySet());
            assertEquals(String.join("\n", e.getValue()), String.join("\n", ownCalls(straced)), "pid " + e.getKey());
        }
    }

    /**
     * An image of more layers than mount(2)'s page holds is mounted through the new mount API (or short links
     * on a kernel before 6.8), and one past what overlayfs stacks is refused with the kernel's message read
     * back from the context: every one of those calls, refused ones included, is what strace sees.
     */
    @Test
    void manyLayersAreMountedWithTheCallsStraceSees() throws Exception {
        Path strace = Requirements.requireCommand("strace", "strace");
        Path recipes = tmp.resolve("recipes");
        for (int layers : List.of(130, 501)) {
            Path dir = Files.createDirectories(recipes.resolve("strace" + layers).resolve("f"));
            StringBuilder recipe = new StringBuilder("FROM busybox\n");
            for (int n = 4; n <= layers; n++) {
                Files.writeString(dir.resolve(Integer.toString(n)), n + "\n");
                recipe.append("COPY f/").append(n).append(" /layers/").append(n).append('\n');
            }
            Files.writeString(dir.getParent().resolve("recipe"), recipe);
        }
        cwb.ok("samples", "build", "--recipes", recipes.toString());
        String many = cwb.name("many");
        String tooMany = cwb.name("toomany");
        int first = ContainerBench.initPid(cwb.ok("new", many, "from", "strace130"));
        int second = ContainerBench.initPid(cwb.ok("new", tooMany, "from", "strace501"));
        int recordedBefore = savedTrace().size();

        Path out = tmp.resolve("strace-many.out");
        Process p = new ProcessBuilder(strace.toString(), "-f", "-s", "4096", "-p", Integer.toString(first), "-p", Integer.toString(second),
                "-o", out.toString()).redirectErrorStream(true).start();
        BufferedReader said = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int attached = 0;
        String line;
        while (attached < 2 && (line = said.readLine()) != null) {
            attached += line.contains("attached") ? 1 : 0;
        }
        assertEquals(2, attached, "strace did not attach to both");
        List<String> recorded;
        try {
            cwb.ok("unshare", "-c", many, "mnt");
            cwb.ok("overlay", "-c", many);
            cwb.ok("pivot_root", "-c", many);
            assertEquals("130", cwb.ok("exec", "-c", many, "cat", "/layers/130").lines().get(0));
            cwb.ok("unshare", "-c", tooMany, "mnt");
            assertEquals(7, cwb.run("overlay", "-c", tooMany).code());
            List<String> all = savedTrace();
            recorded = all.subList(recordedBefore, all.size());
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "strace did not stop");
        }
        cwb.ok("rm", many, tooMany);

        if (OverlayStep.kernelAtLeast(System.getProperty("os.version"), OverlayStep.LOWERDIR_APPEND_SINCE)) {
            assertEquals(130 + 501, recorded.stream().filter(l -> l.contains("FSCONFIG_SET_STRING, \"lowerdir+\"")).count(), "lowerdir+ calls");
            assertTrue(recorded.stream().anyMatch(l -> l.contains("read(") && l.contains("too many lower directories")), "the refusal's read");
        }
        Map<Integer, List<String>> records = byPid(recorded);
        Map<Integer, List<String>> seen = straceByPid(Files.readAllLines(out));
        for (Map.Entry<Integer, List<String>> e : records.entrySet()) {
            List<String> straced = seen.get(e.getKey());
            assertNotNull(straced, "strace saw nothing of pid " + e.getKey() + "; it saw " + seen.keySet());
            assertEquals(String.join("\n", e.getValue()), String.join("\n", ownCalls(straced)), "pid " + e.getKey());
        }
    }

    /** The session's calls so far, as {@code trace --save} writes them: {@code [pid N] call(...) = result}. */
    private List<String> savedTrace() throws Exception {
        Path file = tmp.resolve("trace-" + System.nanoTime() + ".txt");
        cwb.ok("trace", "--save", file.toString());
        return Files.readAllLines(file);
    }

    private static final Pattern RECORD = Pattern.compile("^\\[pid (\\d+)\\] (.*)$");

    private static Map<Integer, List<String>> byPid(List<String> traceLines) {
        Map<Integer, List<String>> byPid = new LinkedHashMap<>();
        for (String l : traceLines) {
            Matcher m = RECORD.matcher(l);
            assertTrue(m.matches(), l);
            byPid.computeIfAbsent(Integer.valueOf(m.group(1)), k -> new ArrayList<>()).add(m.group(2));
        }
        return byPid;
    }

    /**
     * The calls a process made as cwb-init: up to and including its execve, without the protocol with the
     * workbench — read(2) and write(2) on descriptor 3, and the {@code dup2(4, 3)} with which a fresh clone
     * takes its own control socket.
     */
    private static List<String> ownCalls(List<String> strace) {
        List<String> own = new ArrayList<>();
        for (String call : strace) {
            if (call.startsWith("read(3, ") || call.startsWith("write(3, ") || call.equals("dup2(4, 3) = 3")) {
                continue;
            }
            own.add(call);
            if (call.startsWith("execve(") && call.endsWith(" = 0")) {
                break;
            }
        }
        return own;
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+) +(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. \\w+ resumed>(.*)$");
    private static final Pattern ALIGNED = Pattern.compile("^(.*\\)) +(= .*)$");
    /** strace prints execve's environment as its address: the records cannot know cwb-init's addresses. */
    private static final Pattern ADDRESS = Pattern.compile("\\b0x[0-9a-f]+ (/\\* \\d+ vars? \\*/)");

    /**
     * Each process's calls from {@code strace -f -o}: lines start with the pid; a call another process's
     * line interrupted is split into {@code ... <unfinished ...>} and {@code <... name resumed>...}; the
     * result is padded to column 40, which the records do not do; signals and exits are left out.
     */
    private static Map<Integer, List<String>> straceByPid(List<String> output) {
        Map<Integer, List<String>> calls = new HashMap<>();
        Map<Integer, String> unfinished = new HashMap<>();
        for (String raw : output) {
            Matcher m = LINE.matcher(raw);
            if (!m.matches()) {
                continue;
            }
            int pid = Integer.parseInt(m.group(1));
            String text = m.group(2);
            if (text.startsWith("+++") || text.startsWith("---")) {
                continue;
            }
            if (text.endsWith(" <unfinished ...>")) {
                unfinished.put(pid, text.substring(0, text.length() - " <unfinished ...>".length()));
                continue;
            }
            Matcher r = RESUMED.matcher(text);
            if (r.matches()) {
                text = unfinished.remove(pid) + r.group(1);
            }
            Matcher a = ALIGNED.matcher(text);
            text = a.matches() ? a.group(1) + " " + a.group(2) : text;
            text = ADDRESS.matcher(text).replaceAll("0x... $1");
            calls.computeIfAbsent(pid, k -> new ArrayList<>()).add(text);
        }
        return calls;
    }
}
