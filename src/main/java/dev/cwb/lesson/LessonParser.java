package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.lesson.check.CheckVocabulary;
import dev.cwb.cli.LineSplitter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Reads a lesson file: Markdown a teacher writes, with a small structured part (docs/teachers.md).
 *
 * <pre>
 * ---                       front matter: id, title, needs, images, creates-images, unpacks, containers, volumes
 * ## Goal / ## Concept      prose
 * ## Steps
 * ### Title                 one step: prose, ```cwb or ```sh blocks, check:, hint: (tiers), requires: lines
 * ### Challenge: Title      a goal and its checks, no commands; then solution: and wrong: WHY, each with blocks
 * ## Relevant documentation / ## Exercises
 * &gt; instructor: ...         notes shown only in demo mode
 * </pre>
 *
 * Every mistake is reported as one line naming the file and the line, before anything is shown to a learner.
 */
public final class LessonParser {
    static final List<String> SECTIONS = List.of("goal", "concept", "steps", "relevant documentation", "exercises");
    private static final List<String> KEYS = List.of("id", "title", "needs", "images", "creates-images", "unpacks", "containers", "volumes");
    private static final String INSTRUCTOR = "> instructor:";
    /** A step titled so ({@code ### 9. Challenge: ...}) states a goal and hides its commands in {@code solution:}. */
    static final java.util.regex.Pattern CHALLENGE = java.util.regex.Pattern.compile("(?i)^challenge\\b.*");

    private final CheckVocabulary vocabulary;
    private Path file;
    private String name;

