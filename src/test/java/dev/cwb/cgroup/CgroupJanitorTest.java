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
                    .filter(l -> l.name().endsWith("-" + me) && l.ours()).toList();
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

    /**
     * Cgroups are one per machine: an empty group another workbench home made (no owner record here), and a
     * group made again under a dead owner's name by someone else, are reported and never removed.
     */
    @Test
    void leavesAnotherHomesGroupsAlone() throws Exception {
        Requirements.requireRoot();
        CgroupHost host = CgroupHost.detect();
        Requirements.require(host.mode() != CgroupMode.NONE, "needs cgroups: " + host.explanation());
        CgroupOwners mine = new CgroupOwners(home.resolve("mine"));
        CgroupOwners theirs = new CgroupOwners(home.resolve("theirs"));
        String me = ProcessHandle.current().pid() + "";
        Cgroup foreign = new Cgroups(host, new CgroupTrace(), theirs).create("test-foreign-" + me);
        Cgroup remade = null;
        try {
            // a group this home made, whose maker died; then someone removed it and made one of that name again
            Cgroup first = new Cgroups(host, new CgroupTrace(), mine).create("test-remade-" + me);
            Process gone = new ProcessBuilder("/bin/busybox", "cat").start(); // alive until its stdin closes
            long start = gone.info().startInstant().orElseThrow().toEpochMilli();
            gone.getOutputStream().close();
            gone.waitFor();
            Path record = mine.directory().resolve(first.name() + ".owner");
            List<String> lines = new java.util.ArrayList<>(Files.readAllLines(record));
            lines.set(0, gone.pid() + " " + start);
            Files.write(record, lines);
            first.remove(); // releases the record: write the dead owner's record back
            Files.write(record, lines);
            remade = new Cgroups(host, new CgroupTrace(), theirs).create("test-remade-" + me);

            CgroupJanitor janitor = new CgroupJanitor(host, mine);
            java.util.Map<String, CgroupJanitor.Leftover> found = new java.util.HashMap<>();
            janitor.find().stream().filter(l -> l.name().endsWith("-" + me)).forEach(l -> found.put(l.name(), l));
            assertEquals(java.util.Set.of(foreign.name(), remade.name()), found.keySet(), found.toString());
            assertFalse(found.get(foreign.name()).ours(), found.toString());
            assertTrue(found.get(foreign.name()).reason().startsWith("no owner record in " + mine.directory()), found.toString());
            assertFalse(found.get(remade.name()).ours(), found.toString());
            assertTrue(found.get(remade.name()).reason().endsWith("this one was made since, by someone else"), found.toString());
            for (CgroupJanitor.Leftover l : found.values()) {
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> janitor.remove(l, new CgroupTrace()));
            }
            assertTrue(foreign.directories().stream().allMatch(Files::isDirectory), "the other home's group is untouched");
            assertTrue(remade.directories().stream().allMatch(Files::isDirectory), "the group made since is untouched");
        } finally {
            foreign.remove();
            if (remade != null) {
                remade.remove();
            }
        }
    }
}
