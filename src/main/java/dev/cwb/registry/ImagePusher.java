package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Reference;

import java.io.FileNotFoundException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code push}: the distribution-spec "Push" workflow. For each blob the manifest names:
 * {@code HEAD /v2/NAME/blobs/DIGEST} (already there? skip it), else
 * {@code POST /v2/NAME/blobs/uploads/} to open an upload session (the answer's {@code Location} is where
 * to send the bytes) and {@code PUT LOCATION?digest=DIGEST} with the whole blob (a "monolithic" upload);
 * the registry checks the digest. Last, {@code PUT /v2/NAME/manifests/TAG} with the manifest's own media
 * type as {@code Content-Type}; the registry refuses a manifest whose blobs it does not have, which is
 * why the manifest goes last. The bytes are sent exactly as stored, so the digest stays the same.
 */
public final class ImagePusher {
    private final ImageStore store;
    private final RegistrySettings settings;
    private final HttpTrace trace;
    private final BiConsumer<Digest, String> status;

    /** @param status hears Docker's per-blob words: {@code Layer already exists}, {@code Pushed} */
    public ImagePusher(ImageStore store, RegistrySettings settings, HttpTrace trace, BiConsumer<Digest, String> status) {
        this.store = store;
        this.settings = settings;
        this.trace = trace;
        this.status = status;
    }

    /** Pushes the stored image {@code entry} as {@code target}; returns the manifest descriptor pushed. */
    public Descriptor push(ImageStore.ImageEntry entry, Reference target) throws InterruptedException {
        if (target.tag() == null) {
            throw CwbException.badInput("push needs a tag to push to, not only a digest", "for example: push alpine localhost:5000/alpine:latest");
        }
        Descriptor top = entry.descriptor();
        List<Descriptor> manifests = new ArrayList<>();
        if (MediaTypes.isIndex(top.mediaType())) {
            ImageIndex index = store.readJson(top, ImageIndex.class, "index of " + entry.reference().familiar());
            for (Descriptor m : index.manifests()) {
                if (!store.hasBlob(m.digest())) {
                    throw CwbException.notFound(entry.reference().familiar() + " is a multi-platform index but the store holds only some of its platforms"
                            + " (missing " + (m.platform() == null ? m.digest().toString() : m.platform().toString()) + ")",
                            "a registry refuses an index whose manifests it does not have: push a single-platform image");
                }
                manifests.add(m);
            }
        } else {
            manifests.add(top);
        }
        try (RegistryClient client = RegistryClient.forReference(settings, target, "pull,push", trace)) {
            pushAll(client, top, manifests, entry, target);
        }
        return top;
    }

    private void pushAll(RegistryClient client, Descriptor top, List<Descriptor> manifests, ImageStore.ImageEntry entry, Reference target)
            throws InterruptedException {
        client.ping();
        for (Descriptor m : manifests) {
            Manifest manifest = store.readJson(m, Manifest.class, "manifest of " + entry.reference().familiar());
            List<Descriptor> blobs = new ArrayList<>(manifest.layers());
            blobs.add(manifest.config());
            for (Descriptor blob : blobs) {
                pushBlob(client, blob);
            }
            if (m != top) {
                putManifest(client, m, m.digest().toString());
            }
        }
        putManifest(client, top, target.tag());
    }

    private void pushBlob(RegistryClient client, Descriptor blob) throws InterruptedException {
        if (!store.hasBlob(blob.digest())) {
            throw CwbException.notFound("blob " + blob.digest() + " is missing from the store", "the image is incomplete: pull or load it again");
        }
        String path = "/v2/" + client.repository() + "/blobs/" + blob.digest();
        if (client.exists(path, "blob " + blob.digest())) {
            status.accept(blob.digest(), "Layer already exists");
            return;
        }
        HttpResponse<InputStream> started = client.sendAndClose("POST", "/v2/" + client.repository() + "/blobs/uploads/",
                Map.of(), HttpRequest.BodyPublishers::noBody, "an upload of blob " + blob.digest());
        String location = started.headers().firstValue("Location").orElseThrow(() -> new CwbException(CwbException.IO,
                "the registry opened an upload without saying where to send it (no Location header)", "the registry is misconfigured"));
        String target = location + (location.contains("?") ? "&" : "?") + "digest=" + URLEncoder.encode(blob.digest().toString(), StandardCharsets.UTF_8);
        if (!location.startsWith("/") && !location.contains("://")) {
            target = "/" + target;
        }
        client.sendAndClose("PUT", target, Map.of("Content-Type", "application/octet-stream"), () -> {
            try {
                return HttpRequest.BodyPublishers.ofFile(store.blobPath(blob.digest()));
            } catch (FileNotFoundException e) {
                throw new CwbException(CwbException.IO, "blob " + blob.digest() + " vanished from the store", null, e);
            }
        }, "the upload of blob " + blob.digest());
        status.accept(blob.digest(), "Pushed");
    }

    private void putManifest(RegistryClient client, Descriptor manifest, String reference) throws InterruptedException {
        byte[] bytes = store.readBlob(manifest, "manifest " + manifest.digest());
        HttpResponse<InputStream> r = client.sendAndClose("PUT", "/v2/" + client.repository() + "/manifests/" + reference,
                Map.of("Content-Type", manifest.mediaType()), () -> HttpRequest.BodyPublishers.ofByteArray(bytes),
                "manifest " + client.repository() + ":" + reference);
        String digest = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (digest != null && !digest.equals(manifest.digest().toString())) {
            throw CwbException.corrupt("the registry stored the manifest under " + digest + ", not " + manifest.digest(),
                    "the registry rewrote the manifest; pulls will see a different digest");
        }
    }
}
