package dev.cwb.samples;

/**
 * How a layer says "this file from a lower layer is gone" (OCI image-spec, "Image Layer Filesystem
 * Changeset", section "Representing Changes" / "Whiteouts"). A tar cannot record a deletion, so the
 * change is written as an empty file with a reserved name:
 * <ul>
 *   <li>{@code DIR/.wh.NAME} removes {@code DIR/NAME} (and everything under it) of the lower layers;</li>
 *   <li>{@code DIR/.wh..wh..opq}, the <em>opaque</em> whiteout, hides every lower child of {@code DIR};
 *       the directory itself stays, and entries of the same layer fill it again.</li>
 * </ul>
 * The lower layer's bytes are still in the image: a deletion in a later layer never makes an image
 * smaller, which is the point the layers-demo sample makes.
 */
public final class Whiteouts {
    public static final String PREFIX = ".wh.";
    public static final String OPAQUE = ".wh..wh..opq";

    private Whiteouts() {
    }

    /** The whiteout entry that deletes {@code tarName} (e.g. {@code var/lib/.wh.apt} for {@code var/lib/apt}). */
    public static String deletionOf(String tarName) {
        return ImagePath.join(ImagePath.parent(tarName), PREFIX + ImagePath.baseName(tarName));
    }

    /** The opaque marker inside directory {@code tarName}. */
    public static String opaqueIn(String tarName) {
        return ImagePath.join(tarName, OPAQUE);
    }

    public static boolean isOpaque(String tarName) {
        return ImagePath.baseName(tarName).equals(OPAQUE);
    }

    public static boolean isWhiteout(String tarName) {
        return ImagePath.baseName(tarName).startsWith(PREFIX);
    }

    /** For {@code DIR/.wh.NAME}: {@code DIR/NAME}, the path it deletes. */
    public static String deletedBy(String tarName) {
        return ImagePath.join(ImagePath.parent(tarName), ImagePath.baseName(tarName).substring(PREFIX.length()));
    }
}
