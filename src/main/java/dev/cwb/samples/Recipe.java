package dev.cwb.samples;

import java.nio.file.Path;
import java.util.List;

/**
 * A parsed recipe: the image {@code name} (its directory's name), the file it came from, the image it
 * starts {@code from} ({@code scratch} for none) and its instructions in order. Files a recipe copies are
 * looked up in {@link #dir()}, the directory that holds the recipe.
 */
public record Recipe(String name, Path file, String from, int fromLine, List<Instruction> instructions) {
    public static final String SCRATCH = "scratch";

    public Recipe {
        instructions = List.copyOf(instructions);
    }

    public Path dir() {
        return file.getParent();
    }

    public boolean fromScratch() {
        return SCRATCH.equals(from);
    }

    /** How errors name a place in this recipe: {@code FILE line N}. */
    public String where(int line) {
        return file + " line " + line;
    }
}
