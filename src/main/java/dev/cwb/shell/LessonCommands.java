package dev.cwb.shell;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.lesson.Lesson;
import dev.cwb.lesson.LessonSession;
import dev.cwb.lesson.demo.DemoMode;
import dev.cwb.lesson.demo.RecordingWriter;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;

import java.io.PrintWriter;
import java.nio.file.Path;

/** The lesson meta-commands of the shell: {@code :lessons}, {@code :lesson N}, {@code :solution}, {@code :demo N}, {@code :record FILE}... */
final class LessonCommands {
    private final Workbench workbench;
    private final Terminal terminal;
    private final LessonSession session;
    private final RecordingWriter recording;
    private final PrintWriter screen;

    LessonCommands(Workbench workbench, Terminal terminal, LessonSession session, RecordingWriter recording, PrintWriter screen) {
        this.workbench = workbench;
        this.terminal = terminal;
        this.session = session;
        this.recording = recording;
        this.screen = screen;
    }

    void run(MetaCommand meta, String argument) {
        switch (meta) {
            case LESSONS -> session.list(screen);
            case LESSON -> session.start(number(argument, ":lesson N"), screen);
            case NEXT -> session.next(screen);
            case BACK -> session.back(screen);
            case HINT -> session.hint(screen);
            case CHECK -> session.check(screen);
            case RUN -> session.run(argument, screen);
            case SOLUTION -> session.solution(screen, this::confirm);
            case UNDO -> session.undo(screen);
            case RESET -> session.reset(screen);
            case DEMO -> demo(argument);
            case RECORD -> record(argument);
            default -> throw new IllegalArgumentException(meta.name());
        }
    }

    /** {@code :demo N [PACE_MS]}. */
    private void demo(String argument) {
        String[] words = argument.isBlank() ? new String[0] : argument.strip().split("\\s+");
        int number = number(words.length > 0 ? words[0] : "", ":demo N [MILLISECONDS_PER_CHARACTER]");
        int pace = words.length > 1 ? number(words[1], ":demo N [MILLISECONDS_PER_CHARACTER]") : DemoMode.paceFromEnvironment();
        Lesson lesson = session.library().get(number);
        if (session.resetForDemo(lesson, screen, this::confirm)) {
            new DemoMode(workbench, terminal, screen, pace).play(lesson);
        }
    }

    /** Asks a yes/no question; one key answers it (y or Y is yes, anything else no). */
    private boolean confirm(String question) {
        return askYesNo(terminal, screen, question);
    }

    /** The same on any terminal and screen: for a command's question too ({@link dev.cwb.Workbench#confirm}). */
    static boolean askYesNo(Terminal terminal, java.io.PrintWriter screen, String question) {
        screen.print(question + " [y/N] ");
        screen.flush();
        Attributes saved = terminal.enterRawMode();
        try {
            int key;
            do { // in slices, so that a Ctrl-C (SIGINT still reaches the shell: an interrupt of a command's thread) ends the wait
                if (Thread.currentThread().isInterrupted()) {
                    screen.println();
                    return false;
                }
                key = terminal.reader().read(100);
            } while (key == org.jline.utils.NonBlockingReader.READ_EXPIRED);
            boolean yes = key == 'y' || key == 'Y';
            screen.println(yes ? "y" : "n");
            return yes;
        } catch (java.io.IOException e) {
            return false;
        } finally {
            terminal.setAttributes(saved);
            screen.flush();
        }
    }

    private void record(String argument) {
        if (argument.isBlank()) {
            Path file = recording.stopRecording();
            screen.println(file == null ? "No recording is running. ':record FILE' starts one." : "Recording saved to " + file + " — play it with 'asciinema play " + file + "'.");
            return;
        }
        Path file = Path.of(argument.strip()).toAbsolutePath();
        recording.startRecording(file, terminal.getWidth() > 0 ? terminal.getWidth() : 80, terminal.getHeight() > 0 ? terminal.getHeight() : 24);
        screen.println("Recording to " + file + " (asciicast v2). ':record' again stops it.");
    }

    private static int number(String text, String usage) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new CwbException(CwbException.USAGE, text.isBlank() ? "a lesson number is missing" : "'" + text.strip() + "' is not a number",
                    "usage: " + usage + " (':lessons' lists them)");
        }
    }
}
