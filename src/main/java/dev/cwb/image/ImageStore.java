package dev.cwb.image;

import dev.cwb.CwbException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The workbench's images, kept as an OCI image layout (OCI image-spec "Image Layout"):
 * <pre>
 *   oci-layout          {"imageLayoutVersion": "1.0.0"}
 *   index.json          one descriptor per tagged image, named by org.opencontainers.image.ref.name
 *   blobs/sha256/HEX    every manifest, config and layer, named by the sha256 of its bytes
 * </pre>
 * The same layout is what {@code skopeo copy ... oci:DIR} and {@code umoci} write, so a learner can open
 * it with other tools. Every blob read is checked against its digest and size ({@link VerifyingInputStream}).
 * Writes go through a {@link StoreTransaction}: blobs are written aside and verified, then renamed into
 * place, and {@code index.json} is replaced atomically last, so a failed load leaves nothing behind.
 */
public final class ImageStore {
    /** Manifests and configs are small; a larger "manifest" is refused rather than read into memory. */
    static final long MAX_METADATA_BLOB = 32L << 20;

    private final Path root;

    private ImageStore(Path root) {
        this.root = root;
    }

    /** Opens the layout at {@code root}, creating an empty one if there is none. */
    public static ImageStore open(Path root) {
        ImageStore store = new ImageStore(root);
        try {
            Files.createDirectories(root.resolve("blobs").resolve("sha256"));
            Path layoutFile = root.resolve("oci-layout");
            if (!Files.exists(layoutFile)) {
                writeAtomically(layoutFile, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            }
            if (!Files.exists(store.indexFile())) {
                writeAtomically(store.indexFile(), OciJson.bytes(ImageIndex.of(List.of())));
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot create the image store at " + root + ": " + CwbException.reason(e),
                    dev.cwb.WorkbenchHome.isRoot() ? "set CWB_HOME to a directory on a writable file system"
                            : "set CWB_HOME to a directory you can write, or run with sudo", e);
        }
        return store;
    }

    public Path root() {
        return root;
    }

    Path indexFile() {
        return root.resolve("index.json");
    }

    public Path blobPath(Digest digest) {
        return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.encoded());
    }

    public boolean hasBlob(Digest digest) {
        return Files.isRegularFile(blobPath(digest));
    }

