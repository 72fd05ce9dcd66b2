package dev.cwb.samples;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageConfig.History;
import dev.cwb.image.ImageConfig.RunConfig;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;
import dev.cwb.image.VerifyingInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Interprets a {@link Recipe} and writes the image it describes into the store, the way an image builder
 * does — but every step is done by this class in Java, in the open, with nothing run inside the image:
 * <ol>
 *   <li>start from nothing ({@code FROM scratch}) or from an image already in the store, whose layers are
 *       reused as they are (same blobs, same diff_ids: that is what "shared layers" means);</li>
 *   <li>each file instruction becomes one layer: a reproducible tar ({@link LayerTar}), gzip-compressed,
 *       with a history entry whose {@code created_by} is the recipe line, word for word;</li>
 *   <li>each config instruction (CMD, ENV...) changes the config and adds a history entry with
 *       {@code empty_layer: true};</li>
 *   <li>then the config (OCI image-spec "Image Configuration"), the manifest ("Image Manifest") and the
 *       tag {@code docker.io/library/NAME:latest} are stored in one {@link StoreTransaction}: either the
 *       whole image appears, or nothing does.</li>
 * </ol>
 * All timestamps are {@code epoch} (SOURCE_DATE_EPOCH, or 0), so building twice gives the same image id.
 */
public final class SampleBuilder {
    private final ImageStore store;
    private final long epoch;
    private final Platform platform;
    private final Supplier<HostBusybox> busybox;
    private final BuildListener listener;

    public SampleBuilder(ImageStore store, long epoch, Platform platform, Supplier<HostBusybox> busybox, BuildListener listener) {
        this.store = store;
        this.epoch = epoch;
        this.platform = platform;
        this.busybox = busybox;
        this.listener = listener;
    }

