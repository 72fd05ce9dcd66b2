package dev.cwb.samples;

import dev.cwb.image.Digest;
import dev.cwb.image.Reference;

/** The result of a build: the tag, the manifest's digest and the image id (the config's digest). */
public record BuiltImage(Reference reference, Digest manifest, Digest id, int layers) {
}
