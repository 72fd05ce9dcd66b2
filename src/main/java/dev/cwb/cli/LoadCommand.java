package dev.cwb.cli;

import dev.cwb.view.Printable;
import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageStore;
import dev.cwb.image.archive.ArchiveLoader;
import dev.cwb.image.archive.LoadListener;
import dev.cwb.image.archive.LoadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** {@code load PATH}: add images from a docker-save tar, an OCI archive tar or an OCI layout directory. */
@Command(name = "load", description = {
        "Add images from a 'docker save' tar, an OCI archive tar, or an OCI layout directory (told apart by content; gzip is fine).",
        "Every blob is checked against its digest; if anything is wrong, nothing is added."})
public final class LoadCommand extends WorkbenchCommand {
    /** Loads copying at least this much get a line per blob, so a long load visibly moves. */
    static final long PROGRESS_THRESHOLD = 8L << 20;

    @Parameters(index = "0", paramLabel = "PATH", description = "The tar file or OCI layout directory.")
    Path path;

    @Option(names = "--name", paramLabel = "REPO[:TAG]",
            description = "Repository for images the archive names only by a tag (as umoci and skopeo do), or the name of an untagged image.")
    String name;

    @Override
    protected int run() {
        PrintWriter out = out();
        ImageStore store = workbench.images();
        LoadResult result = new ArchiveLoader(store).load(path, name, new ProgressPrinter(out));
        for (String note : result.notes()) {
            out.println("note: " + Printable.of(note));
        }
        for (LoadResult.Loaded loaded : result.images()) {
            out.println("Loaded image: " + loaded.reference().familiar() + " (" + imageId(store, loaded) + ")");
        }
        return 0;
    }

    /** The id {@code images} shows: the config digest of the (platform's) manifest the name now resolves to. */
    private static String imageId(ImageStore store, LoadResult.Loaded loaded) {
        try {
            Digest id = store.image(new ImageStore.ImageEntry(loaded.reference(), loaded.descriptor())).id();
            return "sha256:" + id.shortId();
        } catch (CwbException e) {
            return loaded.descriptor().digest().algorithm() + ":" + loaded.descriptor().digest().shortId();
        }
    }

    /** Prints a line per stored blob when the load is big enough to take a while. */
    private static final class ProgressPrinter implements LoadListener {
        private final PrintWriter out;
        private boolean verbose;

        ProgressPrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void planned(int blobs, long bytes) {
            verbose = bytes >= PROGRESS_THRESHOLD;
            if (verbose) {
                out.println("Copying " + blobs + " blobs (" + human(bytes) + ") into the store, verifying each digest...");
                out.flush();
            }
        }

        @Override
        public void blobStored(int number, int total, Descriptor blob, String what) {
            if (verbose) {
                out.println("  [" + number + "/" + total + "] " + blob.digest().algorithm() + ":" + blob.digest().shortId()
                        + "  " + human(blob.size()) + "  ok");
                out.flush();
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