    /** The layout's index.json as it is on disk. */
    public ImageIndex index() {
        try {
            return OciJson.index(Files.readAllBytes(indexFile()), indexFile().toString());
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + indexFile() + ": " + CwbException.reason(e), null, e);
        }
    }

    /** Every tagged image in the store, in index order. Entries whose name is not a reference are skipped. */
    public List<ImageEntry> list() {
        List<ImageEntry> entries = new ArrayList<>();
        for (Descriptor d : index().manifests()) {
            String name = d.annotation(Descriptor.REF_NAME);
            if (name != null && Reference.isValid(name)) {
                entries.add(new ImageEntry(Reference.parse(name), d));
            }
        }
        return entries;
    }

    /**
     * Finds an image by what a learner typed: a reference ({@code alpine}, {@code alpine:3.20}), a full
     * image id or an unambiguous prefix of one (as {@code docker inspect 3f57} allows).
     */
    public Image image(String userInput) {
        return image(find(userInput));
    }

    /** The entry a learner's words name; {@code no such image} when none does. */
    public ImageEntry find(String userInput) {
        String text = userInput == null ? "" : userInput.trim();
        List<ImageEntry> entries = list();
        if (Reference.isValid(text)) {
            Reference ref = Reference.parse(text);
            for (ImageEntry e : entries) {
                if (e.reference().equals(ref)) {
                    return e;
                }
            }
            if (ref.digest() != null) {
                // name@sha256:...: the manifest with that digest, stored under that name (any tag)
                for (ImageEntry e : entries) {
                    if (e.reference().name().equals(ref.name()) && e.descriptor().digest().equals(ref.digest())) {
                        return e;
                    }
                }
            }
        }
        String hex = text.startsWith("sha256:") ? text.substring(7) : text;
        if (hex.length() >= 4 && hex.matches("[a-f0-9]+")) {
            Set<Digest> ids = new LinkedHashSet<>();
            ImageEntry match = null;
            for (ImageEntry e : entries) {
                Digest id = image(e).id();
                if (id.encoded().startsWith(hex)) {
                    ids.add(id);
                    match = match == null ? e : match;
                }
            }
            if (ids.size() > 1) {
                throw CwbException.badInput("image id prefix '" + text + "' is ambiguous: it matches " + ids.size() + " images",
                        "type more characters of the id, or use the name:tag");
            }
            if (match != null) {
                return match;
            }
        }
        String pull = Reference.isValid(text) ? "'pull " + text + "' fetches it from a registry" : "'pull NAME' fetches an image from a registry";
        throw CwbException.notFound("no such image '" + text + "'",
                entries.isEmpty() ? "the store is empty: " + pull + ", 'load PATH' reads an archive, 'samples build' makes the samples"
                        : "'images' lists the store; " + pull + " ('load PATH' reads an archive)");
    }

    /** Reads and verifies the manifest (choosing this machine's platform from an index) and the config. */
    public Image image(ImageEntry entry) {
        Descriptor manifestDescriptor = entry.descriptor();
        if (MediaTypes.isIndex(manifestDescriptor.mediaType())) {
            manifestDescriptor = selectPlatform(entry, readJson(manifestDescriptor, ImageIndex.class, "index of " + entry.reference().familiar()));
        }
        Manifest manifest = readJson(manifestDescriptor, Manifest.class, "manifest of " + entry.reference().familiar());
        if (manifest.config() == null) {
            throw CwbException.corrupt("manifest " + manifestDescriptor.digest() + " of " + entry.reference().familiar()
                    + " has no config descriptor", "the image is damaged: remove it and load it again");
        }
        ImageConfig config = readJson(manifest.config(), ImageConfig.class, "config of " + entry.reference().familiar());
        if (manifest.layers().size() != config.diffIds().size()) {
            // Layer n of the manifest is diff_id n of the config; every reader of layers relies on that pairing.
            throw CwbException.corrupt(entry.reference().familiar() + " has " + manifest.layers().size() + " layers but its config lists "
                    + config.diffIds().size() + " diff_ids", "the image is malformed: manifest and config disagree");
        }
        return new Image(entry.reference(), manifestDescriptor, manifest, config);
    }

    private Descriptor selectPlatform(ImageEntry entry, ImageIndex index) {
        Platform host = Platform.host();
        Descriptor first = null;
        for (Descriptor d : index.manifests()) {
            if (!MediaTypes.isManifest(d.mediaType())) {
                continue; // unknown media types in an index are skipped (image-spec "Image Index")
            }
            if (first == null) {
                first = d;
            }
            if (host.matches(d.platform())) {
                return d;
            }
        }
        if (first == null) {
            throw CwbException.corrupt("the index of " + entry.reference().familiar() + " lists no image manifest", null);
        }
        return first;
    }

    /** Reads a small JSON blob (manifest, index, config), verified, and parses it. */
    public <T> T readJson(Descriptor descriptor, Class<T> type, String what) {
        // OciJson, not Json: making Json's mapper would cost every image command its reflection
        return OciJson.parse(readBlob(descriptor, what), type, what + " (blob " + descriptor.digest() + ")");
    }

    /** Reads a whole blob into memory, verified against its digest and size. Only for metadata blobs. */
    public byte[] readBlob(Descriptor descriptor, String what) {
        if (descriptor.size() > MAX_METADATA_BLOB) {
            throw CwbException.corrupt(what + " (blob " + descriptor.digest() + ") claims " + descriptor.size()
                    + " bytes, far more than any manifest or config", "the image is damaged or hostile");
        }
        try (VerifyingInputStream in = openBlob(descriptor, what)) {
            byte[] bytes = in.readAllBytes();
            in.verifyToEnd();
            return bytes;
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + what + " (blob " + descriptor.digest() + "): " + e.getMessage(), null, e);
        }
    }

    /**
     * Opens a blob for streaming. The stream verifies digest and size when it reaches the end; the caller
     * must read to the end (or call {@link VerifyingInputStream#verifyToEnd()}) before using the result.
     */
    public VerifyingInputStream openBlob(Descriptor descriptor, String what) {
        Path path = blobPath(descriptor.digest());
        String name = what + " (blob " + descriptor.digest() + ")";
        try {
            return new VerifyingInputStream(Files.newInputStream(path), descriptor.digest(), descriptor.size(), name);
        } catch (NoSuchFileException e) {
            throw CwbException.corrupt(name + " is missing from the store at " + path,
                    "the store is incomplete: remove the image with 'rmi' and load it again");
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot open " + name + ": " + CwbException.reason(e), null, e);
        }
    }

    /** Starts a write: blobs are staged aside and only become visible when {@link StoreTransaction#commit()} succeeds. */
    public StoreTransaction begin() {
        Path staging = root.resolve("ingest").resolve(UUID.randomUUID().toString());
        try {
            Files.createDirectories(staging);
            try {
                return new StoreTransaction(this, staging, dev.cwb.cleanup.InUseMarker.hold(staging));
            } catch (IOException | RuntimeException e) {
                // the marker's lock is interruptible: a Ctrl-C right now must not leave ingest/UUID/ behind
                dev.cwb.cleanup.InUseMarker.forget(staging);
                Files.deleteIfExists(staging);
                throw e;
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot write to the image store at " + root + ": " + CwbException.reason(e),
                    "check the permissions of " + root + " (CWB_HOME), or run with sudo", e);
        }
    }

    /**
     * Removes the image a learner names, then deletes every blob no remaining image references.
     * A name removes that tag; an image id removes the image under every tag, which needs {@code force}
     * when there is more than one (as {@code docker rmi} does).
     */
    public Removal remove(String userInput, boolean force) {
        ImageEntry entry = find(userInput);
        Set<Reference> untag = new LinkedHashSet<>();
        boolean byName = Reference.isValid(userInput.trim()) && Reference.parse(userInput.trim()).equals(entry.reference());
        if (byName) {
            untag.add(entry.reference());
        } else {
            Digest id = image(entry).id();
            for (ImageEntry e : list()) {
                if (image(e).id().equals(id)) {
                    untag.add(e.reference());
                }
            }
            if (untag.size() > 1 && !force) {
                throw CwbException.badInput("image " + id.shortId() + " is tagged " + untag.size() + " times ("
                        + String.join(", ", untag.stream().map(Reference::familiar).toList()) + ")",
                        "remove the tags one by one by name, or use --force to remove them all");
            }
        }
        return withLock(() -> {
            List<Descriptor> kept = new ArrayList<>();
            for (Descriptor d : index().manifests()) {
                String name = d.annotation(Descriptor.REF_NAME);
                if (name != null && Reference.isValid(name) && untag.contains(Reference.parse(name))) {
                    continue;
                }
                kept.add(d);
            }
            writeIndex(new ImageIndex(2, MediaTypes.OCI_INDEX, kept, null));
            return new Removal(List.copyOf(untag), collectGarbage());
        });
    }

    /** Deletes blobs that no index entry reaches; returns what was deleted. Call with the lock held. */
    List<Digest> collectGarbage() {
        Set<Digest> reachable = new HashSet<>();
        for (Descriptor d : index().manifests()) {
            markReachable(d, reachable);
        }
        List<Digest> deleted = new ArrayList<>();
        Path dir = root.resolve("blobs").resolve("sha256");
        try (Stream<Path> blobs = Files.list(dir)) {
            for (Path p : blobs.toList()) {
                String hex = p.getFileName().toString();
                if (!hex.matches("[a-f0-9]{64}")) {
                    continue;
                }
                Digest d = new Digest("sha256", hex);
                if (!reachable.contains(d)) {
                    Files.deleteIfExists(p);
                    deleted.add(d);
                }
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot clean the blobs in " + dir + ": " + CwbException.reason(e), null, e);
        }
        return deleted;
    }

    private void markReachable(Descriptor d, Set<Digest> reachable) {
        if (!reachable.add(d.digest()) || !hasBlob(d.digest())) {
            return;
        }
        try {
            if (MediaTypes.isIndex(d.mediaType())) {
                for (Descriptor m : readJson(d, ImageIndex.class, "index").manifests()) {
                    markReachable(m, reachable);
                }
            } else if (MediaTypes.isManifest(d.mediaType())) {
                Manifest m = readJson(d, Manifest.class, "manifest");
                if (m.config() != null) {
                    reachable.add(m.config().digest());
                }
                m.layers().forEach(l -> reachable.add(l.digest()));
            }
        } catch (CwbException e) {
            // A damaged manifest keeps only itself; its children become unreachable and are removed.
        }
    }

    void writeIndex(ImageIndex index) {
        try {
            writeAtomically(indexFile(), OciJson.bytes(index));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot write " + indexFile() + ": " + CwbException.reason(e), null, e);
        }
    }

    /** Runs {@code action} holding an exclusive lock on the layout, so two workbenches cannot interleave writes. */
    <T> T withLock(Supplier<T> action) {
        Path lockFile = root.resolve(".cwb-lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return action.get();
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot lock the image store " + root + ": " + CwbException.reason(e),
                    "only the store's owner can change it: run as that user (sudo for /var/lib/cwb), or use your own CWB_HOME", e);
        }
    }

    /** Writes to a temporary file beside {@code target}, then renames it over: readers see old or new, never half. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void moveBlobIntoPlace(Path staged, Path target) {
        try {
            if (Files.exists(target)) {
                Files.delete(staged); // same digest, same bytes
            } else {
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line of index.json that names an image. */
    public record ImageEntry(Reference reference, Descriptor descriptor) {
    }

    /** What {@link #remove} did: the tags removed and the blobs deleted. */
    public record Removal(List<Reference> untagged, List<Digest> deletedBlobs) {
    }

    /** Index entries named {@code ref}, replaced by {@code manifest}. */
    static List<Descriptor> retag(List<Descriptor> current, Map<Reference, Descriptor> tags) {
        List<Descriptor> result = new ArrayList<>();
        for (Descriptor d : current) {
            String name = d.annotation(Descriptor.REF_NAME);
            if (name != null && Reference.isValid(name) && tags.containsKey(Reference.parse(name))) {
                continue;
            }
            result.add(d);
        }
        tags.forEach((ref, manifest) -> result.add(manifest.withAnnotations(Map.of(Descriptor.REF_NAME, ref.toString()))));
        return result;
    }

    /** Opens a blob file for a reader that verifies on its own (used by save). */
    public InputStream rawBlob(Digest digest) throws IOException {
        return Files.newInputStream(blobPath(digest));
    }
}
