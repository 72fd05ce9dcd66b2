package dev.cwb.build;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.util.List;

/**
 * The last part of making an image: its config (OCI image-spec "Image Configuration") and manifest
 * ("Image Manifest") staged beside its layers, each tag named, and the transaction committed, so the
 * whole image appears at once or not at all. The image id is the config's digest.
 */
public final class ImageWriter {
    /** What was stored: the manifest's digest and the image id. */
    public record Written(Digest manifest, Digest id, List<Reference> tags) {
    }

    private ImageWriter() {
    }

    public static Written commit(StoreTransaction tx, ImageConfig config, List<Descriptor> layers, List<Reference> tags, String what) {
        Descriptor configBlob = tx.putBlob(MediaTypes.OCI_CONFIG, Json.bytes(config), "config of " + what);
        Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, configBlob, layers, null);
        Descriptor manifestBlob = tx.putBlob(MediaTypes.OCI_MANIFEST, Json.bytes(manifest), "manifest of " + what);
        for (Reference tag : tags) {
            tx.tag(tag, manifestBlob);
        }
        tx.commit();
        return new Written(manifestBlob.digest(), configBlob.digest(), List.copyOf(tags));
    }
}
