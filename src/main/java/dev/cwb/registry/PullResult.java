package dev.cwb.registry;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Reference;

/**
 * What a pull did. {@code digest} is the digest of what the reference names on the registry (the index
 * for a multi-platform image), as {@code docker pull} prints it; {@code manifest} is the platform's image
 * manifest that was stored and tagged.
 */
public record PullResult(Reference reference, Digest digest, Descriptor manifest, boolean upToDate,
                         int layersDownloaded, int layersExisting, long bytesDownloaded) {
}
