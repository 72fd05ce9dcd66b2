package dev.cwb.samples;

import dev.cwb.image.Descriptor;
import dev.cwb.image.ImageStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Test helpers: where the shipped recipes are, and what a stored layer tar really contains. */
final class SampleFixtures {
    private SampleFixtures() {
    }

    /** The repository's sample-images/ (surefire sets CWB_TEST_REPO; the working directory is the fallback). */
    static Path recipesDir() {
        String repo = System.getenv("CWB_TEST_REPO");
        Path dir = (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath().resolve("sample-images");
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("no sample-images directory at " + dir);
        }
        return dir;
    }

    /** One tar entry as read back from a stored layer blob. */
    record TarItem(String name, boolean directory, boolean symlink, String linkTarget, int mode, long uid, long gid,
                   long mtimeSeconds, String user, byte[] content) {
    }

    /** Reads a gzip layer blob from the store with commons-compress, entry by entry, in tar order. */
    static Map<String, TarItem> readLayer(ImageStore store, Descriptor layer) throws IOException {
        Map<String, TarItem> items = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(store.blobPath(layer.digest())));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                byte[] content = e.isFile() ? tar.readAllBytes() : new byte[0];
                items.put(e.getName(), new TarItem(e.getName(), e.isDirectory(), e.isSymbolicLink(), e.getLinkName(),
                        e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), e.getModTime().getTime() / 1000,
                        e.getUserName(), content));
            }
        }
        return items;
    }
}
