package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.OciJson;
import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code pull}: the distribution-spec "Pull" workflow, step by step.
 * <ol>
 *   <li>{@code GET /v2/} — find out what login the registry wants, and get it;</li>
 *   <li>{@code GET /v2/NAME/manifests/TAG} — the manifest, or an index from which this machine's (or the
 *       {@code --platform}) manifest is chosen and fetched by digest;</li>
 *   <li>{@code GET /v2/NAME/blobs/DIGEST} — the config and every layer the store does not already hold,
 *       several at once, each verified against its digest and size;</li>
 *   <li>commit — blobs become visible and the normalised reference is tagged, all at once. A failure or
 *       Ctrl-C at any step before leaves the store exactly as it was.</li>
 * </ol>
 */
public final class ImagePuller {
    private static final Set<String> CONFIG_TYPES = Set.of(MediaTypes.OCI_CONFIG, MediaTypes.DOCKER_CONFIG);

    private final Supplier<ImageStore> openStore;
    private final RegistrySettings settings;
    private final HttpTrace trace;
    private final PullListener listener;
    private final int threads;

    /** @param threads how many blobs download at once (1 keeps an {@code --explain} trace in order) */
    public ImagePuller(ImageStore store, RegistrySettings settings, HttpTrace trace, PullListener listener, int threads) {
        this(() -> store, settings, trace, listener, threads);
    }

    /**
     * @param openStore opens the store; called on another thread while the registry is asked for the
     *              manifest, because a first opening (JSON set-up, index.json) takes as long as that
     */
    public ImagePuller(Supplier<ImageStore> openStore, RegistrySettings settings, HttpTrace trace, PullListener listener, int threads) {
        this.openStore = openStore;
        this.settings = settings;
        this.trace = trace;
        this.listener = listener;
        this.threads = Math.max(1, threads);
    }

    public PullResult pull(Reference ref, Platform platform) throws InterruptedException {
        listener.started(ref);
        CompletableFuture<ImageStore> opening = CompletableFuture.supplyAsync(openStore, task -> {
            Thread t = new Thread(task, "cwb-open-store");
            t.setDaemon(true);
            t.start();
        });
        try (RegistryClient client = RegistryClient.forReference(settings, ref, "pull", trace)) {
            return pull(client, ref, platform, opening);
        } catch (CwbException e) {
            // An unusable store is reported before any registry error, as when the store was opened first.
            throw failureOf(opening).orElse(e);
        }
    }

