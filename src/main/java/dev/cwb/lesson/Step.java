package dev.cwb.lesson;

import java.util.List;

/**
 * One step of a lesson: what to read, what to type, and how the workbench checks that it was done.
 *
 * @param line         where the step starts in its lesson file (for error messages)
 * @param text         the explanation, Markdown, with "look for" prose
 * @param commands     what to type, in order (none for a challenge: its commands are its hidden solution)
 * @param checks       check lines ({@code image-present busybox}), each already validated against the vocabulary
 * @param hints        the {@code hint:} lines, in order: tiers, shown one at a time by {@code :hint}
 * @param requires     programs (or {@code registry}) the step needs; when one is missing the step is optional
 * @param notes        {@code > instructor:} notes, shown only in demo mode
 * @param guards       {@code refuse-unless:} lines: checks that must pass before any of the step's commands
 *                     runs, because on a machine where they fail the command would really change the machine
 * @param refuseWhy    the {@code refuse-why:} text that says so (null when the step has no guards)
 * @param challenge    for a challenge step ({@code ### Challenge: ...}), its solution and wrong solutions; else null
 */
public record Step(int line, String title, String text, List<StepCommand> commands, List<CheckLine> checks,
                   List<String> hints, List<String> requires, List<String> notes, List<CheckLine> guards, String refuseWhy,
                   Challenge challenge) {

    /** A {@code check:} line: the check's name, its arguments (placeholders not yet expanded), and where it was written. */
    public record CheckLine(int line, String name, List<String> args) {
        public String source() {
            return name + (args.isEmpty() ? "" : " " + String.join(" ", args.stream().map(CheckLine::quoted).toList()));
        }

        private static String quoted(String arg) {
            return arg.isEmpty() || arg.chars().anyMatch(Character::isWhitespace) ? "'" + arg + "'" : arg;
        }
    }

    /**
     * What a challenge keeps from the learner: its {@code solution:} (commands, and prose shown with them on
     * {@code :solution}) and its {@code wrong:} solutions, plausible mistakes that {@code lessons verify} plays to
     * prove the checks reject them.
     */
    public record Challenge(int line, List<StepCommand> solution, String explanation, List<Wrong> wrongs) {
    }

    /** A {@code wrong: WHY} block: a plausible mistake, and the commands that make it. */
    public record Wrong(int line, String why, List<StepCommand> commands) {
    }

    public boolean isChallenge() {
        return challenge != null;
    }

    /** What playing the step types: its commands, or a challenge's solution. */
    public List<StepCommand> played() {
        return challenge != null ? challenge.solution() : commands;
    }

    /** Every hint tier in one line, for a teacher's report ({@code lessons verify}). */
    public String hint() {
        return String.join(" ", hints);
    }
}
