package dev.cwb.lesson.demo;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.lesson.Lesson;
import dev.cwb.lesson.LessonWorkspace;
import dev.cwb.lesson.Placeholders;
import dev.cwb.lesson.Step;
import dev.cwb.lesson.StepChecks;
import dev.cwb.lesson.StepCommand;
import dev.cwb.lesson.StepRunner;
import dev.cwb.lesson.StepText;
import dev.cwb.lesson.check.CheckContext;
import dev.cwb.lesson.check.CheckVocabulary;
import org.jline.keymap.BindingReader;
import org.jline.keymap.KeyMap;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A lesson on a projector. Each step gets a clean screen with its title, its text and the instructor's
 * notes; then each command is typed out at a readable pace and runs — for real — when the presenter
 * presses Enter, Space or PageDown (what a presentation clicker sends). PageUp or Backspace goes back a
 * step, q leaves. After the commands the step's checks show what the state now is.
 */
public final class DemoMode {
    /** What the presenter can ask for. */
    enum Key { NEXT, BACK, QUIT }

    /** Default typing pace: ~30 characters a second reads as a person typing. */
    public static final int DEFAULT_PACE_MS = 35;

    private final Workbench workbench;
    private final Terminal terminal;
    private final PrintWriter screen;
    private final int paceMillis;
    private final List<Integer> visited = new ArrayList<>();

    /** @param screen the terminal's writer (through a {@link RecordingWriter} when {@code :record} is on) */
    public DemoMode(Workbench workbench, Terminal terminal, PrintWriter screen, int paceMillis) {
        this.workbench = workbench;
        this.terminal = terminal;
        this.screen = screen;
        this.paceMillis = paceMillis;
    }

    /** The pace from {@code CWB_DEMO_PACE} (milliseconds per character), else the default. */
    public static int paceFromEnvironment() {
        String value = System.getenv("CWB_DEMO_PACE");
        try {
            return value == null || value.isBlank() ? DEFAULT_PACE_MS : Math.max(0, Integer.parseInt(value.strip()));
        } catch (NumberFormatException e) {
            return DEFAULT_PACE_MS;
        }
    }

    /** The steps shown, in order (0-based), as the presenter moved through them. */
    public List<Integer> visited() {
        return List.copyOf(visited);
    }

    public void play(Lesson lesson) {
        LessonWorkspace workspace = new LessonWorkspace(workbench);
        Placeholders placeholders = workspace.placeholders(lesson);
        StepRunner runner = new StepRunner(workbench);
        BindingReader keys = new BindingReader(terminal.reader());
        KeyMap<Key> keyMap = keyMap();
        Attributes saved = terminal.enterRawMode();
        // Ctrl-C must reach the key map as a key (it leaves the demo), not as SIGINT, which nothing here handles
        Attributes keysOnly = terminal.getAttributes();
        keysOnly.setLocalFlag(Attributes.LocalFlag.ISIG, false);
        terminal.setAttributes(keysOnly);
        try {
            title(lesson);
            if (read(keys, keyMap) == Key.QUIT) {
                return;
            }
            int i = 0;
            while (i < lesson.stepCount()) {
                Step step = lesson.step(i);
                visited.add(i);
                showStep(lesson, i, placeholders);
                Optional<CheckContext.LastCommand> last = Optional.empty();
                Key key = Key.NEXT;
                if (step.isChallenge()) {
                    // the room tries first: the solution is typed only after a key
                    screen.println(dim("(a challenge: the next key types its solution)"));
                    screen.flush();
                    key = read(keys, keyMap);
                }
                for (StepCommand command : key == Key.NEXT ? step.played() : List.<StepCommand>of()) {
                    StepCommand expanded = expand(command, placeholders);
                    if (expanded == null) {
                        break;
                    }
                    type(expanded.prompt() + expanded.text());
                    key = read(keys, keyMap);
                    if (key != Key.NEXT) {
                        break;
                    }
                    screen.print("\n");
                    screen.flush();
                    Optional<String> refused = new StepChecks(CheckVocabulary.standard()).refusal(step, placeholders, new CheckContext(workbench, last));
                    if (refused.isPresent()) {
                        screen.println(refused.get());
                        screen.flush();
                        last = Optional.of(new CheckContext.LastCommand(expanded.text(), 1, refused.get()));
                        break;
                    }
                    Attributes raw = terminal.getAttributes();
                    terminal.setAttributes(saved); // the command's output is processed as usual (LF → CR LF)
                    try {
                        last = Optional.of(runner.run(expanded, workspace.work(lesson), screen));
                    } finally {
                        terminal.setAttributes(raw);
                    }
                }
                if (key == Key.NEXT) {
                    showChecks(step, placeholders, last);
                    key = read(keys, keyMap);
                }
                if (key == Key.QUIT) {
                    return;
                }
                i = key == Key.BACK ? Math.max(0, i - 1) : i + 1;
            }
            clear();
            screen.println("End of lesson " + lesson.number() + ": " + lesson.title() + ".");
            if (!lesson.exercises().isBlank()) {
                screen.println();
                screen.println("Exercises");
                screen.println(render(placeholders.expandQuietly(lesson.exercises())));
            }
            screen.flush();
        } finally {
            terminal.setAttributes(saved);
        }
    }