    public LessonParser(CheckVocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    public Lesson parse(Path file) {
        try {
            return parse(file, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read lesson file " + file + ": " + CwbException.reason(e), "check that it exists and is readable", e);
        }
    }

    public Lesson parse(Path file, String content) {
        this.file = file;
        this.name = file.toString();
        List<String> lines = Arrays.asList(content.replace("\r\n", "\n").split("\n", -1));
        if (lines.isEmpty() || !lines.get(0).strip().equals("---")) {
            throw error(1, "a lesson starts with front matter: a line '---', then 'id: N' and 'title: ...', then '---'");
        }
        Map<String, String> front = new LinkedHashMap<>();
        int i = 1;
        for (; i < lines.size() && !lines.get(i).strip().equals("---"); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String key = colon < 0 ? line.strip() : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (colon < 0 || !KEYS.contains(key)) {
                throw error(i + 1, "unknown front matter line '" + line.strip() + "' — the keys are " + String.join(", ", KEYS));
            }
            if (front.put(key, line.substring(colon + 1).replaceFirst("\\s+#.*$", "").strip()) != null) {
                throw error(i + 1, "'" + key + "' is given twice");
            }
        }
        if (i >= lines.size()) {
            throw error(1, "the front matter is not closed — add a line '---' after the last key");
        }
        int bodyStart = i + 1;
        return body(front, lines, bodyStart);
    }

    private Lesson body(Map<String, String> front, List<String> lines, int start) {
        int number = number(front.get("id"), start);
        String title = front.getOrDefault("title", "");
        if (title.isBlank()) {
            throw error(1, "the front matter has no 'title:'");
        }
        String needs = front.getOrDefault("needs", "none");
        if (!needs.equals("none") && !needs.equals("root")) {
            throw error(1, "'needs: " + needs + "' — write 'needs: none' or 'needs: root'");
        }
        Map<String, StringBuilder> sections = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        String section = null;
        StepBuilder step = null;
        for (int i = start; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineNumber = i + 1;
            if (line.startsWith("## ")) {
                step = finish(step, steps);
                section = line.substring(3).strip().toLowerCase(Locale.ROOT);
                if (!SECTIONS.contains(section)) {
                    throw error(lineNumber, "unknown section '" + line.strip() + "' — the sections are: "
                            + String.join(", ", SECTIONS.stream().map(s -> "## " + capitalised(s)).toList()));
                }
                if (sections.containsKey(section)) {
                    throw error(lineNumber, "section '" + line.strip() + "' appears twice");
                }
                sections.put(section, new StringBuilder());
                continue;
            }
            if (line.startsWith("# ") && section == null) {
                continue; // the title repeated as a heading, for readers of the Markdown
            }
            if ("steps".equals(section) && line.startsWith("### ")) {
                step = finish(step, steps);
                step = new StepBuilder(lineNumber, line.substring(4).strip().replaceFirst("^\\d+\\.\\s*", ""));
                continue;
            }
            if (line.startsWith("```")) {
                int end = closingFence(lines, i);
                List<String> block = lines.subList(i + 1, end);
                String language = line.substring(3).strip();
                if (step != null && (language.equals("cwb") || language.equals("sh"))) {
                    StepCommand.Kind kind = language.equals("cwb") ? StepCommand.Kind.WORKBENCH : StepCommand.Kind.HOST;
                    if (step.challenge && step.mode == Mode.TEXT) {
                        throw error(lineNumber, "challenge '" + step.title + "' shows a ```" + language + " block — a challenge states the goal only:"
                                + " put its commands under a 'solution:' line (the learner sees them only on ':solution')");
                    }
                    List<StepCommand> into = step.mode == Mode.SOLUTION ? step.solution
                            : step.mode == Mode.WRONG ? step.wrongs.get(step.wrongs.size() - 1).commands : step.commands;
                    for (int j = 0; j < block.size(); j++) {
                        String command = block.get(j).strip();
                        if (!command.isEmpty() && !command.startsWith("#")) {
                            placeholders(command, i + 2 + j);
                            into.add(new StepCommand(kind, command));
                        }
                    }
                } else if (language.equals("cwb") || language.equals("sh")) {
                    throw error(lineNumber, "a ```" + language + " block outside a step — commands to type belong in a step (### under ## Steps)");
                }
                StringBuilder target = step != null ? step.prose() : section == null ? null : sections.get(section);
                boolean commandBlock = language.equals("cwb") || language.equals("sh");
                if (target != null && (step == null || step.mode == Mode.TEXT || step.mode == Mode.SOLUTION && !commandBlock)) {
                    target.append(String.join("\n", lines.subList(i, end + 1))).append('\n');
                }
                i = end;
                continue;
            }
            if (line.startsWith(INSTRUCTOR)) {
                StringBuilder note = new StringBuilder(line.substring(INSTRUCTOR.length()).strip());
                while (i + 1 < lines.size() && lines.get(i + 1).startsWith(">")) {
                    note.append(' ').append(lines.get(++i).substring(1).strip());
                }
                (step != null ? step.notes : notes).add(note.toString().strip());
                continue;
            }
            if (step != null && directive(step, line, lineNumber)) {
                continue;
            }
            if (section == null) {
                if (!line.isBlank()) {
                    throw error(lineNumber, "text before the first section — start with '## Goal'");
                }
                continue;
            }
            if (section.equals("steps") && step == null && !line.isBlank()) {
                sections.get(section).append(line).append('\n');
                continue;
            }
            (step != null ? step.prose() : sections.get(section)).append(line).append('\n');
        }
        finish(step, steps);
        for (String required : List.of("goal", "steps")) {
            if (!sections.containsKey(required)) {
                throw error(start, "the lesson has no '## " + capitalised(required) + "' section");
            }
        }
        if (steps.isEmpty()) {
            throw error(start, "'## Steps' has no steps — each step starts with a '### Title' line");
        }
        return new Lesson(file, number, title, needs.equals("root"), words(front.get("images")), words(front.get("creates-images")),
                words(front.get("unpacks")), containerNames(front.get("containers")), text(sections, "goal"), text(sections, "concept"),
                List.copyOf(steps), text(sections, "relevant documentation"), text(sections, "exercises"), List.copyOf(notes),
                volumeNames(front.get("volumes")));
    }

    /**
     * Handles a {@code check:}, {@code refuse-unless:}, {@code refuse-why:}, {@code hint:}, {@code requires:},
     * {@code solution:} or {@code wrong:} line; false when the line is prose.
     */
    private boolean directive(StepBuilder step, String line, int lineNumber) {
        if (line.startsWith("check:")) {
            step.checks.add(checkLine("check:", line, lineNumber));
            return true;
        }
        if (line.startsWith("refuse-unless:")) {
            step.guards.add(checkLine("refuse-unless:", line, lineNumber));
            return true;
        }
        if (line.startsWith("refuse-why:")) {
            step.refuseWhy = (step.refuseWhy == null ? "" : step.refuseWhy + " ") + line.substring(11).strip();
            return true;
        }
        if (line.startsWith("hint:")) {
            String hint = line.substring(5).strip();
            if (hint.isEmpty()) {
                throw error(lineNumber, "'hint:' with nothing after it — each hint: line is one tier, shown by one ':hint'");
            }
            step.hints.add(hint);
            return true;
        }
        if (line.strip().equals("solution:") || line.startsWith("solution:")) {
            if (!line.strip().equals("solution:")) {
                throw error(lineNumber, "write 'solution:' on a line of its own, then the solution's ```cwb or ```sh blocks");
            }
            if (!step.challenge) {
                throw error(lineNumber, "'solution:' in step '" + step.title + "', which is no challenge — title it '### Challenge: ...'"
                        + " (an ordinary step shows its commands)");
            }
            if (step.solutionLine > 0) {
                throw error(lineNumber, "a second 'solution:' in challenge '" + step.title + "' (the first is on line " + step.solutionLine + ")");
            }
            step.solutionLine = lineNumber;
            step.mode = Mode.SOLUTION;
            return true;
        }
        if (line.startsWith("wrong:")) {
            String why = line.substring(6).strip();
            if (!step.challenge) {
                throw error(lineNumber, "'wrong:' in step '" + step.title + "', which is no challenge — title it '### Challenge: ...'");
            }
            if (why.isEmpty()) {
                throw error(lineNumber, "'wrong:' with nothing after it — say which mistake it plays, e.g. 'wrong: hostname before unshare uts'");
            }
            step.wrongs.add(new WrongBuilder(lineNumber, why));
            step.mode = Mode.WRONG;
            return true;
        }
        if (line.startsWith("requires:")) {
            step.requires.addAll(words(line.substring(9)));
            return true;
        }
        return false;
    }

    /** A {@code check:} or {@code refuse-unless:} line: a check of the vocabulary with its arguments. */
    private Step.CheckLine checkLine(String directive, String line, int lineNumber) {
        List<String> words;
        try {
            words = LineSplitter.split(line.substring(directive.length()).strip());
        } catch (IllegalArgumentException e) {
            throw error(lineNumber, e.getMessage());
        }
        if (words.isEmpty()) {
            throw error(lineNumber, "'" + directive + "' with nothing after it — e.g. '" + directive + " image-present busybox'");
        }
        String problem = vocabulary.problemWith(words.get(0), words.size() - 1);
        if (problem != null) {
            throw error(lineNumber, problem);
        }
        for (String arg : words.subList(1, words.size())) {
            placeholders(arg, lineNumber);
        }
        return new Step.CheckLine(lineNumber, words.get(0), List.copyOf(words.subList(1, words.size())));
    }

    private Step finishStep(StepBuilder b) {
        if (b.checks.isEmpty()) {
            throw error(b.line, (b.challenge ? "challenge '" : "step '") + b.title + "' has no 'check:' line — every step needs at least one,"
                    + " so progress rests on what is really there");
        }
        if (b.hints.isEmpty()) {
            throw error(b.line, "step '" + b.title + "' has no 'hint:' line — say what to try when the check fails");
        }
        if (b.title.isBlank()) {
            throw error(b.line, "a step without a title — write '### What this step does'");
        }
        if (!b.guards.isEmpty() && (b.refuseWhy == null || b.refuseWhy.isBlank())) {
            throw error(b.guards.get(0).line(), "'refuse-unless:' without a 'refuse-why:' line — say what the step's command would do "
                    + "to this machine if it ran");
        }
        if (b.guards.isEmpty() && b.refuseWhy != null) {
            throw error(b.line, "step '" + b.title + "' has a 'refuse-why:' line but no 'refuse-unless:' check");
        }
        Step.Challenge challenge = null;
        if (b.challenge) {
            if (b.solution.isEmpty()) {
                throw error(b.solutionLine > 0 ? b.solutionLine : b.line, "challenge '" + b.title + "' has no solution — add a line 'solution:' and"
                        + " under it the ```cwb or ```sh blocks that solve it ('lessons verify' plays them to prove the challenge can be done)");
            }
            if (b.wrongs.isEmpty()) {
                throw error(b.line, "challenge '" + b.title + "' has no 'wrong:' block — add at least one plausible wrong solution"
                        + " ('wrong: WHY', then its blocks): 'lessons verify' plays it and proves the checks reject it");
            }
            List<Step.Wrong> wrongs = new ArrayList<>();
            for (WrongBuilder w : b.wrongs) {
                if (w.commands.isEmpty()) {
                    throw error(w.line, "'wrong: " + w.why + "' has no ```cwb or ```sh block — the commands of the mistake it plays");
                }
                wrongs.add(new Step.Wrong(w.line, w.why, List.copyOf(w.commands)));
            }
            challenge = new Step.Challenge(b.solutionLine, List.copyOf(b.solution), b.explanation.toString().strip(), List.copyOf(wrongs));
        }
        return new Step(b.line, b.title, b.text.toString().strip(), List.copyOf(b.commands), List.copyOf(b.checks), List.copyOf(b.hints),
                List.copyOf(b.requires), List.copyOf(b.notes), List.copyOf(b.guards), b.refuseWhy, challenge);
    }

    private StepBuilder finish(StepBuilder step, List<Step> steps) {
        if (step != null) {
            steps.add(finishStep(step));
        }
        return null;
    }

    private int closingFence(List<String> lines, int open) {
        for (int j = open + 1; j < lines.size(); j++) {
            if (lines.get(j).strip().equals("```")) {
                return j;
            }
        }
        throw error(open + 1, "this ``` block is never closed — add a line ``` after its last line");
    }

    /** Refuses a misspelt placeholder in a command or check, where it would otherwise be typed literally. */
    private void placeholders(String text, int lineNumber) {
        Matcher m = Placeholders.PATTERN.matcher(text);
        while (m.find()) {
            String problem = Placeholders.problemWith(m.group(1), m.group(2));
            if (problem != null) {
                throw error(lineNumber, problem);
            }
        }
    }

    private int number(String id, int line) {
        if (id == null) {
            throw error(1, "the front matter has no 'id:' — the lesson's number, e.g. 'id: 3'");
        }
        try {
            int n = Integer.parseInt(id);
            if (n < 1 || n > 999) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw error(2, "'id: " + id + "' is not a lesson number from 1 to 999");
        }
    }

    /** Container names as {@code new} and {@code run --name} accept them, so a typo is caught here. */
    private List<String> containerNames(String value) {
        List<String> names = words(value);
        for (String n : names) {
            try {
                dev.cwb.container.Containers.checkName(n);
            } catch (CwbException e) {
                throw error(1, "'containers: " + value.strip() + "' — " + e.getMessage());
            }
        }
        return names;
    }

    /** Volume names as {@code volume create} accepts them. */
    private List<String> volumeNames(String value) {
        List<String> names = words(value);
        for (String n : names) {
            try {
                dev.cwb.volume.Volumes.checkName(n);
            } catch (CwbException e) {
                throw error(1, "'volumes: " + value.strip() + "' — " + e.getMessage());
            }
        }
        return names;
    }

    private static List<String> words(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return List.of(value.strip().split("[\\s,]+"));
    }

    private static String text(Map<String, StringBuilder> sections, String key) {
        StringBuilder b = sections.get(key);
        return b == null ? "" : b.toString().strip();
    }

    private static String capitalised(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private CwbException error(int line, String message) {
        return CwbException.badInput(name + " line " + line + ": " + message, "fix the lesson file (the format is in docs/teachers.md)");
    }

    /** Where a step's lines go: its text, its hidden solution, or its latest wrong solution. */
    private enum Mode { TEXT, SOLUTION, WRONG }

    private static final class StepBuilder {
        final int line;
        final String title;
        final boolean challenge;
        final StringBuilder text = new StringBuilder();
        final List<StepCommand> commands = new ArrayList<>();
        final List<Step.CheckLine> checks = new ArrayList<>();
        final List<Step.CheckLine> guards = new ArrayList<>();
        final List<String> requires = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final List<String> hints = new ArrayList<>();
        final List<StepCommand> solution = new ArrayList<>();
        final StringBuilder explanation = new StringBuilder();
        final List<WrongBuilder> wrongs = new ArrayList<>();
        Mode mode = Mode.TEXT;
        int solutionLine;
        String refuseWhy;

        StepBuilder(int line, String title) {
            this.line = line;
            this.title = title;
            this.challenge = CHALLENGE.matcher(title).matches();
        }

        /** Where a prose line goes: the step's text, the solution's explanation, or nowhere (a wrong solution's). */
        StringBuilder prose() {
            return switch (mode) {
                case TEXT -> text;
                case SOLUTION -> explanation;
                case WRONG -> new StringBuilder(); // a wrong solution is played, never shown: its prose is for the file's reader
            };
        }
    }

    private static final class WrongBuilder {
        final int line;
        final String why;
        final List<StepCommand> commands = new ArrayList<>();

        WrongBuilder(int line, String why) {
            this.line = line;
            this.why = why;
        }
    }
}