    /** The build time of reproducible builds: {@code $SOURCE_DATE_EPOCH} when set (reproducible-builds.org), else 0 (1970-01-01). */
    public static long sourceDateEpoch(Map<String, String> env) {
        String value = env.get("SOURCE_DATE_EPOCH");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            if (seconds < 0) {
                throw new NumberFormatException();
            }
            return seconds;
        } catch (NumberFormatException e) {
            throw CwbException.badInput("SOURCE_DATE_EPOCH='" + value + "' is not a number of seconds since 1970",
                    "unset it, or set it to e.g. $(git log -1 --format=%ct)");
        }
    }

    public BuiltImage build(Recipe recipe) {
        Reference reference = tagFor(recipe.name());
        String created = Instant.ofEpochSecond(epoch).toString();
        List<Descriptor> layers = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        List<History> history = new ArrayList<>();
        RunConfig run = new RunConfig(null, null, null, null, null, null, null, null, null);
        RootfsView view = new RootfsView();

        try (StoreTransaction tx = store.begin()) {
            if (!recipe.fromScratch()) {
                Image base = baseImage(recipe);
                layers.addAll(base.layers());
                diffIds.addAll(base.config().diffIds());
                history.addAll(base.config().history());
                run = base.config().runConfig();
                for (Descriptor layer : base.layers()) {
                    view.apply(readLayer(layer, recipe.from()));
                }
                listener.baseReused(recipe.from(), base.layers().size());
            }
            for (Instruction ins : recipe.instructions()) {
                try {
                    if (ins.makesLayer()) {
                        LayerDraft draft = new LayerDraft(view);
                        String autoComment = fill(draft, ins, recipe);
                        LayerTar tar = LayerTar.write(draft.entries(), epoch);
                        view.apply(tar.entries());
                        Descriptor blob = tx.putBlob(MediaTypes.OCI_LAYER_GZIP, tar.gzip(), "layer of line " + ins.line());
                        layers.add(blob);
                        diffIds.add(tar.diffId());
                        history.add(new History(created, ins.text(), null, comment(ins.comment(), autoComment), false));
                        listener.layerMade(layers.size(), ins, tar, blob);
                    } else {
                        run = configure(run, ins);
                        history.add(new History(created, ins.text(), null, ins.comment(), true));
                        listener.configChanged(ins);
                    }
                } catch (IllegalArgumentException e) {
                    throw CwbException.badInput(recipe.where(ins.line()) + ": " + ins.keyword().spelling() + ": " + e.getMessage(),
                            "fix the recipe; nothing was added to the store");
                } catch (CwbException e) {
                    throw new CwbException(e.exitCode(), recipe.where(ins.line()) + ": " + e.getMessage(), e.hint(), e);
                }
            }
            ImageConfig config = new ImageConfig(created, null, platform.architecture(), platform.os(), platform.variant(), run,
                    new ImageConfig.RootFs("layers", diffIds), history);
            Descriptor configBlob = tx.putBlob(MediaTypes.OCI_CONFIG, Json.bytes(config), "config of " + recipe.name());
            Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, configBlob, layers, null);
            Descriptor manifestBlob = tx.putBlob(MediaTypes.OCI_MANIFEST, Json.bytes(manifest), "manifest of " + recipe.name());
            tx.tag(reference, manifestBlob);
            tx.commit();
            return new BuiltImage(reference, manifestBlob.digest(), configBlob.digest(), layers.size());
        }
    }

    /** {@code docker.io/library/NAME:latest}, the name the recipe's directory gives the image. */
    public static Reference tagFor(String name) {
        if (!Reference.isValid(name) || name.contains("/") || name.contains(":")) {
            throw CwbException.badInput("'" + name + "' cannot be an image name",
                    "name the sample's directory with lowercase letters, digits, '-', '_' or '.'");
        }
        return Reference.parse(name);
    }

    private Image baseImage(Recipe recipe) {
        Image base;
        try {
            base = store.image(recipe.from());
        } catch (CwbException e) {
            throw new CwbException(e.exitCode(), recipe.where(recipe.fromLine()) + ": FROM " + recipe.from() + ": " + e.getMessage(),
                    "build or load '" + recipe.from() + "' first ('samples build' builds sample bases first)", e);
        }
        if (!platform.matches(base.config().platform())) {
            throw new CwbException(CwbException.UNSUPPORTED, recipe.where(recipe.fromLine()) + ": FROM " + recipe.from()
                    + ": the image is for " + base.config().platform() + ", this machine is " + platform,
                    "use a base image built for " + platform);
        }
        return base;
    }

    /** The entries of a base layer from the store, verified against its digest, decompressed as its media type says. */
    private List<LayerEntry> readLayer(Descriptor layer, String image) {
        String what = "layer " + layer.digest().shortId() + " of " + image;
        try (VerifyingInputStream raw = store.openBlob(layer, what);
             InputStream tar = switch (MediaTypes.compressionOf(layer.mediaType())) {
                 case GZIP -> new GZIPInputStream(raw);
                 case ZSTD -> new ZstdCompressorInputStream(raw);
                 case NONE -> raw;
             }) {
            List<LayerEntry> entries = LayerTar.readEntries(tar);
            tar.transferTo(OutputStream.nullOutputStream()); // the padding after the tar's end marker: the digest covers all bytes
            raw.verifyToEnd();
            return entries;
        } catch (IOException e) {
            throw CwbException.corrupt("cannot read " + what + ": " + e.getMessage(), "the image is damaged: remove it and build or load it again");
        }
    }

    /** Adds the entries one file instruction makes; returns what the builder itself can truthfully say about them, or null. */
    private String fill(LayerDraft draft, Instruction ins, Recipe recipe) {
        switch (ins.keyword()) {
            case COPY -> {
                String chmod = ins.arg(0);
                Integer fileMode = chmod.isEmpty() ? null : Integer.parseInt(chmod, 8);
                Path source = source(recipe, ins.arg(1));
                String dest = ImagePath.toTarName(ins.arg(2));
                if (Files.isDirectory(source)) {
                    if (!dest.isEmpty() && !draft.isDirectory(dest)) {
                        draft.directory(dest, 0755);
                    }
                    copyTree(draft, source, dest, fileMode);
                } else {
                    if (ins.arg(2).endsWith("/") || draft.isDirectory(dest)) {
                        dest = ImagePath.join(dest, source.getFileName().toString());
                    }
                    draft.file(dest, fileMode != null ? fileMode : defaultMode(source), read(source));
                }
                return null;
            }
            case REPLACE_DIR -> {
                Path source = source(recipe, ins.arg(0));
                String dest = ImagePath.toTarName(ins.arg(1));
                if (!Files.isDirectory(source)) {
                    throw new IllegalArgumentException("'" + ins.arg(0) + "' is not a directory in " + recipe.dir());
                }
                LayerEntry existing = draft.lookup(dest).orElseThrow(() ->
                        new IllegalArgumentException("/" + dest + " does not exist in the image; use COPY to create a directory"));
                if (existing.type() != LayerEntry.Type.DIRECTORY) {
                    throw new IllegalArgumentException("/" + dest + " is not a directory in the image");
                }
                draft.directory(dest, existing.mode());
                draft.makeOpaque(dest);
                copyTree(draft, source, dest, null);
                return "opaque whiteout " + Whiteouts.opaqueIn(dest) + " hides the old content of /" + dest + "; the new content follows it";
            }
            case MKDIR -> {
                for (String word : ins.args()) {
                    int colon = word.lastIndexOf(':');
                    String path = colon < 0 ? word : word.substring(0, colon);
                    int mode = colon < 0 ? 0755 : Integer.parseInt(word.substring(colon + 1), 8);
                    draft.directory(ImagePath.toTarName(path), mode);
                }
                return null;
            }
            case DELETE -> {
                List<String> whiteouts = new ArrayList<>();
                for (String path : ins.args()) {
                    String name = ImagePath.toTarName(path);
                    draft.delete(name);
                    whiteouts.add(Whiteouts.deletionOf(name));
                }
                return "whiteout " + String.join(", ", whiteouts) + ": the files are hidden, but their bytes stay in the lower layer";
            }
            case HOST_BUSYBOX -> {
                HostBusybox host = busybox.get();
                String dest = ImagePath.toTarName(ins.arg(0));
                draft.file(dest, 0755, host.bytes());
                int links = 0;
                for (String applet : host.applets()) {
                    String link = ImagePath.toTarName("/" + applet);
                    if (link.equals(dest)) {
                        continue;
                    }
                    draft.symlink(link, ImagePath.relative(ImagePath.parent(link), dest));
                    links++;
                }
                return "copied from this computer's " + host.path() + " (" + host.version() + ", statically linked), plus "
                        + links + " applet symlinks listed by 'busybox --list-full'";
            }
            case HELLO_PROGRAM -> {
                Path textFile = source(recipe, ins.arg(1));
                String text = new String(read(textFile), StandardCharsets.UTF_8);
                byte[] program = HelloProgram.forArchitecture(platform.architecture(), text);
                draft.file(ImagePath.toTarName(ins.arg(0)), 0755, program);
                return "a " + program.length + "-byte static ELF program for " + platform.architecture()
                        + ", written byte by byte by the workbench (no compiler): write(1, text of " + ins.arg(1) + "), then exit(0)";
            }
            default -> throw new IllegalStateException(ins.keyword() + " makes no layer");
        }
    }

    private static RunConfig configure(RunConfig c, Instruction ins) {
        List<String> env = c.env() == null ? new ArrayList<>() : new ArrayList<>(c.env());
        Map<String, String> labels = c.labels() == null ? new TreeMap<>() : new TreeMap<>(c.labels());
        List<String> entrypoint = c.entrypoint();
        List<String> cmd = c.cmd();
        String workdir = c.workingDir();
        String user = c.user();
        switch (ins.keyword()) {
            case CMD -> cmd = ins.args();
            case ENTRYPOINT -> {
                entrypoint = ins.args();
                cmd = null; // as Docker does: a new ENTRYPOINT drops the CMD inherited from the base
            }
            case ENV -> {
                String prefix = ins.arg(0) + "=";
                env.removeIf(e -> e.startsWith(prefix));
                env.add(prefix + ins.arg(1));
            }
            case LABEL -> labels.put(ins.arg(0), ins.arg(1));
            case WORKDIR -> workdir = ins.arg(0);
            case USER -> user = ins.arg(0);
            default -> throw new IllegalStateException(ins.keyword() + " is not a config instruction");
        }
        return new RunConfig(user, env, entrypoint, cmd, workdir, labels, c.exposedPorts(), c.volumes(), c.stopSignal());
    }

    private static String comment(String fromRecipe, String fromBuilder) {
        if (fromRecipe == null) {
            return fromBuilder;
        }
        return fromBuilder == null ? fromRecipe : fromRecipe + " — " + fromBuilder;
    }

    /** A path in the recipe's directory; it must exist and stay inside (symlinks are not followed out). */
    private static Path source(Recipe recipe, String relative) {
        Path dir = recipe.dir().toAbsolutePath().normalize();
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir)) {
            throw new IllegalArgumentException("'" + relative + "' is outside the recipe's directory " + dir);
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("no file '" + relative + "' in " + recipe.dir());
        }
        return p;
    }

    private static void copyTree(LayerDraft draft, Path sourceDir, String dest, Integer fileMode) {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(sourceDir)) {
            paths = walk.filter(p -> !p.equals(sourceDir)).sorted().toList();
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + sourceDir + ": " + CwbException.reason(e), null, e);
        }
        for (Path p : paths) {
            String rel = sourceDir.relativize(p).toString().replace('\\', '/');
            String name = ImagePath.toTarName("/" + ImagePath.join(dest, rel));
            if (Files.isSymbolicLink(p)) {
                throw new IllegalArgumentException(p + " is a symbolic link; recipes copy only files and directories");
            } else if (Files.isDirectory(p)) {
                if (!draft.isDirectory(name)) {
                    draft.directory(name, 0755); // an existing directory keeps its mode (think of /tmp's 1777)
                }
            } else if (Files.isRegularFile(p)) {
                draft.file(name, fileMode != null ? fileMode : defaultMode(p), read(p));
            } else {
                throw new IllegalArgumentException(p + " is neither a file nor a directory");
            }
        }
    }

    /** 0755 for a file the recipe's checkout marks executable, 0644 otherwise: the two modes git keeps. */
    private static int defaultMode(Path file) {
        try {
            return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644;
        } catch (IOException | UnsupportedOperationException e) {
            return 0644;
        }
    }

    private static byte[] read(Path file) {
        if (Files.isSymbolicLink(file)) {
            throw new IllegalArgumentException(file + " is a symbolic link; recipes copy only files and directories");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + file + ": " + CwbException.reason(e), null, e);
        }
    }
}
