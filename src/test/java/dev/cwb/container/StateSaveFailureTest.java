package dev.cwb.container;

import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code state.json} is what {@code cleanup} knows of a container after its workbench was killed. When it
 * cannot be written — here the workspaces sit on a real tmpfs of 512 KiB that the test fills, so the kernel
 * answers ENOSPC — the step fails with one line saying so, nothing half-written stays, and taking the
 * container down still leaves no mount, cgroup or process behind.
 */
class StateSaveFailureTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;
    static Path workspaces;

    @BeforeAll
    static void smallDisk() throws Exception {
        cwb = ContainerBench.open(home);
        Requirements.requireCommand("mount", "mount");
        workspaces = home.resolve("run/containers");
        Files.createDirectories(workspaces);
        Processes.check(null, "mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "cwb-test-full", workspaces.toString());
    }

    @AfterAll
    static void unmount() throws Exception {
        if (cwb != null) {
            cwb.close();
        }
        if (workspaces != null) {
            Processes.run(null, List.of("umount", workspaces.toString()));
        }
    }

    @BeforeEach
    void emptyDisk() throws IOException {
        Files.deleteIfExists(workspaces.resolve("filler"));
    }

    @Test
    void aStepWhoseStateCannotBeRecordedFailsAndRmStillTakesEverythingDown() throws Exception {
        String name = cwb.name("full");
        cwb.ok("new", name, "from", "busybox");
        Path ws = cwb.workspace(name);
        String before = Files.readString(ws.resolve("state.json"));
        fill();

        ContainerBench.Result overlay = cwb.run("overlay");
        assertEquals(6, overlay.code(), overlay.toString());
        List<String> errors = overlay.err().lines().toList();
        assertEquals(1, errors.size(), overlay.toString());
        assertTrue(errors.get(0).startsWith("error: cannot record the state of container " + name + " in " + ws.resolve("state.json")
                + ": No space left on device"), errors.get(0));
        assertTrue(errors.get(0).contains("rm " + name), errors.get(0));
        assertEquals(before, Files.readString(ws.resolve("state.json")), "the last state written whole stays");
        assertFalse(Files.exists(ws.resolve(".state.json.tmp")), "nothing half-written");
        assertFalse(ContainerBench.hostMountsUnder(ws.resolve("rootfs")).isEmpty(), "the overlay was mounted: the step itself ran");

        ContainerBench.Result cgroup = cwb.run("cgroup", "create");
        assertEquals(6, cgroup.code(), cgroup.toString());
        assertTrue(cgroup.err().startsWith("error: cannot record the state of container " + name), cgroup.toString());
        assertFalse(ContainerBench.cgroupsNamed(name).isEmpty(), "the group was made: the step itself ran");

        cwb.ok("rm", name);
        assertEquals(List.of(), ContainerBench.hostMountsUnder(ws), "rm unmounted the overlay the state file never named");
        assertEquals(List.of(), ContainerBench.cgroupsNamed(name), "rm removed the cgroup the state file never named");
        assertFalse(Files.exists(ws), "the workspace is gone");
    }

    @Test
    void aContainerWhoseStateCannotBeRecordedIsNotMade() throws Exception {
        fill();
        String name = cwb.name("fullnew");
        long inits = initsOfThisJvm();
        ContainerBench.Result r = cwb.run("new", name, "from", "busybox");
        assertEquals(6, r.code(), r.toString());
        assertTrue(r.err().startsWith("error: cannot record the state of container " + name), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertEquals(inits, initsOfThisJvm(), "its cwb-init was taken down");
        assertFalse(Files.exists(cwb.workspace(name)), "no workspace left");
        assertTrue(cwb.run("ps").out().lines().noneMatch(l -> l.contains(name)), "not in the session");
    }

    /** Writes to the tmpfs until the kernel refuses (ENOSPC). */
    private static void fill() throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(workspaces.resolve("filler"))) {
            for (int i = 0; i < 1000; i++) {
                out.write(block);
                out.flush();
            }
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("No space left on device"), e.toString());
            return;
        }
        throw new AssertionError("512k of tmpfs took 64 MB");
    }

    /** cwb-init processes this JVM started that still exist (a zombie too: it was not reaped). */
    private static long initsOfThisJvm() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("cwb-init")).orElse(true)).count();
    }
}
