package dev.cwb.registry;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Reference;

/**
 * What a pull tells the one watching it, in Docker's words: each layer is {@code Pulling fs layer} (to be
 * downloaded), {@code Already exists} (the store has that blob, perhaps from another image), then
 * {@code Downloading} with byte counts, then {@code Pull complete} once its digest is verified.
 * Called from several download threads at once.
 */
public interface PullListener {
    PullListener NONE = new PullListener() {
    };

    enum LayerState {
        WAITING("Pulling fs layer"), EXISTS("Already exists"), DOWNLOADING("Downloading"), RETRYING("Retrying"), COMPLETE("Pull complete");

        private final String label;

        LayerState(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Before anything is fetched: {@code latest: Pulling from library/alpine}. */
    default void started(Reference ref) {
    }

    default void layer(Descriptor layer, LayerState state) {
    }

    /** {@code done} of {@code layer.size()} bytes have arrived. */
    default void progress(Descriptor layer, long done) {
    }

    /** All layers are in (before the store commits). */
    default void downloaded() {
    }
}
