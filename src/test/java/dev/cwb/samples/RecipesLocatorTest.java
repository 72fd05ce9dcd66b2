package dev.cwb.samples;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipesLocatorTest {
    @Test
    void cwbSamplesWinsAndAWrongValueIsAnErrorNotAFallback(@TempDir Path tmp) throws Exception {
        Path explicit = Files.createDirectories(tmp.resolve("mine"));
        Path project = Files.createDirectories(tmp.resolve("project/sample-images"));
        Path jar = tmp.resolve("project/target/cwb.jar");
        assertEquals(explicit, RecipesLocator.locate(Map.of("CWB_SAMPLES", explicit.toString()), jar, tmp));
        assertEquals(project, RecipesLocator.locate(Map.of(), jar, tmp));
        CwbException e = assertThrows(CwbException.class,
                () -> RecipesLocator.locate(Map.of("CWB_SAMPLES", tmp.resolve("nope").toString()), jar, tmp));
        assertTrue(e.getMessage().contains("CWB_SAMPLES="), e.getMessage());
    }

    @Test
    void fallsBackToTheCurrentDirectoryAndNamesEveryPlaceItLooked(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("elsewhere/target/cwb.jar");
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        CwbException e = assertThrows(CwbException.class, () -> RecipesLocator.locate(Map.of(), jar, cwd));
        assertTrue(e.getMessage().contains(tmp.resolve("elsewhere/sample-images").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(cwd.resolve("sample-images").toString()), e.getMessage());
        assertTrue(e.hint().contains("CWB_SAMPLES"), e.hint());
        Path here = Files.createDirectories(cwd.resolve("sample-images"));
        assertEquals(here, RecipesLocator.locate(Map.of(), jar, cwd));
    }
}
