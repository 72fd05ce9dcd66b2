package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.DiskFull;
import dev.cwb.cleanup.InUseMarker;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import dev.cwb.kernel.Kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

/**
 * Unpacked layers, one directory per diff_id, shared by every image and container that uses the layer:
 * <pre>
 *   layers/&lt;diff_id hex&gt;/fs/          the layer's files — an overlayfs lowerdir as it stands
 *   layers/&lt;diff_id hex&gt;/layer.json   what unpacking found, and how whiteouts are stored
 * </pre>
 * A layer is unpacked into {@code layers/.tmp-UUID/} and renamed into place only once both its digests are
 * verified, so the cache never holds half a layer. As root, whiteouts become overlayfs whiteouts (char
 * device 0:0, {@code trusted.overlay.opaque=y}); without root they stay as the OCI marker files.
 */
public final class LayerCache {
    private final ImageStore store;
    private final Path dir;
    private final boolean asRoot;

    /** What is recorded beside an unpacked layer. */
    public record Info(Digest diffId, Digest blob, String whiteoutFormat, int entries, long fileBytes, long tarBytes,
                       int whiteouts, int opaques, int skippedDevices, double seconds) {
    }

    /** One layer's outcome: where it is, and whether it was unpacked now or found in the cache. */
    public record Unpacked(int index, Path fs, Info info, boolean cached) {
    }

    /** Called as each layer is done (from a worker thread). */
    public interface Listener {
        void layerDone(Unpacked layer, int total);
    }

    public LayerCache(ImageStore store, Path dir, boolean asRoot) {
        this.store = store;
        this.dir = dir;
        this.asRoot = asRoot;
    }

    public Path dir() {
        return dir;
    }

    public Path fsOf(Digest diffId) {
        return dir.resolve(diffId.encoded()).resolve("fs");
    }

    /** Unpacks every layer of the image not yet cached, in parallel; returns them bottom first. */
    public List<Unpacked> unpack(Image image, Listener listener) {
        List<Descriptor> layers = image.layers();
        List<Digest> diffIds = image.config().diffIds();
        List<Unpacked> cached = allCached(layers, diffIds);
        if (cached != null) {
            cached.forEach(u -> listener.layerDone(u, layers.size())); // no worker pool for nothing to do
            return cached;
        }
        // cancelled layers are removed by unpackOne's own clean-up, so nothing half-unpacked stays behind
        return LayerWorkers.run(layers.size(), "layer-unpack", "unpacking " + image.reference().familiar(),
                "check the free space and permissions of " + dir, index -> {
                    Descriptor layer = layers.get(index - 1);
                    String what = "layer " + index + " of " + image.reference().familiar() + " (blob " + layer.digest() + ")";
                    Unpacked u = unpackOne(index, layer, diffIds.get(index - 1), what);
                    listener.layerDone(u, layers.size());
                    return u;
                });
    }

    // Whiteout formats, as layer.json records them.
    /** overlayfs whiteouts, opaque directories marked with trusted.overlay.opaque only: what older workbenches wrote as root. */
    public static final String FORMAT_OVERLAY = "overlay";
    /** overlayfs whiteouts, opaque directories marked with both trusted.overlay.opaque and user.overlay.opaque (root). */
    public static final String FORMAT_OVERLAY_BOTH = "overlay+user";
    /** overlayfs whiteouts with user.overlay.* xattrs: mount with userxattr. */
    public static final String FORMAT_OVERLAY_USER = "overlay-user";
    /** OCI marker files (.wh.NAME), which overlayfs does not understand. */
    public static final String FORMAT_OCI = "oci";

    private static String formatOf(LayerExtractor.WhiteoutMode mode) {
        return switch (mode) {
            case OVERLAY -> FORMAT_OVERLAY_BOTH;
            case OVERLAY_USER -> FORMAT_OVERLAY_USER;
            default -> FORMAT_OCI;
        };
    }

    /** Every layer as already cached, bottom first; null when any one is not (or its record is unreadable). */
    private List<Unpacked> allCached(List<Descriptor> layers, List<Digest> diffIds) {
        List<Unpacked> result = new java.util.ArrayList<>();
        for (int i = 0; i < layers.size() && i < diffIds.size(); i++) {
            Path done = dir.resolve(diffIds.get(i).encoded());
            Path infoFile = done.resolve("layer.json");
            try {
                result.add(new Unpacked(i + 1, done.resolve("fs"), dev.cwb.image.FlatJson.read(Files.readAllBytes(infoFile), Info.class,
                        infoFile.toString()), true));
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return result.size() == layers.size() ? result : null;
    }

    /** One layer into the cache; a full disk is said as such, after the half-unpacked layer is gone. */
    private Unpacked unpackOne(int index, Descriptor layer, Digest diffId, String what) throws IOException {
        try {
            return unpackAside(index, layer, diffId, what);
        } catch (IOException | RuntimeException e) {
            if (DiskFull.is(e)) {
                throw DiskFull.error("unpacking " + what, dir, LayerScanner.fileBytes(store, layer, diffId, what),
                        "nothing of that layer was left in the layer cache", e);
            }
            throw e;
        }
    }

    private Unpacked unpackAside(int index, Descriptor layer, Digest diffId, String what) throws IOException {
        Path done = dir.resolve(diffId.encoded());
        Path infoFile = done.resolve("layer.json");
        if (Files.isRegularFile(infoFile)) {
            return new Unpacked(index, done.resolve("fs"), dev.cwb.image.FlatJson.read(Files.readAllBytes(infoFile), Info.class, infoFile.toString()), true);
        }
        Files.createDirectories(dir);
        if (asRoot) {
            // Layers keep their owners, set-uid bits and device nodes: only root may walk into the cache,
            // or any local user could run a layer's set-uid-root program or open its 0666 disk node.
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
        Path fs = tmp.resolve("fs");
        Files.createDirectories(fs);
        long start = System.nanoTime();
        boolean ok = false;
        try (InUseMarker marker = InUseMarker.hold(tmp); LayerSource source = new LayerSource(store, layer, diffId, what)) {
            LayerExtractor.WhiteoutMode mode = asRoot ? LayerExtractor.WhiteoutMode.OVERLAY
                    : Kernel.available() ? LayerExtractor.WhiteoutMode.OVERLAY_USER : LayerExtractor.WhiteoutMode.KEEP;
            LayerExtractor.Result r;
            try {
                r = new LayerExtractor(fs, mode, asRoot).extract(source.tar(), what);
            } catch (IOException e) {
                DiskFull.check(e, fs);
                throw CwbException.corrupt("cannot unpack " + what + ": " + e.getMessage(),
                        "the layer blob is truncated or damaged; nothing was left in the layer cache");
            }
            long tarBytes = source.verify();
            Info info = new Info(diffId, layer.digest(), formatOf(mode), r.entries(), r.fileBytes(), tarBytes,
                    r.whiteouts(), r.opaques(), r.skippedDevices(), (System.nanoTime() - start) / 1e9);
            Files.write(tmp.resolve("layer.json"), dev.cwb.image.FlatJson.bytes(info));
            try {
                Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
                InUseMarker.forget(done); // the marker moved along; the finished layer needs none
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // another workbench unpacked the same layer meanwhile: same diff_id, same files
                LayerExtractor.deleteTree(tmp);
            }
            ok = true;
            return new Unpacked(index, done.resolve("fs"), info, false);
        } finally {
            if (!ok && Files.exists(tmp)) {
                LayerExtractor.deleteTree(tmp);
            }
        }
    }
}
