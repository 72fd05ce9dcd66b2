package dev.cwb.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The operating system and CPU an image was built for (OCI image-spec "Image Index" §platform). An index
 * lists one manifest per platform; a puller picks the one matching the machine.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("variant") String variant) {

    /** This machine's platform in Go's names, which OCI uses ({@code amd64}, not {@code x86_64}). */
    public static Platform host() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "arm";
            case "x86", "i386", "i686" -> "386";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> System.getProperty("os.arch");
        };
        String os = System.getProperty("os.name").toLowerCase().startsWith("linux") ? "linux"
                : System.getProperty("os.name").toLowerCase().startsWith("mac") ? "darwin" : "windows";
        return new Platform(arch, os, arch.equals("arm64") ? "v8" : null);
    }

    /** {@code linux/amd64} or {@code linux/arm64/v8}. */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }

    /** True when {@code other} runs here: same os and architecture, and variant equal when both name one. */
    public boolean matches(Platform other) {
        if (other == null) {
            return false;
        }
        boolean same = os.equals(other.os) && architecture.equals(other.architecture);
        if (!same) {
            return false;
        }
        if (variant == null || other.variant == null) {
            return true;
        }
        return variant.equals(other.variant);
    }
}
