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
            return context.lastCommand()
                    .map(c -> CheckResult.of(c.output().toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT)),
                            "'" + c.line() + "' printed " + c.output().lines().count() + " lines"
                                    + (c.output().toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT)) ? " including it" : " without it")))
                    .orElse(CheckResult.fail(NOTHING_RUN));
        }
    }
}
