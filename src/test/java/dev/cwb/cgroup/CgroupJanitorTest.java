package dev.cwb.cgroup;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On the real kernel: a group whose maker has exited is found and removed; a live session's group is left alone. */
class CgroupJanitorTest {
    @TempDir
    Path home;

    @Test
    void findsAndRemovesTheGroupOfADeadSessionOnly() throws Exception {
        Requirements.requireRoot();
        CgroupHost host = CgroupHost.detect();
        Requirements.require(host.mode() != CgroupMode.NONE, "needs cgroups: " + host.explanation());
        CgroupOwners owners = new CgroupOwners(home.resolve("owners"));
        Cgroups cgroups = new Cgroups(host, new CgroupTrace(), owners);
        String me = ProcessHandle.current().pid() + "";
        Cgroup orphan = cgroups.create("test-orphan-" + me);
        Cgroup live = cgroups.create("test-live-" + me);
        Process sleeper = new ProcessBuilder("/bin/busybox", "sleep", "60").start();
        try {
            orphan.addProcess(sleeper.pid()); // a straggler the killed session left running
            // Pretend a session that has since exited made the orphan: a finished process's pid and start time.
            Process gone = new ProcessBuilder("/bin/busybox", "cat").start(); // alive until its stdin closes
            long start = gone.info().startInstant().orElseThrow().toEpochMilli();
            gone.getOutputStream().close();
            gone.waitFor();
            Files.writeString(owners.directory().resolve(orphan.name() + ".owner"), gone.pid() + " " + start + "\n");

            CgroupJanitor janitor = new CgroupJanitor(host, owners);
            List<CgroupJanitor.Leftover> found = janitor.find().stream()
                    .filter(l -> l.name().endsWith("-" + me)).toList();
            assertEquals(1, found.size(), found.toString());
            assertEquals(orphan.name(), found.get(0).name());
            assertEquals("made by pid " + gone.pid() + ", which has exited", found.get(0).reason());
            assertEquals(java.util.Set.copyOf(orphan.directories()), java.util.Set.copyOf(found.get(0).directories()));

            janitor.remove(found.get(0), new CgroupTrace());
            orphan.directories().forEach(d -> assertFalse(Files.exists(d), d + " removed"));
            assertTrue(sleeper.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the straggler was killed");
            assertTrue(live.directories().stream().allMatch(Files::isDirectory), "the live group is untouched");
            assertTrue(owners.owner(orphan.name()).isEmpty(), "owner record gone");
        } finally {
            sleeper.destroyForcibly();
            live.remove();
            if (orphan.directories().stream().anyMatch(Files::exists)) {
                orphan.remove();
            }
        }
    }
}
