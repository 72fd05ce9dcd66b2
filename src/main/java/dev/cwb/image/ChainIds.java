package dev.cwb.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * ChainIDs name a stack of layers rather than one layer (OCI image-spec "Image Configuration" §Layer
 * ChainID): {@code ChainID(1) = DiffID(1)} and {@code ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n))}.
 * Two images whose bottom n layers are the same have the same ChainID(n), which is what lets runtimes
 * share unpacked layers between images.
 */
public final class ChainIds {
    private ChainIds() {
    }

    /** The ChainID of each prefix of the stack, bottom first. */
    public static List<Digest> of(List<Digest> diffIds) {
        List<Digest> chain = new ArrayList<>();
        Digest previous = null;
        for (Digest diffId : diffIds) {
            previous = previous == null ? diffId
                    : Digest.sha256((previous + " " + diffId).getBytes(StandardCharsets.UTF_8));
            chain.add(previous);
        }
        return chain;
    }
}
