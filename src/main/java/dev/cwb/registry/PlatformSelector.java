package dev.cwb.registry;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks one manifest from an index (OCI image-spec "Image Index" §platform). An index such as
 * {@code alpine:latest}'s lists the same image built for several machines; a puller takes the one whose
 * {@code os}/{@code architecture} (and {@code variant}, when both sides name one) match what it wants.
 * Entries that are not image manifests (or are for {@code unknown/unknown}, as build attestations are)
 * are skipped.
 */
public final class PlatformSelector {
    private PlatformSelector() {
    }

    /** Parses {@code os/arch[/variant]}, e.g. {@code linux/arm64} or {@code linux/arm/v7}. */
    public static Platform parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw CwbException.badInput("invalid platform '" + text + "'", "write it as os/arch[/variant], e.g. linux/amd64 or linux/arm/v7");
        }
        return new Platform(parts[1], parts[0], parts.length == 3 ? parts[2] : null);
    }

    /** The manifest for {@code wanted}: an exact variant match first, else any that matches. */
    public static Descriptor select(ImageIndex index, Platform wanted, String what) {
        Descriptor loose = null;
        List<String> offered = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (!MediaTypes.isManifest(d.mediaType()) || d.platform() == null || "unknown".equals(d.platform().os())) {
                continue;
            }
            offered.add(d.platform().toString());
            if (wanted.matches(d.platform())) {
                if (wanted.variant() == null || wanted.variant().equals(d.platform().variant())) {
                    return d;
                }
                loose = loose == null ? d : loose;
            }
        }
        if (loose != null) {
            return loose;
        }
        throw CwbException.notFound(what + " has no image for " + wanted + " (it offers: "
                        + (offered.isEmpty() ? "nothing usable" : String.join(", ", offered)) + ")",
                offered.isEmpty() ? "the index lists no image manifests" : "choose one with --platform " + offered.get(0));
    }
}
