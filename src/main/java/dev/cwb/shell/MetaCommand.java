package dev.cwb.shell;

import java.util.Optional;

/**
 * The shell's own commands. They start with a colon so they can never clash with a workbench command
 * (the convention of ghci and psql's backslash commands); they act on the shell, not on images.
 */
enum MetaCommand {
    HELP("the shell's keys and these commands", ":help"),
    HISTORY("the commands you typed, numbered", ":history"),
    CLEAR("clear the screen", ":clear"),
    LESSONS("list the lessons with your progress (✓ done, • started)", ":lessons"),
    LESSON("start or resume lesson N", ":lesson"),
    NEXT("the next step of the lesson", ":next"),
    BACK("the step before", ":back"),
    HINT("the next hint for this step, one at a time (1/3, 2/3, ...; kept with your progress)", ":hint"),
    CHECK("check this step: looks at the images and files it should have made", ":check"),
    RUN("run what this step still needs (done commands are skipped); ':run $' only its $ lines; not on a challenge", ":run"),
    SOLUTION("a challenge's solution: asks first, then shows it and records 'solution shown' in your progress", ":solution"),
    UNDO("take back what this step made since you came to it (containers, images, files)", ":undo"),
    RESET("undo what this lesson made (its images, layer cache entries, files) and start it again", ":reset"),
    DEMO("play lesson N for an audience: typed commands, Enter/PageDown to run, PageUp to go back", ":demo"),
    RECORD("record the session to FILE as an asciicast (asciinema play FILE); ':record' alone stops", ":record"),
    QUIT("leave the workbench (also exit, quit, Ctrl-D)", ":quit", ":q", ":exit");

    private final String description;
    private final String[] names;

    MetaCommand(String description, String... names) {
        this.description = description;
        this.names = names;
    }

    /** The name shown in help and offered by completion. */
    String primaryName() {
        return names[0];
    }

    String[] names() {
        return names.clone();
    }

    String description() {
        return description;
    }

    static Optional<MetaCommand> named(String word) {
        for (MetaCommand meta : values()) {
            for (String name : meta.names) {
                if (name.equals(word)) {
                    return Optional.of(meta);
                }
            }
        }
        return Optional.empty();
    }

    /** True for every word the shell treats as leaving: the meta-commands and a plain exit or quit. */
    static boolean isQuit(String word) {
        return named(word).orElse(null) == QUIT || word.equals("exit") || word.equals("quit");
    }
}
