package dev.cwb.cli;

import dev.cwb.image.Descriptor;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.samples.BuildListener;
import dev.cwb.samples.BuiltImage;
import dev.cwb.samples.HostBusybox;
import dev.cwb.samples.Instruction;
import dev.cwb.samples.LayerTar;
import dev.cwb.samples.Recipe;
import dev.cwb.samples.RecipeBook;
import dev.cwb.samples.RecipesLocator;
import dev.cwb.samples.SampleBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code samples}: list or build the sample images from their recipes in sample-images/ (see the README
 * there). {@code samples} and {@code samples list} show each recipe and whether its image is in the
 * store; {@code samples build [NAME...] [--force]} builds them, bases first, printing a line per layer.
 */
@Command(name = "samples", description = "List or build the sample images (busybox, hello, layers-demo).",
        subcommands = {SamplesCommand.ListSamples.class, SamplesCommand.BuildSamples.class})
public final class SamplesCommand extends WorkbenchCommand {
    @Option(names = "--recipes", paramLabel = "DIR",
            description = "The recipes directory (default: $CWB_SAMPLES, else sample-images/ of the workbench's project, else of the current directory).")
    Path recipes;

    @picocli.CommandLine.Mixin
    JsonOption json;

    @Override
    protected int run() {
        return list(workbench.images(), book(recipes), out(), json.enabled());
    }

    static RecipeBook book(Path recipes) {
        return RecipeBook.open(recipes != null ? recipes.toAbsolutePath().normalize() : RecipesLocator.locate());
    }

