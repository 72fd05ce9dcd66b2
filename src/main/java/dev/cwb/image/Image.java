package dev.cwb.image;

import java.util.List;

/**
 * An image as the store holds it, fully resolved: the reference it was found by, its manifest (and the
 * descriptor naming it), and its parsed configuration. The image id, as Docker shows it, is the digest
 * of the config blob.
 */
public record Image(Reference reference, Descriptor manifestDescriptor, Manifest manifest,
                    ImageConfig config) {

    public Digest id() {
        return manifest.config().digest();
    }

    public List<Descriptor> layers() {
        return manifest.layers();
    }

    /** Manifest + config + layers: the bytes this image occupies in the store (compressed layers). */
    public long contentSize() {
        long size = manifestDescriptor.size() + manifest.config().size();
        for (Descriptor layer : manifest.layers()) {
            size += layer.size();
        }
        return size;
    }
}
