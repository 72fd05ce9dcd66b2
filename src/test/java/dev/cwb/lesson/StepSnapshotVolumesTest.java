package dev.cwb.lesson;

import dev.cwb.cli.CommandHarness;
import dev.cwb.volume.Volumes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code :undo} and a challenge's wrong solutions take back the volumes a step made, and only those. */
class StepSnapshotVolumesTest {
    @TempDir
    Path home;

    @Test
    void aVolumeMadeSinceTheSnapshotIsTakenBackOneThereBeforeStays() throws Exception {
        CommandHarness cwb = new CommandHarness(home);
        Volumes store = new Volumes(cwb.workbench().home());
        store.create("before15", Map.of());
        Path work = Files.createDirectories(home.resolve("lessons/work/15"));
        StepSnapshot snapshot = StepSnapshot.take(cwb.workbench(), work);
        store.create("made15", Map.of());
        Files.writeString(store.data("before15").resolve("written"), "by the step\n");
        List<String> report = snapshot.takeBack(cwb.workbench(), work);
        assertEquals(List.of("removed volume made15"), report);
        assertFalse(store.find("made15").isPresent());
        assertTrue(store.find("before15").isPresent());
    }
}
