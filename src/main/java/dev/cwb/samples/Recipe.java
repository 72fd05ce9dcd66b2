package dev.cwb.samples;

import java.nio.file.Path;
import java.util.List;

/**
 * A parsed recipe: the image {@code name} (its directory's name), the file it came from, the image it
 * starts {@code from} ({@code scratch} for none) and its instructions in order. Files a recipe copies are
 * looked up in {@link #dir()}, the directory that holds the recipe. A sample made by {@code build} from a
 * {@code Dockerfile} ({@link #isDockerfile()}) is a recipe without instructions: its directory is the build
 * context, {@code from} its first stage's image.
 */
public record Recipe(String name, Path file, String from, int fromLine, List<Instruction> instructions) {
    public static final String SCRATCH = "scratch";

    public Recipe {
        instructions = List.copyOf(instructions);
    }

    /** A sample whose directory holds a {@code Dockerfile} (and no {@code recipe}): made by {@code build}, RUN steps and all. */
    public static Recipe dockerfile(String name, Path dockerfile, String from, int fromLine) {
        return new Recipe(name, dockerfile, from, fromLine, List.of());
    }

    public boolean isDockerfile() {
        return file.getFileName().toString().equals("Dockerfile");
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
