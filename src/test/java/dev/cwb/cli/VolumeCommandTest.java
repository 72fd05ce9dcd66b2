package dev.cwb.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code volume create|ls|inspect|rm|prune} in Docker's shapes, on a home of its own (no root needed). */
class VolumeCommandTest {
    @TempDir
    Path home;

    @Test
    void createListInspectRemove() throws Exception {
        CommandHarness cwb = new CommandHarness(home);
        assertEquals(0, cwb.run("volume", "create", "--label", "course=15", "data15"), cwb.err());
        assertEquals("data15\n", cwb.out());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("volumes"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("volumes/data15"))));
        assertTrue(Files.isDirectory(home.resolve("volumes/data15/_data")));
        cwb.reset();
        assertEquals(0, cwb.run("volume", "create", "data15"), "an existing name is no error, as in Docker");
        cwb.reset();
        assertEquals(0, cwb.run("volume", "ls"));
        assertTrue(cwb.out().contains("DRIVER") && cwb.out().contains("VOLUME NAME") && cwb.out().contains("data15"), cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("volume", "inspect", "data15"));
        String json = cwb.out();
        for (String field : new String[] {"\"CreatedAt\"", "\"Driver\" : \"local\"", "\"course\" : \"15\"",
                "\"Mountpoint\" : \"" + home.resolve("volumes/data15/_data") + "\"", "\"Name\" : \"data15\"", "\"Scope\" : \"local\""}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        assertTrue(json.indexOf("CreatedAt") < json.indexOf("Driver") && json.indexOf("Name") < json.indexOf("Scope"), "Docker's order: " + json);
        cwb.reset();
        assertEquals(0, cwb.run("volume", "ls", "-q", "--filter", "label=course=15"));
        assertEquals("data15\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("volume", "ls", "-q", "--filter", "label=course=16"));
        assertEquals("", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("volume", "rm", "data15"));
        assertEquals("data15\n", cwb.out());
        assertFalse(Files.exists(home.resolve("volumes/data15")));
        cwb.reset();
        assertEquals(dev.cwb.CwbException.NOT_FOUND, cwb.run("volume", "rm", "data15"));
        assertTrue(cwb.err().contains("no such volume: data15"), cwb.err());
        assertEquals(0, cwb.run("volume", "rm", "-f", "data15"));
    }

    @Test
    void pruneTakesTheUnusedAnonymousOnesOrWithAllEveryUnusedOne() throws Exception {
        CommandHarness cwb = new CommandHarness(home);
        dev.cwb.volume.Volumes store = new dev.cwb.volume.Volumes(cwb.workbench().home());
        String anon = store.createAnonymous().name();
        store.create("named", java.util.Map.of());
        Files.writeString(store.data(anon).resolve("f"), "12345");
        // a container's workspace that lists "named" and a second anonymous one: both in use
        String used = store.createAnonymous().name();
        Path ws = Files.createDirectories(home.resolve("run/containers/box"));
        Files.writeString(ws.resolve("volumes"), "named named\n" + used + " anonymous\n");
        // no terminal to ask at (a script, a pipe): without -f nothing is removed, and the line says what would have been
        assertEquals(dev.cwb.CwbException.BAD_INPUT, cwb.run("volume", "prune"), cwb.err());
        assertTrue(cwb.err().contains("volume prune would remove the anonymous local volumes no container uses: 1 volume, "
                + anon.substring(0, 12)) && cwb.err().contains("no terminal to ask at — volume prune -f"), cwb.err());
        assertTrue(Files.isDirectory(store.data(anon)), "nothing was removed");
        cwb.reset();
        assertEquals(0, cwb.run("volume", "prune", "-f"), cwb.err());
        assertEquals("Deleted Volumes:\n" + anon + "\n\nTotal reclaimed space: " + dev.cwb.view.Sizes.human(5) + "\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("volume", "prune", "-a", "-f"));
        assertEquals("Total reclaimed space: " + dev.cwb.view.Sizes.human(0) + "\n", cwb.out(), "every one left is in use");
        cwb.reset();
        assertEquals(dev.cwb.CwbException.BAD_INPUT, cwb.run("volume", "rm", "named"));
        assertTrue(cwb.err().contains("volume named is in use by container box"), cwb.err());
        cwb.reset();
        assertEquals(0, cwb.run("volume", "ls", "-q", "-f", "dangling=true"));
        assertEquals("", cwb.out());
        // the container goes: its anonymous volume with it, the named one stays
        java.util.List<String> problems = new java.util.ArrayList<>();
        dev.cwb.volume.ContainerVolumes.release(ws, problems);
        assertEquals(java.util.List.of(), problems);
        assertFalse(store.find(used).isPresent());
        assertTrue(store.find("named").isPresent());
    }

    @Test
    void badNamesAndOptionsAreRefusedInOneLine() {
        CommandHarness cwb = new CommandHarness(home);
        assertEquals(dev.cwb.CwbException.BAD_INPUT, cwb.run("volume", "create", "../escape"));
        assertTrue(cwb.err().contains("'../escape' is not a valid volume name"), cwb.err());
        assertFalse(Files.exists(home.resolve("escape")));
        assertFalse(Files.exists(home.resolve("volumes")));
        cwb.reset();
        assertEquals(dev.cwb.CwbException.UNSUPPORTED, cwb.run("volume", "create", "--driver", "nfs", "x1"));
        assertEquals(dev.cwb.CwbException.UNSUPPORTED, cwb.run("volume", "create", "-o", "type=tmpfs", "x1"));
        assertFalse(Files.exists(home.resolve("volumes/x1")));
    }
}
