package dev.cwb.samples;

import java.util.List;

/**
 * One line of a recipe, already checked by {@link RecipeParser}.
 *
 * @param line    its line number in the recipe file (1-based), for error messages
 * @param keyword the instruction, e.g. {@code COPY}
 * @param args    the checked arguments: the words after the keyword; for COPY first the --chmod mode (or ""),
 *                for CMD/ENTRYPOINT the command as a list, for ENV/LABEL the key and the value
 * @param text    the line exactly as written, trimmed; it becomes the history's {@code created_by}
 * @param comment the text of a {@code COMMENT} line just above it, or {@code null}
 */
public record Instruction(int line, Keyword keyword, List<String> args, String text, String comment) {
    public Instruction {
        args = List.copyOf(args);
    }

    /** True for instructions that write files and so make a layer; the others only change the config. */
    public boolean makesLayer() {
        return keyword.makesLayer();
    }

    public String arg(int i) {
        return args.get(i);
    }

    /** The instructions a recipe may use. See sample-images/README.md for what each does. */
    public enum Keyword {
        FROM(false), COMMENT(false),
        COPY(true), MKDIR(true), DELETE(true), REPLACE_DIR(true), HOST_BUSYBOX(true), HELLO_PROGRAM(true),
        CMD(false), ENTRYPOINT(false), ENV(false), WORKDIR(false), LABEL(false), USER(false);

        private final boolean makesLayer;

        Keyword(boolean makesLayer) {
            this.makesLayer = makesLayer;
        }

        public boolean makesLayer() {
            return makesLayer;
        }

        /** The spelling in a recipe: {@code REPLACE-DIR}, not {@code REPLACE_DIR}. */
        public String spelling() {
            return name().replace('_', '-');
        }
    }
}
