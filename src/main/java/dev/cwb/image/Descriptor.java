package dev.cwb.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * A pointer to a blob: its media type, digest and size (OCI image-spec "Descriptors"). Manifests point at
 * configs and layers with descriptors; an index points at manifests. Size and digest together let a
 * reader refuse a blob that is not exactly the one meant.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Descriptor(
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("digest") Digest digest,
        @JsonProperty("size") long size,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("platform") Platform platform,
        @JsonProperty("urls") List<String> urls) {

    /** The annotation an OCI layout uses to name an image in its index.json. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, null, null);
    }

    public Descriptor withAnnotations(Map<String, String> newAnnotations) {
        return new Descriptor(mediaType, digest, size, newAnnotations, platform, urls);
    }

    public String annotation(String key) {
        return annotations == null ? null : annotations.get(key);
    }
}
