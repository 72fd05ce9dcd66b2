package dev.cwb.image;

import dev.cwb.CwbException;

import java.util.regex.Pattern;

/**
 * An image reference such as {@code alpine}, {@code ghcr.io/org/app:1.2} or {@code busybox@sha256:...},
 * normalised the way Docker does (distribution/reference, {@code ParseNormalizedNamed}):
 * <ul>
 *   <li>the first path component is a registry host only if it contains {@code .} or {@code :}, or is
 *       {@code localhost}; otherwise the registry is {@code docker.io};</li>
 *   <li>a one-component name on Docker Hub lives under {@code library/} (the official images);</li>
 *   <li>no tag and no digest means the tag {@code latest}.</li>
 * </ul>
 * So {@code alpine} is {@code docker.io/library/alpine:latest}. The familiar (short) form is what
 * Docker prints back.
 */
public record Reference(String domain, String path, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DEFAULT_TAG = "latest";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
                    + "(?::[0-9]+)?|\\[[a-fA-F0-9:]+\\](?::[0-9]+)?");
    private static final int MAX_NAME = 255;

    /** Parses and normalises a reference; a malformed one is a {@link CwbException} saying which part is wrong. */
    public static Reference parse(String text) {
        if (text == null || text.isBlank()) {
            throw bad(text, "it is empty");
        }
        String rest = text.trim();
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (CwbException e) {
                throw bad(text, "the part after '@' is not a digest (" + e.getMessage() + ")");
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw bad(text, "tag '" + tag + "' may use only letters, digits, '_', '.' and '-' (at most 128)");
            }
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")
                    || !first.equals(first.toLowerCase())) {
                domain = first;
                path = rest.substring(slash + 1);
                if (!DOMAIN.matcher(domain).matches()) {
                    throw bad(text, "'" + domain + "' is not a valid registry host");
                }
            }
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (path.isEmpty()) {
            throw bad(text, "the repository name is empty");
        }
        if (!path.equals(path.toLowerCase())) {
            throw bad(text, "repository names must be lowercase");
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw bad(text, "'" + component + "' is not a valid name component"
                        + " (lowercase letters and digits, separated by '.', '_', '__' or '-')");
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (domain.length() + 1 + path.length() > MAX_NAME) {
            throw bad(text, "the name is longer than " + MAX_NAME + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new Reference(domain, path, tag, digest);
    }

    /** True when the text parses as a reference. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (CwbException e) {
            return false;
        }
    }

    private static CwbException bad(String text, String why) {
        return CwbException.badInput("invalid image reference '" + text + "': " + why,
                "references look like alpine, alpine:3.20 or registry.example.com/team/app:1.0");
    }

    /** {@code docker.io/library/alpine}. */
    public String name() {
        return domain + "/" + path;
    }

    /** The full normalised form: {@code docker.io/library/alpine:latest}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(name());
        if (tag != null) {
            s.append(':').append(tag);
        }
        if (digest != null) {
            s.append('@').append(digest);
        }
        return s.toString();
    }

    /** The repository as Docker shows it: {@code alpine}, {@code user/app}, {@code ghcr.io/org/app}. */
    public String familiarName() {
        if (domain.equals(DOCKER_HUB)) {
            return path.startsWith("library/") ? path.substring("library/".length()) : path;
        }
        return name();
    }

    /** The short form a learner types: {@code alpine:latest}. */
    public String familiar() {
        StringBuilder s = new StringBuilder(familiarName());
        if (tag != null) {
            s.append(':').append(tag);
        }
        if (digest != null) {
            s.append('@').append(digest);
        }
        return s.toString();
    }

    public Reference withTag(String newTag) {
        return new Reference(domain, path, newTag, null);
    }

    // written out for start-up speed, as in Digest: the generated ones link through invokedynamic
    @Override
    public boolean equals(Object o) {
        return o instanceof Reference r && java.util.Objects.equals(domain, r.domain) && java.util.Objects.equals(path, r.path)
                && java.util.Objects.equals(tag, r.tag) && java.util.Objects.equals(digest, r.digest);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(domain, path, tag, digest);
    }
}