    static int list(ImageStore store, RecipeBook book, PrintWriter out, boolean json) {
        if (json) {
            java.util.List<java.util.Map<String, Object>> rows = new java.util.ArrayList<>();
            for (Recipe recipe : book.all()) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("name", recipe.name());
                m.put("from", recipe.from());
                m.put("recipe", recipe.file().toString());
                m.put("imageId", findBuilt(store, recipe)
                        .map(d -> store.image(new ImageStore.ImageEntry(SampleBuilder.tagFor(recipe.name()), d)).id().toString())
                        .orElse(null));
                rows.add(m);
            }
            out.println(dev.cwb.image.Json.pretty(rows));
            return 0;
        }
        out.println("Sample recipes in " + book.dir() + ":");
        int width = Math.max(4, book.all().stream().mapToInt(r -> r.name().length()).max().orElse(4));
        String row = "  %-" + width + "s  %-8s  %s%n";
        out.printf(row, "NAME", "FROM", "IN THE STORE");
        for (Recipe recipe : book.all()) {
            String status = findBuilt(store, recipe)
                    .map(d -> "yes, image id " + store.image(new ImageStore.ImageEntry(SampleBuilder.tagFor(recipe.name()), d)).id().shortId())
                    .orElse("no");
            out.printf(row, recipe.name(), recipe.from(), status);
        }
        out.println("Build them with 'samples build' (or 'samples build NAME...'; --force builds again).");
        return 0;
    }

    static Optional<Descriptor> findBuilt(ImageStore store, Recipe recipe) {
        Reference ref = SampleBuilder.tagFor(recipe.name());
        return store.list().stream().filter(e -> e.reference().equals(ref)).map(ImageStore.ImageEntry::descriptor).findFirst();
    }

    /** {@code samples list}. */
    @Command(name = "list", description = "List the sample recipes and whether each image is in the store.")
    public static final class ListSamples extends WorkbenchCommand {
        @Option(names = "--recipes", paramLabel = "DIR", description = "The recipes directory (see 'help samples').")
        Path recipes;

        @picocli.CommandLine.Mixin
        JsonOption json;

        @Override
        protected int run() {
            return list(workbench.images(), book(recipes), out(), json.enabled());
        }
    }

    /** {@code samples build [NAME...] [--force]}. */
    @Command(name = "build", description = "Build sample images from their recipes (layers-demo: its Dockerfile, with build), bases first, printing a line per layer.")
    public static final class BuildSamples extends WorkbenchCommand {
        @Parameters(paramLabel = "NAME", arity = "0..*", description = "The samples to build (default: all).")
        List<String> names = new ArrayList<>();

        @Option(names = "--force", description = "Build again even when the image is already in the store.")
        boolean force;

        @Option(names = "--recipes", paramLabel = "DIR", description = "The recipes directory (see 'help samples').")
        Path recipes;

        @Override
        protected int run() {
            RecipeBook book = book(recipes);
            List<String> wanted = names.isEmpty() ? book.all().stream().map(Recipe::name).toList() : names;
            Set<String> forced = force ? new HashSet<>(wanted) : Set.of();
            ImageStore store = workbench.images();
            PrintWriter out = out();
            Supplier<HostBusybox> busybox = memoize(HostBusybox::find);
            SampleBuilder builder = new SampleBuilder(store, SampleBuilder.sourceDateEpoch(System.getenv()), Platform.host(),
                    busybox, new Printer(out));
            for (Recipe recipe : book.withBasesFirst(wanted)) {
                Optional<Descriptor> existing = findBuilt(store, recipe);
                if (existing.isPresent() && !forced.contains(recipe.name())) {
                    out.println(recipe.name() + ": already in the store, not built again (use --force to rebuild it)");
                    continue;
                }
                out.println("Building " + recipe.name() + " from " + recipe.file());
                if (recipe.isDockerfile()) {
                    buildDockerfile(recipe, out);
                    continue;
                }
                BuiltImage built = builder.build(recipe);
                out.println("Built " + built.reference().familiar() + ": " + built.layers() + " layer" + (built.layers() == 1 ? "" : "s")
                        + ", image id " + built.id().shortId() + ", manifest " + built.manifest());
                out.flush();
            }
            return 0;
        }

        /**
         * A sample made by {@code build} from its Dockerfile, its directory the context: RUN steps are real
         * containers, so without root each RUN gets a user namespace (as {@code build --rootless}).
         * SOURCE_DATE_EPOCH (0 when unset) fixes every time, as for the recipes: the same image id each time.
         */
        private void buildDockerfile(Recipe recipe, PrintWriter out) {
            String text;
            try {
                text = java.nio.file.Files.readString(recipe.file());
            } catch (java.io.IOException e) {
                throw dev.cwb.CwbException.io("cannot read " + recipe.file(), e, "check its permissions");
            }
            long epoch = SampleBuilder.sourceDateEpoch(System.getenv());
            boolean rootless = !dev.cwb.WorkbenchHome.isRoot(); // root builds as root, even with --rootless: the layers below are unpacked as root's
            dev.cwb.container.ContainerRun.Options o = dev.cwb.container.ContainerRun.options(null, null, null, null, null, rootless,
                    dev.cwb.container.ContainerRun.Security.defaults()); // the sandbox build gives every RUN
            dev.cwb.build.Builder.Result r;
            try {
                r = BuildCommand.builder(workbench, out, spec.commandLine().getErr()).build(new dev.cwb.build.Builder.Request(
                        recipe.dir(), recipe.name() + "/Dockerfile", text, List.of(SampleBuilder.tagFor(recipe.name())),
                        java.util.Map.of(), false, null, false, o, epoch));
            } catch (dev.cwb.CwbException e) {
                if (!rootless) {
                    throw e;
                }
                throw new dev.cwb.CwbException(e.exitCode(), recipe.name() + " is made by build, whose RUN steps are containers: without root"
                        + " each runs in a user namespace, and here that failed: " + e.getMessage(),
                        "build it as root (sudo ./cwb samples build " + recipe.name() + "), or see 'Without root' in the README", e);
            }
            out.println("Built " + r.tags().get(0).familiar() + ": " + r.layers() + " layers, image id " + r.id().shortId()
                    + ", manifest " + r.manifest());
            out.flush();
        }
    }

    /** One line per build step: the layer's number, compressed digest and size, entry count, and the recipe line. */
    private static final class Printer implements BuildListener {
        private final PrintWriter out;

        Printer(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void baseReused(String base, int layers) {
            out.println("  layer" + (layers == 1 ? " 1" : "s 1-" + layers) + "   reused from " + base + " (the same blobs, the same diff_ids)");
            out.flush();
        }

        @Override
        public void layerMade(int number, Instruction instruction, LayerTar layer, Descriptor blob) {
            int n = layer.entries().size();
            out.printf("  layer %-3d %s  %9s  %4d %-7s  %s%n", number, blob.digest().shortId(), size(blob.size()),
                    n, n == 1 ? "entry" : "entries", instruction.text());
            out.flush();
        }

        @Override
        public void configChanged(Instruction instruction) {
            out.printf("  config    %-39s %s%n", "(no layer, empty_layer: true)", instruction.text());
            out.flush();
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f kB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    private static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
