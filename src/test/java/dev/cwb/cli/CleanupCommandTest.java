package dev.cwb.cli;

import dev.cwb.image.MediaTypes;
import dev.cwb.image.StoreTransaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CleanupCommandTest {
    @TempDir
    Path home;

    @Test
    void removesWhatAKilledSessionLeftButNotWorkInProgress() throws IOException {
        CommandHarness cwb = new CommandHarness(home);
        // a load killed mid-way: a staging directory nobody holds any more
        Path killed = Files.createDirectories(home.resolve("images/ingest/dead-load"));
        Files.write(killed.resolve("blob-0"), new byte[1234]);
        Path halfLayer = Files.createDirectories(home.resolve("layers/.tmp-dead/fs/etc"));
        Files.writeString(halfLayer.resolve("passwd"), "root:x:0:0\n");
        Path finishedLayer = Files.createDirectories(home.resolve("layers/" + "a".repeat(64) + "/fs"));
        try (StoreTransaction live = cwb.workbench().images().begin()) {
            live.putBlob(MediaTypes.OCI_LAYER, new byte[10], "live blob");
            assertEquals(0, cwb.run("cleanup"));
            assertTrue(cwb.out().contains("Removed " + killed), cwb.out());
            assertTrue(cwb.out().contains("Removed " + home.resolve("layers/.tmp-dead")), cwb.out());
            assertFalse(Files.exists(killed));
            assertFalse(Files.exists(home.resolve("layers/.tmp-dead")));
            assertTrue(Files.exists(finishedLayer), "a finished layer is not a leftover");
            try (var s = Files.list(home.resolve("images/ingest"))) {
                assertEquals(1, s.count(), "the live transaction's staging directory stays");
            }
        }
        cwb.reset();
        assertEquals(0, cwb.run("cleanup"));
        // cgroups are one tree per machine: another workbench's may be listed as left alone, but nothing is removed
        assertTrue(cwb.out().contains("Nothing to clean up in " + home), cwb.out());
        assertFalse(cwb.out().contains("Removed"), cwb.out());
    }

    @Test
    void findsAFlatUnpackAKilledSessionLeftOutsideTheHome(@TempDir Path elsewhere) throws IOException {
        CommandHarness cwb = new CommandHarness(home);
        Path orphan = Files.createDirectories(elsewhere.resolve(".rootfs.cwb-1234/etc"));
        // what a killed 'unpack --flat' leaves: its note in pending/, no longer locked by anyone
        Files.createDirectories(home.resolve("pending"));
        Files.writeString(home.resolve("pending/note-1"), orphan.getParent().toString());
        Path halfSaved = Files.writeString(elsewhere.resolve(".image.tar.1234.tmp"), "half a tar");
        Files.writeString(home.resolve("pending/note-2"), halfSaved.toString());
        Path live = Files.createDirectories(elsewhere.resolve(".live.cwb-5678"));
        try (dev.cwb.cleanup.PendingWork held = dev.cwb.cleanup.PendingWork.register(home.resolve("pending"), live)) {
            assertEquals(0, cwb.run("cleanup", "--dry-run"));
            assertTrue(cwb.out().contains("Would remove " + orphan.getParent()), cwb.out());
            assertTrue(Files.exists(orphan), "a dry run removes nothing");
            cwb.reset();
            assertEquals(0, cwb.run("cleanup"));
            assertFalse(Files.exists(orphan.getParent()));
            assertFalse(Files.exists(halfSaved), "an unfinished save's temporary file is found too");
            assertFalse(Files.exists(home.resolve("pending/note-1")));
            assertTrue(Files.exists(live), "work a live session still holds stays");
        }
    }
}
