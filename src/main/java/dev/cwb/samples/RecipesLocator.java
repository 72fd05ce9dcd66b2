package dev.cwb.samples;

import dev.cwb.CwbException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the directory of sample recipes, in this order, and says where it looked when it finds none:
 * <ol>
 *   <li>{@code $CWB_SAMPLES}, when set (and then only there: a wrong setting is an error, not a fallback);</li>
 *   <li>{@code sample-images/} of the project the workbench was built in: beside the directory that holds
 *       the jar or classes ({@code PROJECT/target/cwb.jar} → {@code PROJECT/sample-images});</li>
 *   <li>{@code sample-images/} in the current directory.</li>
 * </ol>
 */
public final class RecipesLocator {
    public static final String ENV = "CWB_SAMPLES";
    public static final String DIR_NAME = "sample-images";

    private RecipesLocator() {
    }

    public static Path locate(Map<String, String> env, Path codeLocation, Path currentDir) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isBlank()) {
            Path dir = Path.of(explicit).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw CwbException.notFound(ENV + "=" + explicit + " is not a directory",
                        "set " + ENV + " to the sample-images directory of the workbench, or unset it");
            }
            return dir;
        }
        List<Path> tried = new ArrayList<>();
        if (codeLocation != null) {
            Path project = codeLocation.toAbsolutePath().normalize().getParent(); // .../target for target/cwb.jar or target/classes
            if (project != null && project.getParent() != null) {
                tried.add(project.getParent().resolve(DIR_NAME));
            }
        }
        if (currentDir != null) {
            tried.add(currentDir.toAbsolutePath().normalize().resolve(DIR_NAME));
        }
        for (Path candidate : tried) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw CwbException.notFound("cannot find the sample recipes: no " + ENV + " and no directory "
                        + String.join(" or ", tried.stream().map(Path::toString).toList()),
                "run the workbench from its project directory, or set " + ENV + "=/path/to/sample-images");
    }

    /** {@link #locate} for this process: its environment, the jar or classes directory it runs from, and its working directory. */
    public static Path locate() {
        return locate(System.getenv(), codeLocation(), Path.of("").toAbsolutePath());
    }

    static Path codeLocation() {
        try {
            var source = RecipesLocator.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