    private StepCommand expand(StepCommand command, Placeholders placeholders) {
        try {
            return new StepCommand(command.kind(), placeholders.expand(command.text()));
        } catch (CwbException e) {
            screen.println("(cannot show this command: " + e.oneLine() + ")");
            screen.flush();
            return null;
        }
    }

    private void title(Lesson lesson) {
        clear();
        screen.println(bold("Lesson " + lesson.number() + ": " + lesson.title()));
        screen.println();
        screen.println(render(lesson.goal()));
        notes(lesson.notes());
        screen.println();
        screen.println("(Enter, Space or PageDown: next — PageUp or Backspace: back — q: leave)");
        screen.flush();
    }

    private void showStep(Lesson lesson, int i, Placeholders placeholders) {
        Step step = lesson.step(i);
        clear();
        screen.println(bold("Lesson " + lesson.number() + " · step " + (i + 1) + "/" + lesson.stepCount() + ": " + step.title()));
        screen.println();
        screen.println(render(placeholders.expandQuietly(step.text())));
        notes(step.notes());
        screen.println();
        screen.flush();
    }

    private void notes(List<String> notes) {
        for (String note : notes) {
            screen.println();
            screen.println(dim(render("Instructor: " + note)));
        }
    }

    private void showChecks(Step step, Placeholders placeholders, Optional<CheckContext.LastCommand> last) {
        List<StepChecks.Verdict> verdicts = new StepChecks(CheckVocabulary.standard()).evaluate(step, placeholders, new CheckContext(workbench, last));
        screen.println();
        for (StepChecks.Verdict v : verdicts) {
            screen.println((v.passed() ? "✓ " : "✗ ") + v.expectation() + (v.passed() ? "" : " — saw: " + v.result().saw()));
        }
        screen.flush();
    }

    /** Types {@code text} one character at a time, so the audience reads along. */
    private void type(String text) {
        for (int i = 0; i < text.length(); i++) {
            screen.print(text.charAt(i));
            screen.flush();
            if (paceMillis > 0) {
                try {
                    Thread.sleep(paceMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    private Key read(BindingReader keys, KeyMap<Key> keyMap) {
        Key key = keys.readBinding(keyMap);
        return key == null ? Key.QUIT : key; // end of input: leave, never spin
    }

    private KeyMap<Key> keyMap() {
        KeyMap<Key> map = new KeyMap<>();
        map.bind(Key.NEXT, "\r", "\n", " ", "\u001b[6~");
        map.bind(Key.BACK, "\u007f", "\b", "\u001b[5~");
        map.bind(Key.QUIT, "q", "Q", KeyMap.ctrl('C'), KeyMap.ctrl('D'));
        String pageDown = KeyMap.key(terminal, Capability.key_npage);
        String pageUp = KeyMap.key(terminal, Capability.key_ppage);
        if (pageDown != null && !pageDown.isEmpty()) {
            map.bind(Key.NEXT, pageDown);
        }
        if (pageUp != null && !pageUp.isEmpty()) {
            map.bind(Key.BACK, pageUp);
        }
        map.setAmbiguousTimeout(100);
        return map;
    }

    private void clear() {
        if (!Terminal.TYPE_DUMB.equals(terminal.getType()) && !terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
            screen.print("\u001b[H\u001b[2J"); // home + erase display, through the screen writer so a recording has it too
        } else {
            screen.println();
        }
        screen.flush();
    }

    /** Lesson Markdown at the projector's width. */
    private String render(String markdown) {
        return StepText.render(markdown, terminal.getWidth() > 0 ? terminal.getWidth() : 80, workbench.color());
    }

    private String bold(String text) {
        return workbench.color() ? "\u001b[1m" + text + "\u001b[0m" : text;
    }

    private String dim(String text) {
        return workbench.color() ? "\u001b[2;3m" + text + "\u001b[0m" : text;
    }
}
