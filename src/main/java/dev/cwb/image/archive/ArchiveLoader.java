package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds the images of an archive to the {@link ImageStore}: a {@code docker save} tar, an OCI archive tar,
 * or an OCI layout directory, each recognised by what it contains.
 *
 * <p>A load is one {@link StoreTransaction}: every blob is streamed into it against the digest and size
 * the archive's metadata announced, and the names are written only when all blobs are in. Any failure
 * — a damaged blob, a missing file, Ctrl-C — rolls the transaction back, so the store is exactly as
 * before.
 *
 * <p><b>A tar with both a manifest.json and an index.json</b> (Docker 25+ {@code docker save}, and
 * {@code save} here) is loaded through its OCI index.json. The index points at the image's original
 * manifest blob, so the image keeps its manifest digest — its exact identity — and a multi-platform
 * index survives; manifest.json would force the loader to build a new manifest. manifest.json still
 * supplies names (its RepoTags) for images the index does not name.
 */
public final class ArchiveLoader {
    private final ImageStore store;

    public ArchiveLoader(ImageStore store) {
        this.store = store;
    }

    /**
     * Loads {@code path}.
     *
     * @param nameOption {@code --name}: the repository for bare tags, or the name of an untagged image; may be null
     */
    public LoadResult load(Path path, String nameOption, LoadListener listener) {
        List<String> notes = new ArrayList<>();
        ImageNamer namer = new ImageNamer(nameOption, path, notes::add);
        try (ArchiveSource source = open(path)) {
            ArchiveFormat format = detect(source, path);
            LoadPlan plan = switch (format) {
                case DOCKER_ARCHIVE -> new DockerSavePlanner(source, namer).plan();
                case OCI_ARCHIVE, OCI_LAYOUT_DIRECTORY -> new OciLayoutPlanner(source, namer, Map.of()).plan();
                case DOCKER_AND_OCI_ARCHIVE -> new OciLayoutPlanner(source, namer, DockerSavePlanner.tagsByConfig(source)).plan();
            };
            notes.addAll(plan.notes);
            return new LoadResult(format, execute(source, plan, listener), List.copyOf(notes));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + path + ": " + CwbException.reason(e), null, e);
        }
    }

    private static ArchiveSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new LayoutDirectorySource(path);
        }
        if (!Files.isRegularFile(path)) {
            throw CwbException.notFound("no such file or directory: " + path, "give the path of a tar file or an OCI layout directory");
        }
        if (!TarArchiveSource.looksLikeTar(path)) {
            throw CwbException.badInput(path + " is not a tar archive (nor a gzip- or zstd-compressed one)",
                    "load takes a 'docker save' tar, an OCI archive tar or an OCI layout directory");
        }
        return TarArchiveSource.open(path);
    }

    private static ArchiveFormat detect(ArchiveSource source, Path path) {
        boolean docker = source.canonical("manifest.json") != null;
        boolean oci = source.canonical("index.json") != null || source.canonical("oci-layout") != null;
        boolean directory = Files.isDirectory(path);
        if (directory) {
            if (!oci) {
                throw CwbException.badInput(path + " is a directory but not an OCI image layout (it has no oci-layout or index.json)",
                        "point load at the layout directory itself (the one holding index.json), or at a tar file");
            }
            return ArchiveFormat.OCI_LAYOUT_DIRECTORY;
        }
        if (docker && oci) {
            return ArchiveFormat.DOCKER_AND_OCI_ARCHIVE;
        }
        if (docker) {
            return ArchiveFormat.DOCKER_ARCHIVE;
        }
        if (oci) {
            return ArchiveFormat.OCI_ARCHIVE;
        }
        throw CwbException.badInput(path + " is a tar, but neither a 'docker save' archive (no manifest.json) nor an OCI archive"
                + " (no oci-layout or index.json)", "create it with 'docker save', 'skopeo copy ... docker-archive:' or 'oci-archive:'");
    }

    private List<LoadResult.Loaded> execute(ArchiveSource source, LoadPlan plan, LoadListener listener) throws IOException {
        Map<Reference, LoadPlan.PendingImage> byName = new LinkedHashMap<>();
        for (LoadPlan.PendingImage image : plan.images) {
            for (Reference ref : image.names()) {
                if (byName.put(ref, image) != null) {
                    throw CwbException.badInput(source.displayName() + " names two images " + ref.familiar(),
                            "the archive is ambiguous; load a different one");
                }
            }
        }
        if (plan.images.isEmpty()) {
            throw CwbException.badInput(source.displayName() + " holds no images", null);
        }
        listener.planned(plan.streamed.size(), plan.streamedBytes());
        try (StoreTransaction tx = store.begin()) {
            for (LoadPlan.InlineBlob blob : plan.inline.values()) {
                tx.putBlob(blob.mediaType(), new java.io.ByteArrayInputStream(blob.bytes()), blob.digest(),
                        blob.bytes().length, blob.what());
            }
            Map<String, Descriptor> streamed = new HashMap<>();
            int total = plan.streamed.size();
            source.stream(plan.streamed.keySet(), (entry, content) -> {
                InterruptibleInputStream.check();
                LoadPlan.StreamedBlob blob = plan.streamed.get(entry);
                Descriptor stored = blob.importer().importBlob(tx, new InterruptibleInputStream(content));
                streamed.put(entry, stored);
                listener.blobStored(streamed.size(), total, stored, blob.what());
            });
            List<LoadResult.Loaded> loaded = new ArrayList<>();
            for (LoadPlan.PendingImage image : plan.images) {
                Descriptor target = image.finish(tx, streamed);
                for (Reference ref : image.names()) {
                    tx.tag(ref, target);
                    loaded.add(new LoadResult.Loaded(ref, target));
                }
            }
            InterruptibleInputStream.check();
            tx.commit();
            return loaded;
        }
    }
}
