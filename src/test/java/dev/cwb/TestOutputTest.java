package dev.cwb;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The test run's own output stays readable: JUnit's note for each symbolic link a @TempDir cleanup deletes is off. */
class TestOutputTest {
    @Test
    void tempDirectoryLinkWarningsAreQuiet() {
        String name = "org.junit.jupiter.engine.extension.TempDirectory$CloseablePath";
        assertEquals("SEVERE", LogManager.getLogManager().getProperty(name + ".level"),
                "surefire's argLine loads src/test/resources/logging.properties");
        assertFalse(Logger.getLogger(name).isLoggable(Level.WARNING));
    }
}
