package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.WorkbenchHome;
import dev.cwb.build.BuildCache;
import dev.cwb.build.Builder;
import dev.cwb.container.ContainerRun;
import dev.cwb.image.Reference;
import dev.cwb.layer.LayerCache;
import dev.cwb.view.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code build}: a Dockerfile made into an image, each RUN a container of the workbench. */
@Command(name = "build", description = "Build an image from a Dockerfile: each RUN is a container of the workbench, each layer its upper directory.",
        footer = {"", "Steps whose cache key is unchanged are CACHED (see builder ls). A RUN has no network (--network none).",
                "SOURCE_DATE_EPOCH (environment or --build-arg) fixes every time: two builds give the same image id.",
                "Example: build -t my-app:v1 .     build -f - . < Dockerfile     build --no-cache --target build .",
                "A Dockerfile to read: sample-images/layers-demo/Dockerfile. Lesson 16 (:lesson 16) builds images step by step."})
public final class BuildCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "CONTEXT", description = "The build context: the directory COPY and ADD take files from.")
    Path context;

    @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Name the image (more than once for more names).")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The Dockerfile (default: CONTEXT/Dockerfile; - reads standard input).")
    String file;

    @Option(names = "--build-arg", paramLabel = "NAME=VALUE", description = "A value for an ARG.")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--no-cache", description = "Run every step again; take nothing from the cache.")
    boolean noCache;

    @Option(names = "--target", paramLabel = "STAGE", description = "Build up to this stage (FROM ... AS STAGE).")
    String target;

    @Option(names = "--trace", description = "Print every system call of each RUN's container.")
    boolean trace;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", description = "Memory limit of each RUN, e.g. 64M.")
    String memory;

    @Option(names = "--rootless", description = "Give each RUN a user namespace (root inside = you outside).")
    boolean rootless;

    @Override
    protected int run() throws IOException {
        Path ctx = context.toAbsolutePath().normalize();
        if (!Files.isDirectory(ctx)) {
            throw CwbException.notFound("the build context " + ctx + " is not a directory", "give the directory that holds the Dockerfile and its files");
        }
        String name;
        String text;
        if ("-".equals(file)) {
            name = "Dockerfile";
            text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } else {
            Path df = file != null ? Path.of(file).toAbsolutePath() : ctx.resolve("Dockerfile");
            if (!Files.isRegularFile(df)) {
                throw CwbException.notFound("no Dockerfile at " + df, file == null ? "write one there, or name it with -f FILE" : "check the path");
            }
            try {
                text = Files.readString(df, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw CwbException.io("cannot read " + df, e, "check its permissions");
            }
            name = file != null ? file : ctx.relativize(df).toString();
        }
        Map<String, String> args = new LinkedHashMap<>();
        for (String a : buildArgs) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                String v = System.getenv(a); // --build-arg NAME takes NAME from the environment (Docker)
                if (v == null) {
                    continue;
                }
                args.put(a, v);
            } else {
                args.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        List<Reference> refs = new ArrayList<>();
        for (String t : tags) {
            if (!Reference.isValid(t) || Reference.parse(t).digest() != null) {
                throw CwbException.badInput("-t " + Printable.of(t) + ": not an image name", "write NAME or NAME:TAG, e.g. my-app:v1");
            }
            refs.add(Reference.parse(t));
        }
        if (refs.isEmpty()) {
            String dir = ctx.getFileName() == null ? "image" : ctx.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
            String dflt = dir.isEmpty() || !Character.isLetterOrDigit(dir.charAt(0)) ? "image" + dir : dir;
            refs.add(Reference.parse(dflt));
            out().println("note: no -t given: the image will be called " + refs.get(0).familiar() + ", after the context directory");
        }
        String epochText = args.containsKey("SOURCE_DATE_EPOCH") ? args.get("SOURCE_DATE_EPOCH") : System.getenv("SOURCE_DATE_EPOCH");
        Long epoch = epochText == null || epochText.isBlank() ? null
                : dev.cwb.samples.SampleBuilder.sourceDateEpoch(Map.of("SOURCE_DATE_EPOCH", epochText));
        Builder builder = builder(workbench, out(), spec.commandLine().getErr());
        // BuildKit's sandbox for RUN: Docker's default seccomp profile and capabilities, as run gives a container
        ContainerRun.Options o = ContainerRun.options(null, null, memory, null, null, rootless || workbench.rootless(),
                ContainerRun.Security.defaults());
        out().println("build " + ctx + " · " + name + (epoch != null ? " · SOURCE_DATE_EPOCH=" + epoch : ""));
        Builder.Result r = builder.build(new Builder.Request(ctx, name, text, refs, args, noCache, target, trace, o, epoch));
        out().printf(Locale.ROOT, "Built %s · image id %s · %d layers · %d steps in %.2f s · cached: %s%n",
                r.tags().stream().map(Reference::familiar).collect(Collectors.joining(", ")), r.id().shortId(), r.layers(), r.steps(), r.seconds(),
                r.cached().isEmpty() ? "none" : r.cached().size() + " (steps " + r.cached().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")");
        return 0;
    }

    /** A builder over this workbench's store, layer cache, containers and build cache ({@code $CWB_HOME/cache/build}). */
    static Builder builder(dev.cwb.Workbench workbench, java.io.PrintWriter out, java.io.PrintWriter err) {
        WorkbenchHome home = workbench.home();
        boolean asRoot = WorkbenchHome.isRoot();
        return new Builder(workbench.images(), new LayerCache(workbench.images(), home.layers(), asRoot), workbench.containers(),
                new BuildCache(home.cache().resolve("build")), home.cache().resolve("build").resolve("tmp"), home.pending(), out, err, asRoot);
    }
}
