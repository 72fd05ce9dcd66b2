package dev.cwb.lesson.check;

import dev.cwb.Workbench;

import java.util.Optional;

/**
 * What a check may look at: the workbench (its home, image store and layer cache) and the last command run
 * in the current step, if any (for {@code last-exit} and {@code output-contains}).
 */
public record CheckContext(Workbench workbench, Optional<LastCommand> lastCommand) {

    /** The last command of the step: what was typed, its exit code and what it printed. */
    public record LastCommand(String line, int exitCode, String output) {
    }
}
