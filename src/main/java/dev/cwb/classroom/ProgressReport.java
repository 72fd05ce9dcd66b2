package dev.cwb.classroom;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * What a student's workbench tells the class server: a snapshot of one lesson, every step's state and
 * hints used, and the step the student is on. A snapshot, not an event: sending it twice, late, or after
 * the server restarted changes nothing but the freshness of the row, so the student's side can simply
 * resend the latest one until it is taken.
 *
 * @param name    the student's name as they gave it to {@code class join} (shown as text, never as markup)
 * @param lesson  the lesson's number
 * @param title   the lesson's title
 * @param current the 0-based step the student is on
 * @param steps   one entry per step of the lesson
 */
public record ProgressReport(@JsonProperty("name") String name,
                             @JsonProperty("lesson") int lesson,
                             @JsonProperty("title") String title,
                             @JsonProperty("current") int current,
                             @JsonProperty("steps") List<Step> steps) {
    /** Longest name kept; a longer one is refused (a name is for a grid cell, not a message). */
    public static final int MAX_NAME = 40;
    /** More steps than any lesson has; a report with more is refused. */
    public static final int MAX_STEPS = 100;
    public static final int MAX_TITLE = 120;

    /** One step: its state (a {@link StepState#wire} name) and how many of its hints were shown. */
    public record Step(@JsonProperty("state") String state, @JsonProperty("hints") int hints) {
        @JsonCreator
        public Step {
        }

        public StepState stateOrNull() {
            return StepState.ofWire(state);
        }
    }

    @JsonCreator
    public ProgressReport {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    /** Why this report cannot be taken, or null when it can. Every field a client sends is checked here. */
    public String problem() {
        if (name == null || name.isBlank()) {
            return "the report has no student name";
        }
        if (name.length() > MAX_NAME) {
            return "the student name is longer than " + MAX_NAME + " characters";
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            return "the student name holds a control character";
        }
        if (title != null && (title.length() > MAX_TITLE || title.chars().anyMatch(Character::isISOControl))) {
            return "the lesson title is too long or holds a control character";
        }
        if (lesson < 0 || lesson > 999) {
            return "the lesson number " + lesson + " is out of range";
        }
        if (steps.isEmpty() || steps.size() > MAX_STEPS) {
            return "a lesson report needs 1 to " + MAX_STEPS + " steps, not " + steps.size();
        }
        if (current < 0 || current >= steps.size()) {
            return "the current step " + current + " is not one of the lesson's " + steps.size();
        }
        for (Step s : steps) {
            if (s == null || s.stateOrNull() == null) {
                return "a step has an unknown state" + (s == null ? "" : " '" + s.state() + "'");
            }
            if (s.hints() < 0 || s.hints() > 99) {
                return "a step's hint count is out of range";
            }
        }
        return null;
    }

    public int passed() {
        return (int) steps.stream().map(Step::stateOrNull)
                .filter(s -> s == StepState.PASSED || s == StepState.SOLUTION_SHOWN).count();
    }

    public int hints() {
        return steps.stream().mapToInt(Step::hints).sum();
    }

    public int solutionsShown() {
        return (int) steps.stream().filter(s -> s.stateOrNull() == StepState.SOLUTION_SHOWN).count();
    }
}
