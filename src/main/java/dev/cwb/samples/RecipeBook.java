package dev.cwb.samples;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sample recipes: every directory under the recipes directory that holds a file named {@code recipe}
 * is one image, named after the directory ({@code sample-images/busybox/recipe} builds {@code busybox});
 * so is one that holds a {@code Dockerfile} instead ({@code layers-demo}), which {@code build} makes.
 */
public final class RecipeBook {
    private final Path dir;
    private final Map<String, Recipe> recipes;

    private RecipeBook(Path dir, Map<String, Recipe> recipes) {
        this.dir = dir;
        this.recipes = recipes;
    }

    /** Reads and parses every recipe under {@code dir}; the first bad recipe line is the error. */
    public static RecipeBook open(Path dir) {
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.sorted().toList()) {
                Path file = child.resolve("recipe");
                Path dockerfile = child.resolve("Dockerfile");
                Recipe recipe = null;
                if (Files.isDirectory(child) && Files.isRegularFile(file)) {
                    recipe = RecipeParser.parse(file);
                } else if (Files.isDirectory(child) && Files.isRegularFile(dockerfile)) {
                    recipe = fromDockerfile(dockerfile);
                }
                if (recipe != null) {
                    SampleBuilder.tagFor(recipe.name());
                    recipes.put(recipe.name(), recipe);
                }
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot list the recipes in " + dir + ": " + CwbException.reason(e), null, e);
        }
        if (recipes.isEmpty()) {
            throw CwbException.notFound("no recipes in " + dir + " (a recipe is DIR/NAME/recipe)",
                    "point CWB_SAMPLES at the sample-images directory of the workbench");
        }
        return new RecipeBook(dir, recipes);
    }

    /** A Dockerfile sample: parsed (a mistake is refused with its file:line now), its base the first FROM's image. */
    private static Recipe fromDockerfile(Path file) throws IOException {
        String name = file.getParent().getFileName().toString();
        dev.cwb.build.Dockerfile df = dev.cwb.build.Dockerfile.parse(file.toString(), Files.readString(file));
        for (dev.cwb.build.Dockerfile.Instruction ins : df.instructions()) {
            if (ins.keyword().equals("FROM")) {
                String image = ins.args().strip().split("\\s+")[0];
                return Recipe.dockerfile(name, file, image.toLowerCase(java.util.Locale.ROOT).equals("scratch") ? Recipe.SCRATCH : image, ins.line());
            }
        }
        throw CwbException.badInput(file + ": the Dockerfile has no FROM line", "start it with 'FROM scratch' or 'FROM IMAGE'");
    }

    public Path dir() {
        return dir;
    }

    public List<Recipe> all() {
        return List.copyOf(recipes.values());
    }

    public Recipe get(String name) {
        Recipe r = recipes.get(name);
        if (r == null) {
            throw CwbException.notFound("no sample named '" + name + "' in " + dir,
                    "the samples are: " + String.join(", ", recipes.keySet()));
        }
        return r;
    }

    /**
     * The recipes to build for {@code names}, bases first: a recipe whose FROM names another recipe here
     * comes after it. A FROM naming no recipe refers to an image that must already be in the store.
     */
    public List<Recipe> withBasesFirst(List<String> names) {
        Set<String> ordered = new LinkedHashSet<>();
        for (String name : names) {
            visit(get(name), ordered, new ArrayList<>());
        }
        return ordered.stream().map(recipes::get).toList();
    }

    private void visit(Recipe recipe, Set<String> ordered, List<String> path) {
        if (ordered.contains(recipe.name())) {
            return;
        }
        if (path.contains(recipe.name())) {
            path.add(recipe.name());
            throw CwbException.badInput(recipe.where(recipe.fromLine()) + ": the recipes build on each other in a circle: "
                    + String.join(" -> ", path), "one of them must start FROM scratch or from another image");
        }
        path.add(recipe.name());
        Recipe base = recipes.get(recipe.from());
        if (base != null) {
            visit(base, ordered, path);
        }
        path.remove(path.size() - 1);
        ordered.add(recipe.name());
    }
}
