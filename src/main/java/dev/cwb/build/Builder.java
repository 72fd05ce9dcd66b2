package dev.cwb.build;

import dev.cwb.CwbException;
import dev.cwb.container.ContainerRun;
import dev.cwb.container.Containers;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageConfig.History;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;
import dev.cwb.layer.LayerCache;
import dev.cwb.layer.LayerExtractor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code build}: a Dockerfile made into an image, instruction by instruction, the way BuildKit's Dockerfile
 * frontend defines them (moby/buildkit {@code frontend/dockerfile/dockerfile2llb}), with the workbench's
 * own parts:
 * <ul>
 *   <li>{@code FROM} starts a stage from an image in the store, from {@code scratch} or from an earlier stage;</li>
 *   <li>{@code RUN} is a container of the workbench over the layers so far ({@link RunStep}: namespaces with no
 *       network, a cgroup, the overlay, pivot_root), and its layer is that container's upper directory
 *       ({@link LayerDiffer});</li>
 *   <li>{@code COPY} / {@code ADD} lay their files out as they will be in the layer ({@link CopyStep});
 *       {@code WORKDIR} makes its directory when the image lacks it;</li>
 *   <li>the other instructions change the config ({@link StageConfig}) and make no layer.</li>
 * </ul>
 * Every step has a cache key ({@link BuildCache}): the key before it, plus the instruction as substituted,
 * plus for COPY and ADD the checksum of exactly the files it takes. A step whose key is cached is
 * {@code CACHED}: its layer and history line are reused, nothing runs and nothing is unpacked again.
 * The image is written only at the end, in one transaction: a failed build tags nothing.
 */
public final class Builder {
    /** What to build. */
    public record Request(Path context, String dockerfileName, String dockerfileText, List<Reference> tags, Map<String, String> buildArgs,
                          boolean noCache, String target, boolean trace, ContainerRun.Options runOptions, Long epoch) {
    }

    /** What was built. */
    public record Result(Digest id, Digest manifest, List<Reference> tags, int layers, int steps, List<Integer> cached, double seconds) {
    }

    /** The ARGs Docker predefines: usable in RUN without an ARG line, never in the history (docs "Predefined ARGs"). */
    static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
            "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

    private final ImageStore store;
    private final LayerCache layerCache;
    private final Containers containers;
    private final BuildCache cache;
    private final Path scratchDir;
    private final Path pendingDir;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean asRoot;
    private FileHashes hashes;

    public Builder(ImageStore store, LayerCache layerCache, Containers containers, BuildCache cache, Path scratchDir, Path pendingDir,
                   PrintWriter out, PrintWriter err, boolean asRoot) {
        this.pendingDir = pendingDir;
        this.store = store;
        this.layerCache = layerCache;
        this.containers = containers;
        this.cache = cache;
        this.scratchDir = scratchDir;
        this.out = out;
        this.err = err;
        this.asRoot = asRoot;
    }

    /** A stage being built: its layers, history and config so far, and its key. */
    static final class Stage {
        final String name;
        final int index;
        final List<Descriptor> layers = new ArrayList<>();
        final List<Digest> diffIds = new ArrayList<>();
        final List<History> history = new ArrayList<>();
        StageConfig config = new StageConfig();
        final Map<String, String> args = new LinkedHashMap<>();
        String key;
        Platform platform;
        String baseName;
        String created;
        ImageConfig base;

        Stage(String name, int index) {
            this.name = name;
            this.index = index;
        }

