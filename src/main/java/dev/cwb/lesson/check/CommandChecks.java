package dev.cwb.lesson.check;

import java.util.Locale;

/**
 * Checks on the last command run in the current step. They are a supplement to the state checks: the
 * output of {@code inspect} or {@code history} is the only trace a read-only step leaves. Each step starts
 * with no last command, so a step that was skipped fails them.
 */
public final class CommandChecks {
    private CommandChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("last-exit CODE", "the last command of this step exited with CODE (0 = success)", 1, 1,
                a -> new LastExit(ImageChecks.number(a.get(0))));
        v.define("output-contains TEXT", "the last command of this step printed TEXT (case is ignored)", 1, 1, a -> new OutputContains(a.get(0)));
    }

    static final String NOTHING_RUN = "no command has run in this step yet";

    record LastExit(int code) implements Check {
        public String expectation() {
            return "the last command exits with " + code;
        }

        public CheckResult evaluate(CheckContext context) {
            return context.lastCommand()
                    .map(c -> CheckResult.of(c.exitCode() == code, "'" + c.line() + "' exited with " + c.exitCode()))
                    .orElse(CheckResult.fail(NOTHING_RUN));
        }
    }

    record OutputContains(String text) implements Check {
        public String expectation() {
            return "the last command prints \"" + text + "\"";
        }

        public CheckResult evaluate(CheckContext context) {
            return context.lastCommand().map(this::look).orElse(CheckResult.fail(NOTHING_RUN));
        }

        private CheckResult look(CheckContext.LastCommand c) {
            long lines = c.output().lines().count();
            String said = "'" + c.line() + "' printed " + lines + (lines == 1 ? " line" : " lines");
            if (c.output().toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT))) {
                return CheckResult.pass(said + " including it");
            }
            // what it did print, so the learner sees how far off it is: the line itself when there is one, else the last
            String shown = c.output().lines().filter(l -> !l.isBlank()).reduce((first, second) -> second).orElse("");
            if (shown.length() > 100) {
                shown = shown.substring(0, 100) + "…";
            }
            return CheckResult.fail(said + " without it" + (shown.isEmpty() ? "" : lines == 1 ? ": " + shown : ", the last: " + shown)
                    + (c.exitCode() != 0 ? " (exit code " + c.exitCode() + ")" : ""));
        }
    }
}
