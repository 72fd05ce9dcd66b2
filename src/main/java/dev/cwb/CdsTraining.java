package dev.cwb;

import dev.cwb.registry.TrainingRegistry;

import java.io.IOException;
import java.io.InputStream;

/**
 * A training run for the launcher's class-data-sharing archive (see {@code ./cwb}): pulls from a
 * {@link TrainingRegistry} in this JVM as {@code cwb pull} would, so that the classes of a successful
 * pull (JSON, the store, {@code java.net.http}, downloads) are recorded by {@code -XX:DumpLoadedClassList}
 * and archived. Three pulls, each as a separate {@code cwb pull} command: a manifest into an empty store,
 * an index naming the same manifest, and the first again ("Image is up to date"). The launcher runs it
 * with a throw-away {@code CWB_HOME}; nothing leaves the loopback address.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        int status = 0;
        try (TrainingRegistry registry = TrainingRegistry.start()) {
            String image = registry.host() + "/" + TrainingRegistry.REPOSITORY;
            for (String tag : new String[] {"single", "index", "single"}) {
                status |= Main.run(new String[] {"pull", image + ":" + tag}, InputStream.nullInputStream());
            }
        }
        System.exit(status);
    }
}
