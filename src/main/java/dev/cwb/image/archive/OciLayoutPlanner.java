package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans the load of an OCI image layout (image-spec "Image Layout"), in a directory or a tar:
 * {@code oci-layout} says it is one, {@code index.json} lists the images, and every manifest, config and
 * layer is a file {@code blobs/sha256/HEX} named by the digest of its bytes.
 *
 * <p>Starting from each index.json entry, the planner follows the references down — nested index to
 * manifests, manifest to config and layers — and checks that each referenced blob exists with the size
 * its descriptor gives. Manifests, indexes and configs are read and their digests checked now; layers
 * are checked as they stream into the store. An index (a multi-platform image) is stored whole; a
 * platform whose manifest the archive does not carry (Docker saves only its own platform) is skipped
 * with a note, but a manifest that is present must be complete.
 */
final class OciLayoutPlanner {
    private static final String CONTAINERD_NAME = "io.containerd.image.name";

    private final ArchiveSource source;
    private final ImageNamer namer;
    private final Map<Digest, List<Reference>> dockerTagsByConfig;
    private final LoadPlan plan = new LoadPlan();
    private final Set<Digest> planned = new HashSet<>();

    /**
     * @param dockerTagsByConfig RepoTags from a manifest.json in the same tar, by config digest
     *                           (Docker 25+ writes both); empty for a pure OCI layout
     */
    OciLayoutPlanner(ArchiveSource source, ImageNamer namer, Map<Digest, List<Reference>> dockerTagsByConfig) {
        this.source = source;
        this.namer = namer;
        this.dockerTagsByConfig = dockerTagsByConfig;
    }

    LoadPlan plan() {
        checkLayoutFile();
        String indexName = source.canonical("index.json");
        if (indexName == null) {
            throw CwbException.badInput(source.displayName() + " has an oci-layout file but no index.json",
                    "the layout is incomplete; create it again");
        }
        ImageIndex index = Json.parse(source.readMetadata(indexName), ImageIndex.class, "index.json in " + source.displayName());
        for (Descriptor entry : index.manifests()) {
            requireDescriptor(entry, "index.json");
            if (!MediaTypes.isIndex(entry.mediaType()) && !MediaTypes.isManifest(entry.mediaType())) {
                plan.notes.add("skipped an index.json entry of media type " + entry.mediaType() + " (not an image)");
                continue;
            }
            String what = "image " + (entry.annotation(Descriptor.REF_NAME) == null ? entry.digest().toString()
                    : entry.annotation(Descriptor.REF_NAME));
            Digest configDigest = visit(entry, what);
            List<Reference> names = namer.forLayoutEntry(entry.annotation(Descriptor.REF_NAME),
                    entry.annotation(CONTAINERD_NAME),
                    configDigest == null ? List.of() : dockerTagsByConfig.getOrDefault(configDigest, List.of()),
                    entry.digest());
            Descriptor target = new Descriptor(entry.mediaType(), entry.digest(), entry.size(), null, entry.platform(), null);
            plan.images.add(new LoadPlan.PendingImage() {
                @Override
                public List<Reference> names() {
                    return names;
                }

                @Override
                public Descriptor finish(StoreTransaction tx, Map<String, Descriptor> streamed) {
                    return target;
                }
            });
        }
        return plan;
    }

