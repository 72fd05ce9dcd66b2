package dev.cwb.lesson;

import java.util.List;

/**
 * One step of a lesson: what to read, what to type, and how the workbench checks that it was done.
 *
 * @param line         where the step starts in its lesson file (for error messages)
 * @param text         the explanation, Markdown, with "look for" prose
 * @param commands     what to type, in order
 * @param checks       check lines ({@code image-present busybox}), each already validated against the vocabulary
 * @param hint         what to try when a check fails
 * @param requires     programs (or {@code registry}) the step needs; when one is missing the step is optional
 * @param notes        {@code > instructor:} notes, shown only in demo mode
 * @param guards       {@code refuse-unless:} lines: checks that must pass before any of the step's commands
 *                     runs, because on a machine where they fail the command would really change the machine
 * @param refuseWhy    the {@code refuse-why:} text that says so (null when the step has no guards)
 */
public record Step(int line, String title, String text, List<StepCommand> commands, List<CheckLine> checks,
                   String hint, List<String> requires, List<String> notes, List<CheckLine> guards, String refuseWhy) {

    /** A {@code check:} line: the check's name, its arguments (placeholders not yet expanded), and where it was written. */
    public record CheckLine(int line, String name, List<String> args) {
        public String source() {
            return name + (args.isEmpty() ? "" : " " + String.join(" ", args.stream().map(CheckLine::quoted).toList()));
        }

        private static String quoted(String arg) {
            return arg.isEmpty() || arg.chars().anyMatch(Character::isWhitespace) ? "'" + arg + "'" : arg;
        }
    }
}
