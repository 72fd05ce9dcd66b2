package dev.cwb.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.CwbException;
import dev.cwb.image.Digest;
import dev.cwb.image.Json;
import dev.cwb.image.MediaTypes;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * {@code GET /v2/NAME/manifests/REFERENCE} with content negotiation. One tag can name different
 * documents, and the {@code Accept} header says which ones the client can read: an OCI index or Docker
 * manifest list (one manifest per platform), or a single OCI / Docker v2 schema 2 manifest. A registry
 * answers with the best it has and says which in {@code Content-Type}; the sha256 of the exact bytes
 * received is the manifest's digest (what {@code Docker-Content-Digest} reports and what a pull by
 * {@code @sha256:...} must match).
 */
final class ManifestFetcher {
    static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);
    /** Manifests are a few kilobytes; a registry sending more is refused instead of filling memory. */
    static final int MAX_MANIFEST = 4 << 20;

    /** The manifest exactly as received: the bytes its digest covers, its media type and digest. */
    record Fetched(byte[] bytes, String mediaType, Digest digest) {
        boolean isIndex() {
            return MediaTypes.isIndex(mediaType);
        }
    }

    private ManifestFetcher() {
    }

    /**
     * Fetches {@code tagOrDigest}; with {@code expected} non-null the bytes must hash to it.
     * {@code what} names the manifest in errors ("manifest alpine:latest").
     */
    static Fetched fetch(RegistryClient client, String tagOrDigest, Digest expected, String what) throws InterruptedException {
        HttpResponse<InputStream> r = client.send("GET", "/v2/" + client.repository() + "/manifests/" + tagOrDigest,
                Map.of("Accept", ACCEPT), null, what);
        byte[] bytes;
        try (InputStream in = r.body()) {
            bytes = in.readNBytes(MAX_MANIFEST + 1);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw RegistryClient.interrupted(e);
            }
            throw RegistryErrors.fromIOException(client.endpoint(), r.uri(), e, client.stallTimeout());
        }
        if (bytes.length > MAX_MANIFEST) {
            throw CwbException.corrupt(what + " is larger than " + (MAX_MANIFEST >> 20) + " MiB: that is no manifest", "check the reference");
        }
        Digest actual = Digest.sha256(bytes);
        if (expected != null && !expected.equals(actual)) {
            throw CwbException.corrupt(what + " does not match the digest it was asked by: its bytes hash to " + actual,
                    "the registry (or something between) changed it; nothing was stored");
        }
        String announced = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (announced != null && announced.startsWith("sha256:") && !announced.equals(actual.toString())) {
            throw CwbException.corrupt(what + " does not match the Docker-Content-Digest the registry sent (" + announced
                    + "); its bytes hash to " + actual, "the download was damaged on the way: try again; nothing was stored");
        }
        String type = mediaType(r.headers().firstValue("Content-Type").orElse(""), bytes);
        if (!MediaTypes.isIndex(type) && !MediaTypes.isManifest(type)) {
            throw new CwbException(CwbException.UNSUPPORTED, what + " has media type '" + type + "', which is not an image manifest cwb can read",
                    type.contains("v1") && type.contains("docker") ? "Docker schema 1 manifests are obsolete: push the image again with a current tool"
                            : "cwb reads OCI and Docker v2 image manifests and indexes");
        }
        return new Fetched(bytes, type, actual);
    }

    /** The Content-Type without parameters; when it is generic JSON, the document's own {@code mediaType} field. */
    static String mediaType(String contentType, byte[] bytes) {
        String type = contentType.contains(";") ? contentType.substring(0, contentType.indexOf(';')) : contentType;
        type = type.trim();
        if (type.isEmpty() || type.equals("application/json") || type.equals("text/plain")) {
            try {
                JsonNode root = Json.mapper().readTree(bytes);
                if (root != null && root.hasNonNull("mediaType")) {
                    return root.get("mediaType").asText();
                }
                if (root != null && root.has("manifests")) {
                    return MediaTypes.OCI_INDEX;
                }
                if (root != null && root.has("config")) {
                    return MediaTypes.OCI_MANIFEST;
                }
            } catch (IOException e) {
                // fall through with the header's type
            }
        }
        return type.isEmpty() ? "(none)" : type;
    }
}
