package dev.cwb.kernel;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cwb.kernel.MountFlags.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * "What is printed is exactly what was called": strace attaches to this JVM, a namespace thread runs a
 * pivot_root step, and strace's lines for that thread must equal the records, call for call.
 */
class StraceComparisonTest {
    private static final String TRACED = "unshare,setns,sethostname,setdomainname,mount,umount2,pivot_root,chroot,"
            + "chdir,fchdir,openat,close,mkdirat,mknodat,symlinkat,fchmodat,fchownat,prctl,kill,gettid";

    @TempDir
    Path tmp;

    @Test
    void straceSeesExactlyTheRecordedCalls() throws Exception {
        Requirements.requireRoot();
        Path strace = Requirements.requireCommand("strace", "strace");
        runStep(Files.createDirectory(tmp.resolve("warmup")), new SyscallLog()); // load every class first:
        // after pivot_root the thread could not read a .class file from target/classes

        Path out = tmp.resolve("strace.out");
        long pid = ProcessHandle.current().pid();
        Process p = new ProcessBuilder(strace.toString(), "-f", "-s", "4096", "-p", Long.toString(pid),
                "-e", "trace=" + TRACED, "-o", out.toString()).redirectErrorStream(true).start();
        BufferedReader stderr = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder said = new StringBuilder();
        while ((line = stderr.readLine()) != null && !line.contains("attached")) {
            said.append(line).append('\n');
        }
        assertNotNull(line, "strace did not attach:\n" + said);

        SyscallLog log = new SyscallLog();
        Path dir = Files.createDirectory(tmp.resolve("box"));
        int tid;
        try {
            tid = runStep(dir, log);
        } finally {
            new Syscalls(SyscallListener.NONE).kill((int) p.pid(), 2); // SIGINT: strace detaches and exits
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "strace did not stop");
        }
        List<String> recorded = log.recordsOf(tid).stream().map(SyscallRecord::straceLine).toList();
        List<String> seen = linesOf(Files.readAllLines(out), tid);
        assertTrue(recorded.size() >= 20, recorded.toString());
        assertTrue(seen.size() >= recorded.size(), "strace saw fewer calls:\n" + String.join("\n", seen));
        // before running our code, the JVM itself sets up every new thread: it asks its id and names it
        List<String> jvmStart = seen.subList(0, seen.size() - recorded.size());
        assertTrue(jvmStart.stream().allMatch(l -> l.startsWith("gettid() = ") || l.startsWith("prctl(PR_SET_NAME, ")),
                "calls strace saw that were not recorded: " + jvmStart);
        assertEquals(String.join("\n", recorded), String.join("\n", seen.subList(jvmStart.size(), seen.size())));
        assertFalse(NamespaceThreadTest.mountedAt(Files.readString(Path.of("/proc/self/mountinfo")), dir.toString()));
    }

    /**
     * The files the workbench writes for a container from its own thread — a user namespace's uid_map and
     * gid_map, a cgroup's directory and limit — are written by traced calls: strace sees that thread make
     * exactly the recorded openat, write, close and mkdirat calls, with the same results (a second uid_map
     * is refused with EPERM, and that is what both show). The workbench's untraced reads (O_RDONLY opens of
     * cgroup files, and their closes) are left out of strace's side.
     */
    @Test
    void idMapAndCgroupWritesAreTheCallsStraceSees() throws Exception {
        Requirements.requireRoot();
        Path strace = Requirements.requireCommand("strace", "strace");
        dev.cwb.cgroup.Cgroups cgroups = new dev.cwb.cgroup.Cgroups(dev.cwb.cgroup.CgroupHost.detect(),
                new dev.cwb.cgroup.CgroupTrace(), null);
        String group = "t" + Long.toHexString(System.nanoTime() & 0xffffffL) + "-strace";
        try (InitBinary binary = InitBinary.install(Files.createDirectory(tmp.resolve("init")))) {
            writeIdMapsAndCgroup(binary, cgroups, group + "-warmup", new SyscallLog()); // classes loaded before strace looks

            Path out = tmp.resolve("strace-writes.out");
            long pid = ProcessHandle.current().pid();
            Process p = new ProcessBuilder(strace.toString(), "-f", "-s", "4096", "-p", Long.toString(pid),
                    "-e", "trace=openat,write,close,mkdirat,unlinkat,gettid,prctl", "-o", out.toString())
                    .redirectErrorStream(true).start();
            BufferedReader stderr = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = stderr.readLine()) != null && !line.contains("attached")) {
                // strace's progress lines
            }
            assertNotNull(line, "strace did not attach");
            SyscallLog log = new SyscallLog();
            int tid;
            try {
                tid = writeIdMapsAndCgroup(binary, cgroups, group, log);
            } finally {
                new Syscalls(SyscallListener.NONE).kill((int) p.pid(), 2);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "strace did not stop");
            }
            List<String> recorded = log.recordsOf(tid).stream().map(SyscallRecord::straceLine).toList();
            List<String> seen = withoutReads(linesOf(Files.readAllLines(out), tid));
            String uidMap = "\"/proc/[0-9]+/uid_map\", O_WRONLY\\|O_TRUNC\\|O_CLOEXEC\\) = \\d+";
            assertTrue(recorded.stream().anyMatch(l -> l.matches("openat\\(AT_FDCWD, " + uidMap)), recorded.toString());
            // under sudo root inside is nobody outside
            assertTrue(recorded.contains("write(" + fdOf(recorded, "uid_map") + ", \"0 65534 1\\n\", 10) = 10"), recorded.toString());
            assertTrue(recorded.contains("write(" + fdOf(recorded, "gid_map") + ", \"0 65534 1\\n\", 10) = 10"), recorded.toString());
            assertTrue(recorded.stream().anyMatch(l -> l.matches("write\\(\\d+, \"0 65534 1\\\\n\", 10\\) = -1 EPERM .*")),
                    "the second uid_map is refused by the kernel: " + recorded);
            assertTrue(recorded.stream().anyMatch(l -> l.matches("mkdirat\\(AT_FDCWD, \"/sys/fs/cgroup/.*" + group + "\", 0755\\) = 0")),
                    recorded.toString());
            assertTrue(recorded.stream().anyMatch(l -> l.matches("write\\(\\d+, \"5\", 1\\) = 1")), recorded.toString());
            List<String> jvmStart = seen.subList(0, Math.max(0, seen.size() - recorded.size()));
            assertTrue(jvmStart.stream().allMatch(l -> l.startsWith("gettid() = ") || l.startsWith("prctl(PR_SET_NAME, ")),
                    "calls strace saw that were not recorded: " + jvmStart);
            assertEquals(String.join("\n", recorded), String.join("\n", seen.subList(jvmStart.size(), seen.size())));
        } finally {
            for (String name : List.of(group + "-warmup", group)) {
                try {
                    cgroups.open(name).remove();
                } catch (RuntimeException e) {
                    // not made
                }
            }
        }
    }

    /**
     * On a fresh thread: a cwb-init that unshared its user namespace gets its id maps, then the uid map
     * once more (refused), then a cgroup with a pids limit; returns the thread's id.
     */
    private static int writeIdMapsAndCgroup(InitBinary binary, dev.cwb.cgroup.Cgroups cgroups, String group, SyscallLog log)
            throws Exception {
        InitProcess init = InitProcess.start(binary, "cwb-init", null);
        try {
            new Syscalls(SyscallListener.NONE, init).unshare(CloneFlags.CLONE_NEWUSER);
            java.util.concurrent.CompletableFuture<Integer> tid = new java.util.concurrent.CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    Syscalls sys = new Syscalls(log);
                    int id = (int) sys.tid();
                    dev.cwb.container.UnshareStep.writeIdMaps(sys, init.pid());
                    try {
                        dev.cwb.container.UnshareStep.writeIdMaps(sys, init.pid());
                        throw new AssertionError("a second uid_map was accepted");
                    } catch (dev.cwb.CwbException expected) {
                        // EPERM: the kernel takes each map once
                    }
                    cgroups.create(group, sys).setPidsLimit(5);
                    tid.complete(id);
                } catch (Throwable e) {
                    tid.completeExceptionally(e);
                }
            }, "cwb-strace-writes");
            t.start();
            return tid.get(30, TimeUnit.SECONDS);
        } finally {
            init.close();
            init.reap();
        }
    }

    /** The descriptor the recorded openat of a file named {@code name} returned. */
    private static String fdOf(List<String> lines, String name) {
        return lines.stream().filter(l -> l.startsWith("openat(") && l.contains("/" + name + "\""))
                .findFirst().map(l -> l.substring(l.lastIndexOf("= ") + 2)).orElse("?");
    }

    /** strace's lines without the workbench's untraced reads: openat(... O_RDONLY ...) and the close of what it opened. */
    private static List<String> withoutReads(List<String> lines) {
        List<String> kept = new ArrayList<>();
        java.util.Set<String> readFds = new java.util.HashSet<>();
        for (String l : lines) {
            if (l.startsWith("openat(") && l.contains(", O_RDONLY")) {
                readFds.add(l.substring(l.lastIndexOf("= ") + 2));
                continue;
            }
            if (l.startsWith("close(") && readFds.remove(l.substring(6, l.indexOf(')')))) {
                continue;
            }
            kept.add(l);
        }
        return kept;
    }

    /** A container's root switch in miniature, on a fresh namespace thread; returns that thread's id. */
    private static int runStep(Path dir, SyscallLog log) throws Exception {
        Syscalls sys = new Syscalls(log);
        String root = dir.resolve("root").toString();
        try (NamespaceThread ns = NamespaceThread.start("cwb-strace-step", sys)) {
            ns.call(() -> {
                sys.unshare(CloneFlags.CLONE_NEWNS | CloneFlags.CLONE_NEWUTS);
                sys.mount("none", "/", null, MS_REC | MS_PRIVATE, null);
                sys.sethostname("cwb-strace");
                sys.setdomainname("lab");
                sys.mkdir(root, 0755);
                expectErrno(Errno.EEXIST, () -> sys.mkdir(root, 0755));
                sys.mount("cwbroot", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755");
                sys.mount(root, root, null, MS_BIND | MS_REC, null);
                sys.mkdirat(StraceText.AT_FDCWD, root + "/dev", 0755);
                sys.mknod(root + "/dev/null", Kernel.S_IFCHR | 0666, Kernel.makedev(1, 3));
                sys.mknod(root + "/fifo", Kernel.S_IFIFO | 0600, 0);
                sys.symlink("/proc/self/fd", root + "/dev/fd");
                sys.chmod(root + "/fifo", 0640);
                sys.lchown(root + "/dev/fd", 0, 0);
                int oldRoot = sys.open("/", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
                int newRoot = sys.open(root, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
                sys.fchdir(newRoot);
                sys.pivotRoot(".", ".");
                sys.fchdir(oldRoot);
                sys.mount("", ".", null, MS_SLAVE | MS_REC, null);
                sys.umount2(".", MNT_DETACH);
                sys.chdir("/");
                sys.close(oldRoot);
                sys.close(newRoot);
                expectErrno(Errno.ENOENT, () -> sys.chroot("/no-such-dir"));
                sys.setNoNewPrivs();
                sys.kill((int) ProcessHandle.current().pid(), 0);
                return null;
            });
            return ns.tid();
        }
    }

    private interface Call {
        void run() throws SyscallException;
    }

    private static void expectErrno(int errno, Call call) throws SyscallException {
        try {
            call.run();
            fail("expected " + Errno.name(errno));
        } catch (SyscallException e) {
            if (e.errno() != errno) {
                throw e;
            }
        }
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+) +(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. \\w+ resumed>(.*)$");
    private static final Pattern ALIGNED = Pattern.compile("^(.*\\)) +(= .*)$");

    /**
     * One thread's calls from {@code strace -f -o}: lines start with the thread id; a call interrupted by
     * another thread's is split into {@code ... <unfinished ...>} and {@code <... name resumed>...}; the
     * result is padded to column 40, which the records do not do.
     */
    static List<String> linesOf(List<String> straceOutput, int tid) {
        List<String> calls = new ArrayList<>();
        Map<Integer, String> unfinished = new HashMap<>();
        for (String raw : straceOutput) {
            Matcher m = LINE.matcher(raw);
            if (!m.matches() || Integer.parseInt(m.group(1)) != tid) {
                continue;
            }
            String text = m.group(2);
            if (text.startsWith("+++") || text.startsWith("---")) {
                continue;
            }
            if (text.endsWith(" <unfinished ...>")) {
                unfinished.put(tid, text.substring(0, text.length() - " <unfinished ...>".length()));
                continue;
            }
            Matcher r = RESUMED.matcher(text);
            if (r.matches()) {
                text = unfinished.remove(tid) + r.group(1);
            }
            Matcher a = ALIGNED.matcher(text);
            calls.add(a.matches() ? a.group(1) + " " + a.group(2) : text);
        }
        return calls;
    }
}
