package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.MediaTypes.Compression;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans the load of a {@code docker save} tar. Docker's format has no manifest blob: {@code manifest.json}
 * lists, per image, a config file and layer files. The workbench stores OCI, so it builds an OCI image
 * manifest: the config bytes exactly as they are (so the image id, the config's digest, does not change)
 * and one descriptor per layer file, with the media type its content shows (Docker's own layers are
 * uncompressed tars; Docker 25+ with the containerd store may save gzip blobs).
 *
 * <p>Checks: a config file named by a digest must hash to it; the config's {@code rootfs.diff_ids}
 * must count the layers; an uncompressed layer's sha256 must equal its diff_id — that is the definition
 * of a diff_id (image-spec "Image Configuration" §rootfs), and it is how a damaged layer is caught.
 * (A compressed layer's diff_id would need a second, decompressing hash; it is checked when the layer is
 * unpacked.)
 */
final class DockerSavePlanner {
    /** {@code blobs/sha256/HEX}, {@code HEX.json}, {@code HEX.tar} or {@code HEX/layer.tar}'s directory. */
    private static final Pattern DIGEST_NAME = Pattern.compile("(?:.*/)?(?:sha256[/:])?([a-f0-9]{64})(?:\\.json|\\.tar)?");

    private final ArchiveSource source;
    private final ImageNamer namer;
    private final LoadPlan plan = new LoadPlan();
    private final Map<String, Digest> diffIdByEntry = new HashMap<>();

    DockerSavePlanner(ArchiveSource source, ImageNamer namer) {
        this.source = source;
        this.namer = namer;
    }

    /** Reads and validates manifest.json (without planning anything). */
    static List<DockerManifestEntry> readManifest(ArchiveSource source) {
        String what = "manifest.json in " + source.displayName();
        DockerManifestEntry[] entries = Json.parse(source.readMetadata(source.canonical("manifest.json")),
                DockerManifestEntry[].class, what);
        for (DockerManifestEntry e : entries) {
            if (e == null || e.config() == null || e.layers() == null) {
                throw CwbException.corrupt("malformed " + what + ": every image needs \"Config\" and \"Layers\"",
                        "the file is damaged or is not what its name says");
            }
        }
        return List.of(entries);
    }

    /** RepoTags by config digest, to name the images of an OCI index.json in the same tar. */
    static Map<Digest, List<Reference>> tagsByConfig(ArchiveSource source) {
        Map<Digest, List<Reference>> tags = new HashMap<>();
        for (DockerManifestEntry e : readManifest(source)) {
            String config = source.canonical(EntryNames.clean(e.config(), "manifest.json"));
            if (config != null) {
                tags.put(Digest.sha256(source.readMetadata(config)), repoTags(source, e));
            }
        }
        return tags;
    }

    LoadPlan plan() {
        int n = 0;
        for (DockerManifestEntry entry : readManifest(source)) {
            n++;
            planImage(entry, n);
        }
        return plan;
    }

    private void planImage(DockerManifestEntry entry, int number) {
        List<Reference> tags = repoTags(source, entry);
        String what = tags.isEmpty() ? "image " + number + " of manifest.json" : tags.get(0).familiar();
        String configEntry = existing(entry.config(), "config of " + what);
        byte[] configBytes = source.readMetadata(configEntry);
        Digest configDigest = Digest.sha256(configBytes);
        Digest named = digestInName(configEntry);
        if (named != null && !named.equals(configDigest)) {
            throw CwbException.corrupt("the config of " + what + " (" + configEntry + " in " + source.displayName()
                    + ") does not match its digest " + named + ": its bytes hash to " + configDigest,
                    "the archive is damaged; nothing was loaded");
        }
        ImageConfig config = Json.parse(configBytes, ImageConfig.class, configEntry + " in " + source.displayName());
        if (config.diffIds().size() != entry.layers().size()) {
            throw CwbException.corrupt("manifest.json in " + source.displayName() + " lists " + entry.layers().size()
                    + " layers for " + what + " but its config lists " + config.diffIds().size() + " diff_ids",
                    "the archive is damaged");
        }
        plan.addInline(new LoadPlan.InlineBlob(MediaTypes.OCI_CONFIG, configBytes, configDigest, "config of " + what));

        List<String> layerEntries = new ArrayList<>();
        for (int i = 0; i < entry.layers().size(); i++) {
            String label = "layer " + (i + 1) + " of " + what;
            String layerEntry = existing(entry.layers().get(i), label);
            Digest diffId = config.diffIds().get(i);
            Digest previous = diffIdByEntry.putIfAbsent(layerEntry, diffId);
            if (previous != null && !previous.equals(diffId)) {
                throw CwbException.corrupt(layerEntry + " in " + source.displayName() + " is used as two different layers ("
                        + previous + " and " + diffId + ")", "the archive is damaged");
            }
            layerEntries.add(layerEntry);
            plan.addStreamed(new LoadPlan.StreamedBlob(layerEntry, source.size(layerEntry),
                    label + " (" + layerEntry + ", diff_id " + diffId + ")",
                    new LayerImporter(diffId, digestInName(layerEntry), source.size(layerEntry),
                            label + " (" + layerEntry + ", diff_id " + diffId + ")")));
        }
        Descriptor configDescriptor = new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length);
        List<Reference> names = tags.isEmpty() ? List.of(namer.forUntagged(configDigest)) : tags;
        plan.images.add(new LoadPlan.PendingImage() {
            @Override
            public List<Reference> names() {
                return names;
            }

            @Override
            public Descriptor finish(StoreTransaction tx, Map<String, Descriptor> streamed) {
                List<Descriptor> layers = layerEntries.stream().map(streamed::get).toList();
                Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, configDescriptor, layers, null);
                return tx.putBlob(MediaTypes.OCI_MANIFEST, Json.bytes(manifest), "manifest of " + names.get(0).familiar());
            }
        });
    }

    private static List<Reference> repoTags(ArchiveSource source, DockerManifestEntry entry) {
        Map<Reference, Boolean> tags = new LinkedHashMap<>();
        if (entry.repoTags() != null) {
            for (String tag : entry.repoTags()) {
                try {
                    tags.put(Reference.parse(tag), true);
                } catch (CwbException e) {
                    throw CwbException.badInput("manifest.json in " + source.displayName() + " has RepoTag '" + tag
                            + "', which is not an image reference", "use a tool that wrote the archive to fix the tag");
                }
            }
        }
        return List.copyOf(tags.keySet());
    }

    /** The cleaned, existing, link-resolved archive file that manifest.json's {@code name} denotes. */
    private String existing(String name, String what) {
        String cleaned = EntryNames.clean(name, "manifest.json in " + source.displayName());
        String canonical = source.canonical(cleaned);
        if (canonical == null) {
            throw CwbException.corrupt("manifest.json in " + source.displayName() + " names " + name + " as the "
                    + what + ", but the archive has no such file", "the archive is incomplete; create it again");
        }
        return canonical;
    }

    private static Digest digestInName(String entry) {
        Matcher m = DIGEST_NAME.matcher(entry);
        if (!m.matches() || entry.endsWith("/layer.tar")) {
            return null; // legacy ID/layer.tar: the ID is a v1 layer id, not a digest of these bytes
        }
        return new Digest("sha256", m.group(1));
    }

    /** Decides a layer's media type and expected digest from its first bytes, then stores it. */
    private record LayerImporter(Digest diffId, Digest namedDigest, long size, String what) implements LoadPlan.BlobImporter {
        @Override
        public Descriptor importBlob(StoreTransaction tx, InputStream content) {
            BufferedInputStream in = new BufferedInputStream(content, 1 << 16);
            Compression compression;
            try {
                compression = dev.cwb.layer.LayerStreams.sniff(in);
            } catch (IOException e) {
                throw new CwbException(CwbException.IO, "cannot read " + what + ": " + CwbException.reason(e), null, e);
            }
            if (compression == Compression.NONE) {
                if (namedDigest != null && !namedDigest.equals(diffId)) {
                    throw CwbException.corrupt(what + " is an uncompressed tar, so its digest must equal its diff_id, but its file is named "
                            + namedDigest, "the archive is damaged; nothing was loaded");
                }
                return tx.putBlob(MediaTypes.OCI_LAYER, in, diffId, size, what);
            }
            String mediaType = compression == Compression.GZIP ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_ZSTD;
            return tx.putBlob(mediaType, in, namedDigest, size, what);
        }
    }
}
