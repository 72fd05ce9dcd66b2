package dev.cwb.container;

import dev.cwb.testing.Pty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where volumes behaved unlike Docker's, on the real kernel: hard links of the image copied into a fresh
 * volume, {@code volume prune}'s question at a terminal, {@code --mount type=tmpfs}'s size and mode, and
 * {@code bind-propagation}.
 */
class VolumeDockerGapsTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    static Path home;
    @TempDir
    static Path work;
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
    void hardLinksInTheImageStayHardLinksInAFreshVolume() throws Exception {
        Path ctx = Files.createDirectories(work.resolve("links"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n"
                + "RUN mkdir -p /data/sub && echo same > /data/a && ln /data/a /data/b && ln /data/a /data/sub/c && echo other > /data/d\n");
        String image = cwb.name("links").toLowerCase();
        cwb.ok("build", "-t", image, ctx.toString());
        String volume = cwb.name("lvol");
        ContainerBench.Result r = cwb.ok("run", "--network", "none", "-v", volume + ":/data", image,
                "sh", "-c", "stat -c '%i %h' /data/a /data/b /data/sub/c /data/d; echo more >> /data/b; cat /data/sub/c");
        List<String> lines = r.out().lines().toList();
        String[] a = lines.get(0).split(" ");
        assertEquals(List.of(a[0] + " 3", a[0] + " 3", a[0] + " 3"), lines.subList(0, 3), "a, b and sub/c are one file with three names:\n" + r);
        assertNotEquals(a[0], lines.get(3).split(" ")[0], "d is a file of its own");
        assertEquals(List.of("same", "more"), lines.subList(4, 6), "a write through one name shows through the others");
        assertTrue(r.err().contains("2 of them hard links kept as links"), r.toString());
        Path data = home.resolve("volumes").resolve(volume).resolve("_data");
        Object ino = Files.getAttribute(data.resolve("a"), "unix:ino");
        assertEquals(ino, Files.getAttribute(data.resolve("sub/c"), "unix:ino"), "on the host too, in the volume's directory");
        assertEquals(3, Files.getAttribute(data.resolve("b"), "unix:nlink"));
        cwb.ok("volume", "rm", volume);
    }

    @Test
    void mountTypeTmpfsTakesDockersSizeAndModeAndTheKernelKeepsToThem() {
        ContainerBench.Result r = cwb.ok("run", "--network", "none", "--mount", "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=750",
                "busybox", "sh", "-c", "grep ' /t ' /proc/self/mountinfo; stat -c %a /t; "
                        + "dd if=/dev/zero of=/t/f bs=1024 count=2048 2>/dev/null; echo dd=$?; ls -s /t/f");
        assertTrue(r.out().contains(" - tmpfs tmpfs rw,size=1024k,mode=750"), "mounted with the size and mode asked for:\n" + r);
        assertTrue(r.out().contains("\n750\n"), r.toString());
        assertTrue(r.out().contains("dd=1"), "2 MiB do not fit in a 1 MiB tmpfs:\n" + r);
        assertTrue(r.out().contains("1024 /t/f"), "the file stopped at the size limit:\n" + r);
        ContainerBench.Result bad = cwb.run("run", "--network", "none", "--mount", "type=tmpfs,target=/t,tmpfs-mode=888", "busybox", "true");
        assertEquals(dev.cwb.CwbException.BAD_INPUT, bad.code(), bad.toString());
        assertEquals(1, bad.err().lines().count(), "one line:\n" + bad);
    }

    @Test
    void bindPropagationIsTheCallMadeAndSharedIsRefusedInOneLine() throws Exception {
        Path src = Files.createDirectories(work.resolve("prop"));
        ContainerBench.Result r = cwb.ok("run", "--network", "none", "--trace", "--mount",
                "type=bind,source=" + src + ",target=/s,bind-propagation=rslave", "busybox", "true");
        assertTrue(r.all().matches("(?s).*mount\\(NULL, \"[^\"]*/s\", NULL, MS_REC\\|MS_SLAVE, NULL\\) = 0.*"),
                "the bind made a recursive slave, and the kernel said 0:\n" + r);
        ContainerBench.Result dflt = cwb.ok("run", "--network", "none", "--trace", "--mount", "type=bind,source=" + src + ",target=/s",
                "busybox", "true");
        assertTrue(dflt.all().matches("(?s).*mount\\(NULL, \"[^\"]*/s\", NULL, MS_REC\\|MS_PRIVATE, NULL\\) = 0.*"), "Docker's rprivate:\n" + dflt);
        ContainerBench.Result shared = cwb.run("run", "--network", "none", "--mount",
                "type=bind,source=" + src + ",target=/s,bind-propagation=rshared", "busybox", "true");
        assertEquals(dev.cwb.CwbException.UNSUPPORTED, shared.code(), shared.toString());
        assertEquals(1, shared.err().lines().count(), shared.toString());
        assertTrue(shared.err().contains("back to the host's mount table"), shared.toString());
    }

    private static void host(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    @Test
    void anRslaveBindSeesTheHostsLaterMountsAndDockersDefaultRprivateDoesNot() throws Exception {
        dev.cwb.testing.Requirements.requireCommand("mount", "mount");
        Path src = Files.createDirectories(work.resolve("shared-src"));
        String slave = cwb.name("rslave");
        String priv = cwb.name("rprivate");
        host("mount", "-t", "tmpfs", "-o", "size=1m", "cwb-test-src", src.toString());
        try {
            host("mount", "--make-shared", src.toString()); // a shared source: a peer group whose events reach its slaves
            cwb.ok("run", "-d", "--network", "none", "--name", slave, "--mount",
                    "type=bind,source=" + src + ",target=/s,bind-propagation=rslave", "busybox", "sleep", "1000");
            cwb.ok("run", "-d", "--network", "none", "--name", priv, "--mount", "type=bind,source=" + src + ",target=/s",
                    "busybox", "sleep", "1000");
            Files.createDirectories(src.resolve("late"));
            host("mount", "-t", "tmpfs", "-o", "size=1m", "cwb-test-late", src.resolve("late").toString()); // after both started
            Files.writeString(src.resolve("late").resolve("marker"), "mounted later on the host\n");
            assertEquals("mounted later on the host\n", cwb.ok("exec", slave, "cat", "/s/late/marker").out(),
                    "the host's later mount propagated into the rslave bind");
            ContainerBench.Result p = cwb.run("exec", priv, "ls", "-A", "/s/late");
            assertEquals("", p.out(), "rprivate: the host's later mount never reaches the container, only the empty directory:\n" + p);
        } finally {
            cwb.run("rm", "-f", slave);
            cwb.run("rm", "-f", priv);
            new ProcessBuilder("umount", src.resolve("late").toString()).start().waitFor();
            new ProcessBuilder("umount", src.toString()).start().waitFor();
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(src.toString()), "both host mounts gone");
    }

    /** {@code volume prune} one-shot on a terminal of its own, {@code answer} typed at its question. */
    private static String pruneAtATerminal(String answer) throws Exception {
        List<String> command = new ArrayList<>(ContainerBench.workbenchJvm());
        command.addAll(List.of("volume", "prune"));
        try (Pty pty = Pty.start(command, Map.of("CWB_HOME", home.toString(), "CWB_NO_SAMPLES", "1"), null)) {
            pty.awaitScreen("[y/N] ", 1, BOUND);
            pty.type(answer);
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
            return pty.screen();
        }
    }

    @Test
    void volumePruneAtATerminalSaysWhatItWouldRemoveAndAsksFirst() throws Exception {
        dev.cwb.volume.Volumes store = new dev.cwb.volume.Volumes(cwb.harness().workbench().home());
        String anon = store.createAnonymous().name();
        Files.writeString(store.data(anon).resolve("f"), "kept until yes");
        String no = pruneAtATerminal("n\n");
        assertTrue(no.contains("WARNING! This will remove the anonymous local volumes no container uses: 1 volume, " + anon.substring(0, 12)), no);
        assertTrue(no.contains("Nothing removed."), no);
        assertTrue(Files.exists(store.data(anon).resolve("f")), "no: the volume and its data stay");
        String yes = pruneAtATerminal("y\n");
        assertTrue(yes.contains("Deleted Volumes:\n" + anon), yes);
        assertFalse(Files.exists(store.data(anon)), "yes: it is gone");
    }
}
