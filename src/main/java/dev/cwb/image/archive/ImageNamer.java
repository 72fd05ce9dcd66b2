package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Digest;
import dev.cwb.image.Reference;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Gives loaded images their names.
 *
 * <p>An OCI layout names an image with the annotation {@code org.opencontainers.image.ref.name}
 * (image-spec "Pre-Defined Annotation Keys"). The spec allows a full reference there, but umoci and
 * skopeo write only the tag ({@code latest}), because a layout directory is one repository. containerd
 * and Docker 25+ add {@code io.containerd.image.name} with the full name. So a bare tag needs a
 * repository from somewhere: the learner's {@code --name}, the containerd annotation, Docker's RepoTags,
 * or, as a last resort, the archive's file name — which is said out loud, because it is a guess.
 */
final class ImageNamer {
    /** A bare tag has no '/', ':' or '@': {@code latest}, {@code 1.0}. */
    private static final Pattern BARE_TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    private final String nameOption;
    private final Path source;
    private final Consumer<String> notes;
    private boolean untaggedNamed;

    /**
     * @param nameOption the learner's {@code --name}: a repository ({@code myapp}), or with a tag
     *                   ({@code myapp:1.0}) to name an untagged image exactly; may be null
     */
    ImageNamer(String nameOption, Path source, Consumer<String> notes) {
        this.nameOption = nameOption;
        this.source = source;
        this.notes = notes;
        if (nameOption != null) {
            Reference.parse(nameOption); // refuse a malformed --name before reading anything
        }
    }

    static boolean isBareTag(String refName) {
        return BARE_TAG.matcher(refName).matches();
    }

    /**
     * The name of an index.json entry. {@code containerdName} is {@code io.containerd.image.name};
     * {@code dockerTags} are RepoTags of a manifest.json image with the same config (may be empty).
     */
    List<Reference> forLayoutEntry(String refName, String containerdName, List<Reference> dockerTags, Digest digest) {
        if (refName != null && !isBareTag(refName)) {
            return List.of(parse(refName, "org.opencontainers.image.ref.name"));
        }
        if (refName == null) {
            if (containerdName != null) {
                return List.of(parse(containerdName, "io.containerd.image.name"));
            }
            if (!dockerTags.isEmpty()) {
                return dockerTags;
            }
            return List.of(forUntagged(digest));
        }
        if (nameOption != null) {
            return List.of(repository(nameOption).withTag(refName));
        }
        if (containerdName != null) {
            return List.of(parse(containerdName, "io.containerd.image.name"));
        }
        if (!dockerTags.isEmpty()) {
            return dockerTags;
        }
        Reference derived = derivedRepository().withTag(refName);
        notes.accept("the archive names its image only '" + refName + "' (a tag without a repository); "
                + "named it " + derived.familiar() + " after the file name — use --name REPO to choose");
        return List.of(derived);
    }

    /** The name of an image the archive gives no name at all: only {@code --name} can name it. */
    Reference forUntagged(Digest digest) {
        if (nameOption == null) {
            throw CwbException.badInput("image " + digest + " in " + source + " has no name",
                    "name it with --name REPO[:TAG], e.g. 'load " + source.getFileName() + " --name myimage'");
        }
        if (untaggedNamed) {
            throw CwbException.badInput(source + " holds more than one image without a name, and --name can name only one",
                    "load an archive with one image, or name the images when you create the archive");
        }
        untaggedNamed = true;
        return Reference.parse(nameOption);
    }

    private static Reference parse(String text, String where) {
        try {
            return Reference.parse(text);
        } catch (CwbException e) {
            throw CwbException.badInput("the " + where + " annotation '" + text + "' is not an image reference: "
                    + e.getMessage(), "use --name REPO to name the image yourself");
        }
    }

    private static Reference repository(String text) {
        return Reference.parse(text);
    }

    /** A repository name made from the archive's file name: {@code My_Image-1.2.tar.gz} gives {@code my_image-1.2}. */
    Reference derivedRepository() {
        String base = source.toAbsolutePath().normalize().getFileName() == null ? "image"
                : source.toAbsolutePath().normalize().getFileName().toString();
        base = base.replaceFirst("(?i)(\\.tar\\.gz|\\.tar\\.zst|\\.tgz|\\.tar|\\.oci)$", "");
        String cleaned = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-")
                .replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
        if (cleaned.isEmpty() || !Reference.isValid(cleaned)) {
            cleaned = "image";
        }
        return Reference.parse(cleaned);
    }
}