    private static ImageStore await(CompletableFuture<ImageStore> opening) throws InterruptedException {
        try {
            return opening.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Optional<RuntimeException> failureOf(CompletableFuture<ImageStore> opening) {
        try {
            await(opening);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private PullResult pull(RegistryClient client, Reference ref, Platform platform, CompletableFuture<ImageStore> opening)
            throws InterruptedException {
        client.ping();
        // Not earlier: on two cores the warm-up slowed the HTTP client's own first steps more than it gained.
        HashWarmUp.startOnce();
        String what = "manifest " + ref.familiar();
        ManifestFetcher.Fetched top = ManifestFetcher.fetch(client, ref.digest() != null ? ref.digest().toString() : ref.tag(), ref.digest(), what);
        ManifestFetcher.Fetched chosen = top;
        Platform chosenPlatform = null;
        if (top.isIndex()) {
            ImageIndex index = OciJson.index(top.bytes(), "index of " + ref.familiar());
            Descriptor d = PlatformSelector.select(index, platform, "the index of " + ref.familiar());
            trace.note("the index lists " + index.manifests().size() + " manifests; " + d.platform() + " is " + d.digest());
            chosen = ManifestFetcher.fetch(client, d.digest().toString(), d.digest(), "manifest " + ref.familiar() + " for " + d.platform());
            if (chosen.isIndex()) {
                throw new CwbException(CwbException.UNSUPPORTED, "the index of " + ref.familiar() + " points to another index for " + d.platform(),
                        "nested indexes are not supported");
            }
            chosenPlatform = d.platform();
        }
        Manifest manifest = OciJson.manifest(chosen.bytes(), what + " (" + chosen.digest() + ")");
        checkIsImage(manifest, ref);
        Descriptor manifestDescriptor = new Descriptor(chosen.mediaType(), chosen.digest(), chosen.bytes().length, null, chosenPlatform, null);

        List<Descriptor> blobs = new ArrayList<>();
        blobs.add(manifest.config());
        blobs.addAll(manifest.layers());
        ImageStore store = await(opening);
        if (isUpToDate(store, ref, chosen.digest(), blobs)) {
            manifest.layers().forEach(l -> listener.layer(l, PullListener.LayerState.EXISTS));
            return new PullResult(ref, top.digest(), manifestDescriptor, true, 0, manifest.layers().size(), 0);
        }
        try (StoreTransaction tx = store.begin()) {
            tx.putBlob(chosen.mediaType(), new java.io.ByteArrayInputStream(chosen.bytes()), chosen.digest(), chosen.bytes().length, what);
            Map<Digest, Descriptor> missing = new LinkedHashMap<>();
            int existing = 0;
            for (Descriptor blob : blobs) {
                boolean layer = blob != manifest.config();
                if (tx.has(blob.digest())) {
                    existing += layer ? 1 : 0;
                    if (layer) {
                        listener.layer(blob, PullListener.LayerState.EXISTS);
                    }
                } else if (missing.putIfAbsent(blob.digest(), blob) == null && layer) {
                    listener.layer(blob, PullListener.LayerState.WAITING);
                }
            }
            long bytes = download(tx, client, manifest, missing);
            listener.downloaded();
            tx.tag(ref, manifestDescriptor);
            tx.commit();
            int downloadedLayers = (int) missing.values().stream().filter(b -> b != manifest.config()).count();
            return new PullResult(ref, top.digest(), manifestDescriptor, false, downloadedLayers, existing, bytes);
        }
    }

    /** Docker's "Image is up to date": the tag already names this manifest and every blob is there. */
    private static boolean isUpToDate(ImageStore store, Reference ref, Digest manifestDigest, List<Descriptor> blobs) {
        for (ImageStore.ImageEntry e : store.list()) {
            if (e.reference().equals(ref) && e.descriptor().digest().equals(manifestDigest)) {
                return store.hasBlob(manifestDigest) && blobs.stream().allMatch(b -> store.hasBlob(b.digest()));
            }
        }
        return false;
    }

    private static void checkIsImage(Manifest manifest, Reference ref) {
        if (manifest.config() == null) {
            throw CwbException.corrupt("the manifest of " + ref.familiar() + " has no config", "the image in the registry is damaged");
        }
        if (!CONFIG_TYPES.contains(manifest.config().mediaType())) {
            throw new CwbException(CwbException.UNSUPPORTED, ref.familiar() + " is not a container image: its config has media type '"
                    + manifest.config().mediaType() + "'", "it is some other artifact stored in a registry (a Helm chart, a signature...)");
        }
        for (Descriptor layer : manifest.layers()) {
            if (!MediaTypes.isLayer(layer.mediaType())) {
                throw new CwbException(CwbException.UNSUPPORTED, "layer " + layer.digest().shortId() + " of " + ref.familiar()
                        + " has media type '" + layer.mediaType() + "', which is not a layer cwb can unpack", "cwb reads tar, tar+gzip and tar+zstd layers");
            }
        }
    }

    /** Downloads the missing blobs on a few platform threads; returns the bytes received. */
    private long download(StoreTransaction tx, RegistryClient client, Manifest manifest, Map<Digest, Descriptor> missing)
            throws InterruptedException {
        AtomicLong total = new AtomicLong();
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, Math.max(1, missing.size())), r -> {
            Thread t = new Thread(r, "cwb-pull-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (Descriptor blob : missing.values()) {
                boolean layer = blob != manifest.config();
                futures.add(pool.submit(() -> {
                    BlobDownload.into(tx, client, blob, (layer ? "layer " : "config ") + blob.digest(), done -> {
                        if (layer) {
                            listener.progress(blob, done);
                        }
                    });
                    total.addAndGet(blob.size());
                    if (layer) {
                        listener.layer(blob, PullListener.LayerState.COMPLETE);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof InterruptedException ie) {
                        throw ie;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new CwbException(CwbException.IO, "download failed: " + cause, null, cause);
                }
            }
            return total.get();
        } finally {
            // On failure or Ctrl-C: stop the other downloads and wait for them, so that nothing is still
            // writing into the transaction's staging directory when it is removed.
            pool.shutdownNow();
            boolean interrupted = Thread.interrupted();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException again) {
                interrupted = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
