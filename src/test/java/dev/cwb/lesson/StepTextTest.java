package dev.cwb.lesson;

import dev.cwb.lesson.check.CheckVocabulary;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lessons' Markdown as a terminal shows it: rendered, never literal, and inside the width. */
class StepTextTest {
    private static final Pattern LITERAL_EMPHASIS = Pattern.compile("(?<![\\w*`])\\*[A-Za-z][^*`]*[A-Za-z.]\\*(?![\\w*])");

    @Test
    void everyLessonRendersWithoutMarkupAndFitsEightyColumns() {
        Path dir = LessonsVerifyTest.repo().resolve("lessons");
        LessonLibrary library = LessonLibrary.open(dir, CheckVocabulary.standard());
        List<String> problems = new ArrayList<>();
        for (Lesson lesson : library.all()) {
            List<String> texts = new ArrayList<>(List.of(lesson.goal(), lesson.concept(), lesson.exercises(), lesson.documentation()));
            texts.addAll(lesson.notes());
            for (Step step : lesson.steps()) {
                texts.add(step.text());
                step.hints().forEach(h -> texts.add("Hint 1/3: " + h));
                if (step.isChallenge()) {
                    texts.add(step.challenge().explanation());
                }
                texts.addAll(step.notes());
            }
            for (boolean color : new boolean[] {false, true}) {
                for (String text : texts) {
                    for (String line : StepText.render(text, 80, color).split("\n")) {
                        String where = "lesson " + lesson.number() + (color ? " (colour)" : " (plain)") + ": " + line;
                        if (line.startsWith("    ")) {
                            continue; // a command or code line: shown whole, so that it can be typed as it is
                        }
                        if (StepText.visibleLength(line) > 80) {
                            problems.add("wider than 80 columns (" + StepText.visibleLength(line) + "): " + where);
                        }
                        String outsideCode = line.replaceAll("`[^`]*`", "").replaceAll("\u001b\\[36m.*?\u001b\\[0m", "");
                        if (outsideCode.contains("**") || LITERAL_EMPHASIS.matcher(outsideCode).find()) {
                            problems.add("literal emphasis: " + where);
                        }
                        if (line.strip().startsWith("|")) {
                            problems.add("a raw table row: " + where);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void emphasisStrongCodeAndLinks() {
        String md = "Some **strong** and *emphasis* and `code with *stars*` and [a link](https://example.org).";
        assertEquals("Some strong and emphasis and `code with *stars*` and a link (https://example.org).", StepText.render(md, 120, false));
        String colour = StepText.render(md, 120, true);
        assertTrue(colour.contains("\u001b[1mstrong\u001b[0m"), colour);
        assertTrue(colour.contains("\u001b[3memphasis\u001b[0m"), colour);
        assertTrue(colour.contains("\u001b[36mcode with *stars*\u001b[0m"), colour);
        assertFalse(StepText.render("a glob like /etc/* and 2 * 3 stays", 80, false).contains("/etc/ and"));
    }

    @Test
    void paragraphsAndListItemsWrapToTheWidthAndCodeBlocksAreIndentedFromTheirFirstLine() {
        String md = """
                A sentence that is long enough to need more than one line at a width of forty columns.

                - an item that also runs on past the width of forty columns
                - a second

                ```json
                {"first": 1,
                 "second": 2}
                ```
                """;
        String shown = StepText.render(md, 40, false);
        assertEquals("""
                A sentence that is long enough to need
                more than one line at a width of forty
                columns.

                  • an item that also runs on past the
                    width of forty columns
                  • a second

                    {"first": 1,
                     "second": 2}""", shown);
    }

    @Test
    void aTableFitsItsColumnsOrFallsBackToOneLinePerCell() {
        String md = """
                | | v1 | v2 |
                |---|---|---|
                | memory limit | `memory.limit_in_bytes` | `memory.max` |
                | layout | one tree per controller, each in its own directory | one tree |
                """;
        String wide = StepText.render(md, 80, false);
        assertTrue(wide.startsWith("                v1"), wide);
        assertTrue(wide.contains("memory limit  `memory.limit_in_bytes`"), wide);
        assertTrue(wide.lines().allMatch(l -> l.length() <= 80), wide);
        String narrow = StepText.render(md, 50, false);
        assertTrue(narrow.lines().allMatch(l -> l.length() <= 50), narrow);
        assertTrue(narrow.lines().count() > wide.lines().count(), "cells wrap inside their columns:\n" + narrow);
        String tiny = StepText.render(md, 24, false);
        assertTrue(tiny.startsWith("  • memory limit\n    v1:"), "too narrow for columns: a block per row:\n" + tiny);
    }
}