        /** The stage so far as an image (for the layer cache and a RUN's container). */
        Image asImage() {
            ImageConfig cfg = new ImageConfig(created, null, platform.architecture(), platform.os(), platform.variant(), config.toRunConfig(),
                    new ImageConfig.RootFs("layers", diffIds), history);
            Manifest m = new Manifest(2, MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(new byte[0]), 0),
                    layers, null);
            return new Image(Reference.parse("cwb-build"), new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[0]), 0), m, cfg);
        }

        /** The variables substitution sees: the stage's ENV over its ARGs. */
        String lookup(String var) {
            Map<String, String> env = config.envMap();
            return env.containsKey(var) ? env.get(var) : args.get(var);
        }
    }

    public Result build(Request r) {
        long start = System.nanoTime();
        hashes = FileHashes.open(cache.dir().resolve("file-hashes.json"));
        try {
            return buildStages(r, start);
        } finally {
            hashes.save();
        }
    }

    private Result buildStages(Request r, long start) {
        Dockerfile df = Dockerfile.parse(r.dockerfileName(), r.dockerfileText());
        df.warnings().forEach(w -> out.println("note: " + w));
        DockerIgnore ignore = readIgnore(r.context());
        StagePlan plan = StagePlan.of(df, r.buildArgs(), r.target());
        int total = plan.stepCount();
        List<String> unused = plan.unconsumed();
        int step = 0;
        List<Integer> cached = new ArrayList<>();
        Map<String, Stage> built = new LinkedHashMap<>();
        Stage stage = null;
        for (StagePlan.PlannedStage ps : plan.stages()) {
            stage = new Stage(ps.name(), built.size());
            for (int i = 0; i < ps.instructions().size(); i++) { // FROM may add its base's ONBUILD triggers after itself
                Dockerfile.Instruction ins = ps.instructions().get(i);
                total = plan.stepCount();
                step++;
                try {
                    boolean wasCached = step(r, df, ps, stage, ins, step, total, built, ignore);
                    if (wasCached) {
                        cached.add(step);
                    }
                } catch (CwbException e) {
                    throw located(df, ins, e);
                } catch (IllegalArgumentException e) { // a substitution Docker's lexer refuses: ${X:?unset}, an open quote
                    throw located(df, ins, CwbException.badInput(ins.keyword() + ": " + e.getMessage(), "fix the line"));
                } catch (IOException e) {
                    throw located(df, ins, CwbException.io("cannot " + ins.keyword() + " in " + scratchDir, e, null));
                }
            }
            built.put(ps.name() != null ? ps.name() : Integer.toString(stage.index), stage);
            built.put(Integer.toString(stage.index), stage);
        }
        if (!unused.isEmpty()) {
            out.println("warning: one or more build args were not consumed: " + String.join(", ", unused));
        }
        Stage last = stage;
        String created = last.created != null ? last.created : time(r.epoch());
        ImageConfig config = new ImageConfig(created, last.config.author() != null ? last.config.author() : null,
                last.platform.architecture(), last.platform.os(), last.platform.variant(), last.config.toRunConfig(),
                new ImageConfig.RootFs("layers", last.diffIds), last.history);
        ImageWriter.Written w;
        try (StoreTransaction tx = store.begin()) {
            w = ImageWriter.commit(tx, config, last.layers, r.tags(), "the build of " + r.dockerfileName());
        }
        return new Result(w.id(), w.manifest(), r.tags(), last.layers.size(), total, cached, (System.nanoTime() - start) / 1e9);
    }

    /** One instruction; true when it was taken from the cache. */
    private boolean step(Request r, Dockerfile df, StagePlan.PlannedStage ps, Stage s, Dockerfile.Instruction ins, int n, int total,
                         Map<String, Stage> built, DockerIgnore ignore) throws IOException {
        String head = "[" + n + "/" + total + "] ";
        char esc = df.escape();
        switch (ins.keyword()) {
            case "FROM" -> {
                from(r, ps, s, ins, built);
                out.println(head + "FROM " + s.baseName + (ps.name() != null ? " AS " + ps.name() : "")
                        + (s.layers.isEmpty() ? "  (scratch: no layers)" : "  (" + s.layers.size() + " layers)"));
                return false;
            }
            case "ARG" -> {
                StringBuilder by = new StringBuilder("ARG");
                for (String[] kv : ps.argsOf(ins, s::lookup)) {
                    s.args.put(kv[0], kv[1]);
                    by.append(' ').append(kv[0]).append(kv[1] != null ? "=" + kv[1] : "");
                }
                return configStep(r, s, ins, head, by.toString(), "ARG");
            }
            case "RUN" -> {
                return RunStep.run(this, r, df, s, ins, head);
            }
            case "COPY", "ADD" -> {
                return copy(r, df, s, ins, head, built, ignore);
            }
            case "WORKDIR" -> {
                return workdir(r, s, ins, head, esc);
            }
            case "ONBUILD", "CMD", "ENTRYPOINT", "ENV", "LABEL", "EXPOSE", "VOLUME", "USER", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
                 "MAINTAINER" -> {
                String by = s.config.apply(ins, esc, s::lookup);
                if (ins.keyword().equals("MAINTAINER")) {
                    out.println("note: " + ins.where(df.file()) + ": MAINTAINER is deprecated; it sets the image's author, "
                            + "write LABEL org.opencontainers.image.authors=\"...\" instead");
                }
                return configStep(r, s, ins, head, by, ins.keyword());
            }
            default -> throw CwbException.badInput("unknown instruction " + ins.keyword(), null);
        }
    }

    /** A step that changes only the config: a history entry with empty_layer, a key, no layer. */
    private boolean configStep(Request r, Stage s, Dockerfile.Instruction ins, String head, String createdBy, String what) throws IOException {
        String key = StepKey.of(s.key, createdBy);
        BuildCache.Entry hit = r.noCache() ? null : cache.find(key, store);
        boolean wasCached = hit != null;
        String created = wasCached && hit.created() != null ? hit.created() : time(r.epoch());
        if (!wasCached) {
            cache.put(new BuildCache.Entry(key, ins.original(), createdBy, null, null, created, 0, 0, 0, 0, 0, time(null)), store);
        }
        s.key = key;
        s.created = created;
        s.history.add(new History(created, createdBy, null, StepKey.COMMENT, true));
        out.println(head + (wasCached ? "CACHED " : "") + shown(ins) + "  · config only, no layer · key " + key.substring(0, 12));
        return wasCached;
    }

    private void from(Request r, StagePlan.PlannedStage ps, Stage s, Dockerfile.Instruction ins, Map<String, Stage> built) {
        String base = ps.base();
        if (ins.flag("platform") != null) {
            Platform want = platformOf(ins.flag("platform"));
            if (!want.matches(Platform.host())) {
                throw new CwbException(CwbException.UNSUPPORTED, "FROM --platform=" + ins.flag("platform") + ": this machine is " + Platform.host()
                        + " and builds run here", "drop --platform, or build on a " + want + " machine");
            }
        }
        if (base.equalsIgnoreCase("scratch")) {
            // BuildKit's empty image has one setting: the default PATH (dockerfile2llb emptyImage)
            s.config.setEnv("PATH", dev.cwb.container.ProcessSpec.DEFAULT_PATH);
            s.platform = Platform.host();
            s.baseName = "scratch";
            s.key = StepKey.of(epochKey(r), "FROM scratch " + s.platform);
            s.created = time(r.epoch());
            return;
        }
        Stage earlier = built.get(base);
        if (earlier != null && ps.baseIsStage()) {
            s.layers.addAll(earlier.layers);
            s.diffIds.addAll(earlier.diffIds);
            s.history.addAll(earlier.history);
            s.config = StageConfig.of(earlier.config.toRunConfig());
            s.platform = earlier.platform;
            s.baseName = base + " (stage " + earlier.index + ")";
            s.key = StepKey.of(earlier.key, "FROM stage");
            s.created = earlier.created;
            return;
        }
        Image img;
        try {
            img = store.image(base);
        } catch (CwbException e) {
            throw CwbException.notFound("FROM " + base + ": the image is not in the store, and a build here never pulls",
                    "pull " + base + " or load it first (images lists the store)");
        }
        if (!Platform.host().matches(img.config().platform())) {
            throw new CwbException(CwbException.UNSUPPORTED, "FROM " + base + ": the image is for " + img.config().platform()
                    + ", this machine is " + Platform.host(), "use a base image built for " + Platform.host());
        }
        s.layers.addAll(img.layers());
        s.diffIds.addAll(img.config().diffIds());
        s.history.addAll(img.config().history());
        s.config = StageConfig.of(img.config().runConfig());
        s.platform = img.config().platform();
        s.base = img.config();
        s.baseName = img.reference().familiar();
        s.key = StepKey.of(epochKey(r), "FROM " + img.manifestDescriptor().digest());
        s.created = img.config().created();
        List<String> triggers = img.config().runConfig().onBuild();
        if (triggers != null && !triggers.isEmpty()) {
            ps.addTriggers(triggers, ins);
        }
    }

    /** SOURCE_DATE_EPOCH changes every time a layer holds, so it is part of every key. */
    private static String epochKey(Request r) {
        return r.epoch() == null ? "" : "SOURCE_DATE_EPOCH=" + r.epoch();
    }

    private static Platform platformOf(String text) {
        String[] p = text.split("/");
        return new Platform(p.length > 1 ? p[1] : null, p[0], p.length > 2 ? p[2] : null);
    }

    private boolean copy(Request r, Dockerfile df, Stage s, Dockerfile.Instruction ins, String head, Map<String, Stage> built,
                         DockerIgnore ignore) throws IOException {
        boolean add = ins.keyword().equals("ADD");
        for (String unsupported : List.of("link", "parents", "exclude", "checksum", "keep-git-dir")) {
            if (ins.flag(unsupported) != null) {
                throw CwbException.badInput(ins.keyword() + " --" + unsupported + " is not supported by this builder"
                        + (unsupported.equals("link") ? ": --link makes a layer independent of the layers below, and here every layer "
                        + "is a diff against them" : ""), "leave --" + unsupported + " out");
            }
        }
        char esc = df.escape();
        List<String> words = ins.isExecForm() ? StageConfig.expandEach(ins.execForm(), esc, s::lookup)
                : ShellWords.words(ins.args(), esc, s::lookup);
        List<String> heredocNames = ins.heredocs().stream().map(Dockerfile.Heredoc::name).toList();
        if (words.size() < 2) {
            throw CwbException.badInput(ins.keyword() + " requires at least two arguments: a source and a destination", null);
        }
        String dest = words.get(words.size() - 1);
        List<String> srcs = words.subList(0, words.size() - 1);
        Path root = r.context();
        DockerIgnore ign = ignore;
        String from = ins.flag("from");
        Path fromDir = null;
        if (from != null) {
            fromDir = flatten(from, s, built, df, ins);
            root = fromDir;
            ign = DockerIgnore.NONE;
        }
        try {
            LayerStack below = new LayerStack(unpacked(s));
            Integer uid = null;
            Integer gid = null;
            if (ins.flag("chown") != null) {
                int[] ids = CopyStep.owner(ShellWords.word(ins.flag("chown"), esc, s::lookup), below, ins.keyword() + " --chown");
                uid = ids[0];
                gid = ids[1];
            }
            Integer chmod = null;
            if (ins.flag("chmod") != null) {
                String m = ins.flag("chmod");
                if (!m.matches("[0-7]{3,4}")) {
                    throw CwbException.badInput(ins.keyword() + " --chmod=" + m + ": not an octal mode", "write e.g. --chmod=755");
                }
                chmod = Integer.parseInt(m, 8);
            }
            List<CopyStep.Source> sources = new ArrayList<>();
            Path heredocDir = null;
            for (String src : srcs) {
                String bare = src.replaceFirst("^<<-?[\"']?", "").replaceFirst("[\"']$", "");
                if (src.startsWith("<<") && heredocNames.contains(bare)) {
                    if (heredocDir == null) {
                        heredocDir = newScratch();
                    }
                    Dockerfile.Heredoc h = ins.heredocs().get(heredocNames.indexOf(bare));
                    String content = h.expand() ? ShellWords.word(h.content().replace("\"", "\\\""), esc, s::lookup) : h.content();
                    Path f = heredocDir.resolve(bare);
                    Files.writeString(f, content, StandardCharsets.UTF_8);
                    sources.add(new CopyStep.Source(f, bare, false));
                    continue;
                }
                if (src.matches("(?i)(https?|git)://.*") || src.startsWith("git@")) {
                    throw CwbException.badInput(ins.keyword() + " " + src + ": a URL or git source needs the network, and a build here has none",
                            "download it into the build context first, then COPY it");
                }
                sources.addAll(CopyStep.resolve(root, src, ign, ins.keyword() + (from != null ? " --from=" + from : ""), from != null));
            }
            String destAbs = dest.startsWith("/") ? dest : StageConfig.resolveWorkdir(s.config.workingDir(), dest) + (dest.endsWith("/") ? "/" : "");
            String destRel = DockerIgnore.clean(destAbs);
            boolean destDir = dest.endsWith("/") || dest.equals(".") || srcs.size() > 1 || sources.size() > 1
                    || below.isDirectory(destRel) || (sources.size() == 1 && sources.get(0).directory());
            if ((srcs.size() > 1 || sources.size() > 1) && !dest.endsWith("/")) {
                throw CwbException.badInput("When using " + ins.keyword() + " with more than one source file, the destination must be a "
                        + "directory and end with a /", "write " + dest + "/");
            }
            String checksum = CopyStep.checksum(sources, ign, root, hashes);
            String createdBy = ins.keyword() + flagsText(ins) + " " + String.join(" ", srcs) + " " + dest + " # buildkit";
            String key = StepKey.of(s.key, createdBy + "\n" + (from != null ? "from " + from + "\n" : "") + "sources " + checksum);
            CopyStep.Spec spec = new CopyStep.Spec(srcs, dest, uid, gid, chmod, add);
            Path[] staging = new Path[1];
            DockerIgnore sourceIgnore = ign;
            Path sourceRoot = root;
            try {
                return layerStep(r, s, ins, head, key, createdBy, "sources " + checksum.substring(0, 12) + " ("
                        + dev.cwb.view.Counts.of(count(sources, ign, root), "file", "files") + ")", () -> {
                    staging[0] = newScratch();
                    CopyStep.stage(staging[0], sources, destRel, destDir, spec, below, sourceIgnore, sourceRoot, asRoot);
                    return staging[0];
                }, Set.of());
            } finally {
                if (staging[0] != null) {
                    LayerExtractor.deleteTree(staging[0]);
                }
                if (heredocDir != null) {
                    LayerExtractor.deleteTree(heredocDir);
                }
            }
        } finally {
            if (fromDir != null) {
                LayerExtractor.deleteTree(fromDir);
            }
        }
    }

    private static int count(List<CopyStep.Source> sources, DockerIgnore ignore, Path root) throws IOException {
        int n = 0;
        for (CopyStep.Source s : sources) {
            n += (int) CopyStep.walk(s, ignore, root).stream().filter(p -> !Files.isDirectory(p)).count();
        }
        return n;
    }

    /** BuildKit's history text keeps the flags that change the result: {@code COPY --chown=1:1 --from=build ...}. */
    private static String flagsText(Dockerfile.Instruction ins) {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("from", "chown", "chmod")) {
            if (ins.flag(f) != null) {
                b.append(" --").append(f).append('=').append(ins.flag(f));
            }
        }
        return b.toString();
    }

    /** COPY --from: the stage's (or image's) files in one directory, unpacked layer over layer. */
    private Path flatten(String from, Stage s, Map<String, Stage> built, Dockerfile df, Dockerfile.Instruction ins) throws IOException {
        Stage other = built.get(from);
        Image img;
        if (other != null) {
            img = other.asImage();
        } else if (from.matches("\\d+")) {
            throw CwbException.badInput("COPY --from=" + from + ": there is no stage " + from + " before this line",
                    "stages are numbered from 0 in the order of their FROM lines");
        } else {
            try {
                img = store.image(from);
            } catch (CwbException e) {
                throw CwbException.notFound("COPY --from=" + from + ": no stage of that name before this line, and no such image in the store",
                        "name a stage defined above (FROM ... AS " + from + "), or pull or load the image first");
            }
        }
        Files.createDirectories(scratchDir);
        Path dir = scratchDir.resolve("from-" + UUID.randomUUID());
        new dev.cwb.layer.FlatUnpacker(store, asRoot, pendingDir).unpack(img, dir, (i, n, l, res, bytes, sec) -> { });
        return dir;
    }

    private boolean workdir(Request r, Stage s, Dockerfile.Instruction ins, String head, char esc) throws IOException {
        String by = s.config.apply(ins, esc, s::lookup);
        String dir = s.config.workingDir();
        String rel = DockerIgnore.clean(dir);
        LayerStack below = new LayerStack(unpacked(s));
        if (rel.isEmpty() || below.find(rel).isPresent()) {
            return configStep(r, s, ins, head, by, "WORKDIR");
        }
        String key = StepKey.of(s.key, by + "\nmkdir");
        Path[] staging = new Path[1];
        try {
            return layerStep(r, s, ins, head, key, by, "makes " + dir, () -> {
                staging[0] = newScratch();
                CopyStep.Spec spec = new CopyStep.Spec(List.of(), dir, null, null, null, false);
                CopyStep.stage(staging[0], List.of(), rel, true, spec, below, DockerIgnore.NONE, r.context(), asRoot);
                return staging[0];
            }, Set.of());
        } finally {
            if (staging[0] != null) {
                LayerExtractor.deleteTree(staging[0]);
            }
        }
    }

    /** Makes the directory a layer is written from; the step deletes it afterwards. */
    @FunctionalInterface
    interface Changes {
        Path make() throws IOException;
    }

    /**
     * A step that makes a layer: from the cache when its key is there, else {@code changes} are made and
     * written as a layer (into the store at once, so the next RUN's container can unpack it, and into the cache).
     */
    boolean layerStep(Request r, Stage s, Dockerfile.Instruction ins, String head, String key, String createdBy, String detail,
                      Changes changes, Set<String> excluded) throws IOException {
        BuildCache.Entry hit = r.noCache() ? null : cache.find(key, store);
        if (hit != null) {
            out.println(head + "CACHED " + shown(ins) + "  · key " + key.substring(0, 12) + " · " + detail);
            apply(s, hit, key);
            printLayer(hit);
            return true;
        }
        out.println(head + shown(ins) + "  · key " + key.substring(0, 12) + " · " + detail);
        Path upper = changes.make();
        BuildCache.Entry made = writeLayer(r, s, ins, key, createdBy, upper, excluded, false);
        apply(s, made, key);
        printLayer(made);
        return false;
    }

    /** The layer of {@code upper} into the store and the cache; an empty one is left out, as BuildKit does. */
    /**
     * {@code rootIsNobody}: the upper directory is a RUN's whose root was nobody outside (build --rootless under sudo),
     * so uid and gid 65534 there are the container's root, 0 in the layer.
     */
    BuildCache.Entry writeLayer(Request r, Stage s, Dockerfile.Instruction ins, String key, String createdBy, Path upper, Set<String> excluded,
                                boolean rootIsNobody) throws IOException {
        String created = time(r.epoch());
        LayerBlob.Made layer;
        try (StoreTransaction tx = store.begin()) {
            LayerDiffer.Options owners = rootIsNobody
                    ? new LayerDiffer.Options(excluded, unpacked(s), r.epoch(), dev.cwb.container.UnshareStep.NOBODY, dev.cwb.container.UnshareStep.NOBODY)
                    : LayerDiffer.Options.forThisUser(excluded, unpacked(s), r.epoch(), asRoot);
            layer = LayerBlob.stage(tx, upper, owners, "the layer of " + shown(ins));
            if (!layer.empty()) {
                tx.commit();
            }
        }
        LayerDiffer.Stats st = layer.stats();
        BuildCache.Entry e = new BuildCache.Entry(key, ins.original(), createdBy, layer.empty() ? null : layer.blob(),
                layer.empty() ? null : layer.diffId(), created, st.entries(), st.added(), st.modified(), st.deleted(), st.tarBytes(), time(null));
        cache.put(e, store);
        return e;
    }

    void apply(Stage s, BuildCache.Entry e, String key) {
        s.key = key;
        s.created = e.created();
        if (e.hasLayer()) {
            s.layers.add(e.blob());
            s.diffIds.add(e.diffId());
        }
        s.history.add(new History(e.created(), e.createdBy(), null, StepKey.COMMENT, !e.hasLayer()));
    }

    void printLayer(BuildCache.Entry e) {
        if (e.hasLayer()) {
            out.println("      layer " + e.diffId().shortId() + ": " + dev.cwb.view.Counts.of(e.entries(), "entry", "entries") + ", " + dev.cwb.view.Sizes.human(e.tarBytes())
                    + " (gzip " + dev.cwb.view.Sizes.human(e.blob().size()) + ") · files A " + e.added() + "  M " + e.modified()
                    + "  D " + e.deleted());
        } else {
            out.println("      no layer: the step changed no file");
        }
        out.println("      history: " + dev.cwb.view.Printable.of(e.createdBy()));
    }

    /** The stage's layers unpacked in the layer cache (already unpacked ones are found, not unpacked again), bottom first. */
    List<Path> unpacked(Stage s) {
        if (s.layers.isEmpty()) {
            return List.of();
        }
        return layerCache.unpack(s.asImage(), (u, n) -> { }).stream().map(LayerCache.Unpacked::fs).toList();
    }

    List<LayerCache.Unpacked> unpackedLayers(Stage s) {
        return layerCache.unpack(s.asImage(), (u, n) -> { });
    }

    Path newScratch() throws IOException {
        Files.createDirectories(scratchDir);
        Path p = scratchDir.resolve("step-" + UUID.randomUUID());
        Files.createDirectory(p);
        return p;
    }

    ImageStore store() {
        return store;
    }

    Containers containers() {
        return containers;
    }

    BuildCache cache() {
        return cache;
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    boolean asRoot() {
        return asRoot;
    }

    /** The instruction as the learner wrote it, on one line, for the step's heading. */
    static String shown(Dockerfile.Instruction ins) {
        String text = ins.original().strip().replaceAll("\\s*\\\\?\\n\\s*", " ");
        return dev.cwb.view.Printable.of(text.length() > 100 ? text.substring(0, 97) + "..." : text);
    }

    static String time(Long epoch) {
        return Instant.ofEpochSecond(epoch != null ? epoch : Instant.now().getEpochSecond()).toString();
    }

    private static DockerIgnore readIgnore(Path context) {
        Path f = context.resolve(".dockerignore");
        if (!Files.isRegularFile(f)) {
            return DockerIgnore.NONE;
        }
        try {
            return DockerIgnore.parse(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CwbException.io("cannot read " + f, e, "fix its permissions, or remove it");
        }
    }

    private static CwbException located(Dockerfile df, Dockerfile.Instruction ins, CwbException e) {
        String where = ins.where(df.file());
        if (e.getMessage() != null && e.getMessage().startsWith(df.file() + ":")) {
            return e;
        }
        return new CwbException(e.exitCode(), where + ": " + e.getMessage(), e.hint(), e);
    }

    /** The keys of build steps: sha256 over the key before and what the step is. */
    static final class StepKey {
        /** What BuildKit writes as every history entry's comment. */
        static final String COMMENT = "buildkit.dockerfile.v0";

        private StepKey() {
        }

        static String of(String parent, String what) {
            return HexFormat.of().formatHex(dev.cwb.image.Digest.newSha256().digest((parent + "\n" + what).getBytes(StandardCharsets.UTF_8)));
        }
    }
}
