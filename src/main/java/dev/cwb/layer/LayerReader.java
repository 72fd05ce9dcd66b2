package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the layers of one image for {@code diff} and {@code cat}: each layer at most once for its listing
 * (kept for the rest of the command), and once more only to copy out a file that was not captured on the
 * first pass.
 *
 * <p>Every pass goes through {@link LayerSource}, which checks the blob digest (compressed bytes) and the
 * diff_id (uncompressed tar). A listing or content is returned only after both matched: a damaged layer is
 * an error naming it, never a result. Reading stops when the calling thread is interrupted (Ctrl-C).
 */
public final class LayerReader {
    private final ImageStore store;
    private final Image image;
    private final Map<Integer, LayerListing> listings = new ConcurrentHashMap<>();

    public LayerReader(ImageStore store, Image image) {
        this.store = store;
        this.image = image;
    }

    public Image image() {
        return image;
    }

    /** The number of layers. */
    public int count() {
        return image.layers().size();
    }

    /** How errors name layer {@code index}: "layer 2 of busybox:latest (blob sha256:...)". */
    public String describe(int index) {
        return "layer " + index + " of " + image.reference().familiar() + " (blob " + image.layers().get(index - 1).digest() + ")";
    }

    /** The listing of layer {@code index} (1-based), read once. */
    public LayerListing list(int index) {
        return list(index, null).listing();
    }

    /** A listing, and the content of the regular file at {@code capture} if the layer has one (else null). */
    public record Pass(LayerListing listing, ContentBuffer content) {
    }

    /**
     * Lists layer {@code index}; when {@code capture} names a regular file of it, copies that file's content
     * in the same pass. The listing is cached; the content belongs to the caller (close it).
     */
    public Pass list(int index, String capture) {
        LayerListing cached = listings.get(index);
        if (cached != null && capture == null) {
            return new Pass(cached, null);
        }
        Pass pass = read(index, capture);
        listings.putIfAbsent(index, pass.listing());
        return pass;
    }

    /** Reads layers {@code 1..top} (those not yet read) in parallel, one platform thread per core. */
    public List<LayerListing> listUpTo(int top) {
        return LayerWorkers.run(top, "layer-list", "reading the layers of " + image.reference().familiar(), null, this::list);
    }

    private Pass read(int index, String capture) {
        Descriptor layer = image.layers().get(index - 1);
        Digest diffId = image.config().diffIds().get(index - 1);
        String what = describe(index);
        List<LayerFile> files = new ArrayList<>();
        ContentBuffer content = null;
        boolean ok = false;
        try (LayerSource source = new LayerSource(store, layer, diffId, what)) {
            CheckedTar tar = new CheckedTar(source.tar(), what);
            for (TarArchiveEntry e; (e = tar.next()) != null; ) {
                LayerFile file = toFile(e);
                files.add(file);
                if (capture != null && file.isRegularFile() && file.path().equals(capture)) {
                    if (content != null) {
                        content.close(); // the same name again later in the tar: the later one wins
                    }
                    content = new ContentBuffer();
                    content.fill(tar.content());
                }
            }
            long size = source.verify();
            ok = true;
            return new Pass(new LayerListing(index, files, size), content);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw cancelled(what);
        } catch (CwbException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw CwbException.corrupt("cannot read " + what + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    "the layer blob is truncated or damaged; nothing from it was shown");
        } finally {
            if (!ok && content != null) {
                try {
                    content.close();
                } catch (IOException ignored) {
                    // a temporary file we could not delete is not worth hiding the real error
                }
            }
        }
    }

    private static LayerFile toFile(TarArchiveEntry e) {
        LayerEntry entry = LayerScanner.toEntry(e);
        String target = null;
        if (entry.kind() == LayerEntry.Kind.SYMLINK) {
            target = e.getLinkName();
        } else if (entry.kind() == LayerEntry.Kind.HARDLINK) {
            target = TarPaths.clean(e.getLinkName());
        }
        return new LayerFile(entry.path(), entry.kind(), entry.size(), target);
    }

    private static CwbException cancelled(String what) {
        return new CwbException(CwbException.IO, "cancelled while reading " + what, null);
    }
}