    private void checkLayoutFile() {
        String name = source.canonical("oci-layout");
        if (name == null) {
            throw CwbException.badInput(source.displayName() + " has an index.json but no oci-layout file, so it is not an OCI image layout",
                    "an OCI layout has oci-layout, index.json and blobs/sha256/");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> layout = Json.parse(source.readMetadata(name), Map.class, "oci-layout in " + source.displayName());
        Object version = layout.get("imageLayoutVersion");
        if (!(version instanceof String v) || !v.startsWith("1.")) {
            throw CwbException.badInput("oci-layout in " + source.displayName() + " gives imageLayoutVersion " + version
                    + "; only 1.x layouts are understood", null);
        }
    }

    /**
     * Plans {@code d} and everything below it. Returns the config digest when {@code d} is a manifest
     * (so Docker's RepoTags can be matched to it), null for an index.
     */
    private Digest visit(Descriptor d, String what) {
        if (MediaTypes.isIndex(d.mediaType())) {
            ImageIndex index = Json.parse(readChecked(d, "index of " + what), ImageIndex.class,
                    "index of " + what + " (blob " + d.digest() + ")");
            List<String> absent = new ArrayList<>();
            int present = 0;
            for (Descriptor child : index.manifests()) {
                requireDescriptor(child, "index " + d.digest());
                if (!MediaTypes.isIndex(child.mediaType()) && !MediaTypes.isManifest(child.mediaType())) {
                    continue; // image-spec: unknown media types in an index are ignored
                }
                if (source.canonical(blobName(child.digest())) == null) {
                    absent.add(child.platform() == null ? child.digest().shortId() : child.platform().toString());
                    continue;
                }
                visit(child, what + (child.platform() == null ? "" : " (" + child.platform() + ")"));
                present++;
            }
            if (present == 0) {
                throw CwbException.corrupt("the index of " + what + " (blob " + d.digest() + ") lists no image whose manifest is in "
                        + source.displayName(), "the archive is incomplete; create it again");
            }
            if (!absent.isEmpty()) {
                plan.notes.add(what + ": the archive carries " + present + " of the index's platforms; not included: "
                        + String.join(", ", absent));
            }
            return null;
        }
        Manifest manifest = Json.parse(readChecked(d, "manifest of " + what), Manifest.class,
                "manifest of " + what + " (blob " + d.digest() + ")");
        if (manifest.config() == null) {
            throw CwbException.corrupt("the manifest of " + what + " (blob " + d.digest() + ") has no config", null);
        }
        requireDescriptor(manifest.config(), "manifest " + d.digest());
        ImageConfig config = Json.parse(readChecked(manifest.config(), "config of " + what), ImageConfig.class,
                "config of " + what + " (blob " + manifest.config().digest() + ")");
        if (config.diffIds().size() != manifest.layers().size()) {
            throw CwbException.corrupt("the manifest of " + what + " lists " + manifest.layers().size()
                    + " layers but its config lists " + config.diffIds().size() + " diff_ids", "the image is damaged");
        }
        int n = 0;
        for (Descriptor layer : manifest.layers()) {
            n++;
            requireDescriptor(layer, "manifest " + d.digest());
            planLayer(layer, "layer " + n + " of " + what);
        }
        return manifest.config().digest();
    }

    /** Reads a metadata blob and checks its size and digest against the descriptor that named it. */
    private byte[] readChecked(Descriptor d, String what) {
        String entry = existing(d, what);
        byte[] bytes = source.readMetadata(entry);
        Digest actual = Digest.sha256(bytes);
        if (!actual.equals(d.digest())) {
            throw CwbException.corrupt(what + " (blob " + d.digest() + ") in " + source.displayName()
                    + " does not match its digest: its bytes hash to " + actual, "the archive is damaged; nothing was loaded");
        }
        if (planned.add(d.digest())) {
            plan.addInline(new LoadPlan.InlineBlob(d.mediaType(), bytes, d.digest(), what));
        }
        return bytes;
    }

    private void planLayer(Descriptor layer, String what) {
        String entry = existing(layer, what);
        if (!planned.add(layer.digest())) {
            return;
        }
        String label = what + " (blob " + layer.digest() + ")";
        plan.addStreamed(new LoadPlan.StreamedBlob(entry, layer.size(), label,
                (tx, in) -> tx.putBlob(layer.mediaType(), in, layer.digest(), layer.size(), label)));
    }

    /** The archive file holding {@code d}, checked to exist with the descriptor's size. */
    private String existing(Descriptor d, String what) {
        String entry = source.canonical(blobName(d.digest()));
        if (entry == null) {
            throw CwbException.corrupt(what + " (blob " + d.digest() + ") is referenced but missing from " + source.displayName(),
                    "the archive is incomplete; create it again");
        }
        long size = source.size(entry);
        if (size != d.size()) {
            throw CwbException.corrupt(what + " (blob " + d.digest() + ") has " + size + " bytes in " + source.displayName()
                    + " but its descriptor says " + d.size(), "the archive is damaged; nothing was loaded");
        }
        return entry;
    }

    private void requireDescriptor(Descriptor d, String where) {
        if (d.digest() == null || d.mediaType() == null) {
            throw CwbException.corrupt("a descriptor in " + where + " of " + source.displayName()
                    + " lacks a digest or media type", "the archive is damaged");
        }
        if (!d.digest().algorithm().equals("sha256")) {
            throw new CwbException(CwbException.UNSUPPORTED, "blob " + d.digest() + " in " + source.displayName()
                    + " uses " + d.digest().algorithm() + "; the workbench stores sha256 blobs only", null);
        }
    }

    static String blobName(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.encoded();
    }
}
