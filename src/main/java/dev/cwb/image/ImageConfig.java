package dev.cwb.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * An image configuration (OCI image-spec "Image Configuration"): what to run and how
 * ({@link RunConfig}), the platform, the layers' uncompressed digests ({@link RootFs#diffIds()}) and the
 * build history. Its digest is the image id that {@code docker images} shows.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageConfig(
        @JsonProperty("created") String created,
        @JsonProperty("author") String author,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("variant") String variant,
        @JsonProperty("config") RunConfig config,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history) {

    public ImageConfig {
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** The defaults a container starts with: {@code Entrypoint} + {@code Cmd}, {@code Env}, ... */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RunConfig(
            @JsonProperty("User") String user,
            @JsonProperty("Env") List<String> env,
            @JsonProperty("Entrypoint") List<String> entrypoint,
            @JsonProperty("Cmd") List<String> cmd,
            @JsonProperty("WorkingDir") String workingDir,
            @JsonProperty("Labels") Map<String, String> labels,
            @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
            @JsonProperty("Volumes") Map<String, Object> volumes,
            @JsonProperty("StopSignal") String stopSignal,
            @JsonProperty("Healthcheck") Map<String, Object> healthcheck,
            @JsonProperty("OnBuild") List<String> onBuild,
            @JsonProperty("Shell") List<String> shell) {
        /** Only the nine fields every image has had since the first Docker: no health check, triggers or shell. */
        public RunConfig(String user, List<String> env, List<String> entrypoint, List<String> cmd, String workingDir,
                         Map<String, String> labels, Map<String, Object> exposedPorts, Map<String, Object> volumes, String stopSignal) {
            this(user, env, entrypoint, cmd, workingDir, labels, exposedPorts, volumes, stopSignal, null, null, null);
        }
    }

    /** {@code rootfs.diff_ids}: the sha256 of each layer's <em>uncompressed</em> tar, bottom first. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RootFs(
            @JsonProperty("type") String type,
            @JsonProperty("diff_ids") List<Digest> diffIds) {
        public RootFs {
            diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
        }
    }

    /** One build step. {@code empty_layer} steps (ENV, CMD, ...) changed no files and have no layer. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record History(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") boolean emptyLayer) {
    }

    public RunConfig runConfig() {
        return config == null ? new RunConfig(null, null, null, null, null, null, null, null, null) : config;
    }

    public List<Digest> diffIds() {
        return rootfs == null ? List.of() : rootfs.diffIds();
    }

    public Platform platform() {
        return new Platform(architecture, os, variant);
    }
}
