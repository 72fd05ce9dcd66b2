package dev.cwb.image.archive;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * One image in the {@code manifest.json} of a {@code docker save} tar (moby {@code image/tarexport}):
 * the archive path of its config, the names it was saved under, and the archive paths of its layer
 * tars, bottom first. Older Docker writes {@code ID.json} and {@code ID/layer.tar}; skopeo writes
 * {@code HEX.json} and {@code HEX.tar}; Docker 25+ writes {@code blobs/sha256/HEX} for both.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DockerManifestEntry(
        @JsonProperty("Config") String config,
        @JsonProperty("RepoTags") List<String> repoTags,
        @JsonProperty("Layers") List<String> layers) {
}
