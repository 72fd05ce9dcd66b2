package dev.cwb.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command table names each command as its own {@code @Command} does, once. */
class CommandNamesTest {
    @Test
    void eachNameInTheTableIsTheNameItsCommandAnnotationGives() {
        Set<String> names = new HashSet<>();
        for (Commands.Named c : Commands.COMMANDS) {
            assertEquals(c.type.getAnnotation(Command.class).name(), c.name, c.type.getSimpleName());
            assertTrue(names.add(c.name), "listed twice: " + c.name);
        }
    }
}
