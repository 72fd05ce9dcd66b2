package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.DiskFull;
import dev.cwb.cleanup.PendingWork;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Applies an image's layers, bottom first, into one directory: the merged root filesystem, with every
 * whiteout applied as the OCI image spec says ("Applying Changesets"). This is what {@code umoci unpack}
 * and {@code docker export} give. The result is built in a hidden sibling directory and renamed to the
 * target only when every layer is verified, so a failure leaves no half-built tree.
 */
public final class FlatUnpacker {
    private final ImageStore store;
    private final boolean asRoot;
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    /** Where the hidden work directory is registered, so 'cleanup' finds it if this process is killed. */
    private final Path pendingDir;

    public FlatUnpacker(ImageStore store, boolean asRoot, Path pendingDir) {
        this.store = store;
        this.asRoot = asRoot;
        this.pendingDir = pendingDir;
    }

    /** Called after each layer is applied. */
    public interface Listener {
        void layerApplied(int index, int total, Descriptor layer, LayerExtractor.Result result, long tarBytes, double seconds);
    }

    public void unpack(Image image, Path target, Listener listener) {
        requireEmptyOrNew(target);
        Path parent = target.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + target.getFileName() + ".cwb-" + UUID.randomUUID());
        try (PendingWork registered = PendingWork.register(pendingDir, tmp)) {
            try {
                build(image, target, tmp, listener);
            } catch (RuntimeException e) {
                if (DiskFull.is(e)) { // said once the half-built tree is gone, with what the image's files need
                    throw DiskFull.error("unpacking " + image.reference().familiar() + " into " + target, parent,
                            neededFor(image), "nothing was written to " + target, e);
                }
                throw e;
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot register the work directory in " + pendingDir + ": " + CwbException.reason(e),
                    "check the permissions of CWB_HOME", e);
        }
    }

    /** Applies the layers into {@code tmp}, then renames it to {@code target}; on any failure deletes {@code tmp}. */
    private void build(Image image, Path target, Path tmp, Listener listener) {
        boolean ok = false;
        try {
            Files.createDirectories(tmp);
            Files.setPosixFilePermissions(tmp, OWNER_ONLY);
            for (int i = 0; i < image.layers().size(); i++) {
                Descriptor layer = image.layers().get(i);
                String what = "layer " + (i + 1) + " of " + image.reference().familiar() + " (blob " + layer.digest() + ")";
                long start = System.nanoTime();
                try (LayerSource source = new LayerSource(store, layer, image.config().diffIds().get(i), what)) {
                    LayerExtractor.Result r;
                    try {
                        r = new LayerExtractor(tmp, LayerExtractor.WhiteoutMode.APPLY, asRoot).extract(source.tar(), what);
                    } catch (java.io.InterruptedIOException e) {
                        throw e;
                    } catch (IOException e) {
                        DiskFull.check(e, tmp);
                        throw CwbException.corrupt("cannot unpack " + what + ": " + e.getMessage(),
                                "the layer blob is truncated or damaged; nothing was written to " + target);
                    }
                    long tarBytes = source.verify();
                    listener.layerApplied(i + 1, image.layers().size(), layer, r, tarBytes, (System.nanoTime() - start) / 1e9);
                }
            }
            if (asRoot) {
                // The layers' owners, set-uid bits and device nodes are kept; like umoci's bundle, the tree is
                // reachable by root only, or any local user could run its set-uid-root programs.
                Files.setPosixFilePermissions(tmp, OWNER_ONLY);
            }
            if (Files.isDirectory(target)) {
                Files.delete(target); // checked empty above
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            ok = true;
        } catch (java.io.InterruptedIOException e) {
            throw new CwbException(CwbException.IO, "cancelled; nothing was written to " + target, null);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot unpack into " + target + ": " + CwbException.reason(e),
                    "check the free space and permissions there", e);
        } finally {
            if (!ok && Files.exists(tmp)) {
                try {
                    LayerExtractor.deleteTree(tmp);
                } catch (IOException e) {
                    // reported by 'cleanup' later
                }
            }
        }
    }

    /** The bytes of every layer's files (an upper bound: a later layer may replace an earlier one's), or -1. */
    private long neededFor(Image image) {
        long sum = 0;
        for (int i = 0; i < image.layers().size(); i++) {
            long n = LayerScanner.fileBytes(store, image.layers().get(i), image.config().diffIds().get(i), "layer " + (i + 1));
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }

    /** {@code target} must not exist yet, or be an empty directory: nothing of the learner's may be replaced. */
    public static void requireEmptyOrNew(Path target) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw CwbException.badInput(target + " exists and is not a directory", "choose a new directory name");
        }
        try (Stream<Path> s = Files.list(target)) {
            if (s.findAny().isPresent()) {
                throw CwbException.badInput(target + " is not empty", "choose a new or empty directory, so nothing of yours is overwritten");
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + target + ": " + CwbException.reason(e), null, e);
        }
    }
}
