package dev.cwb.image.archive;

/** The kinds of image archive {@code load} understands, told apart by content, never by file name. */
public enum ArchiveFormat {
    /** A directory with oci-layout, index.json and blobs/ (umoci, {@code skopeo copy ... oci:DIR}). */
    OCI_LAYOUT_DIRECTORY("OCI image layout directory"),
    /** The same layout as a tar ({@code skopeo copy ... oci-archive:FILE}). */
    OCI_ARCHIVE("OCI archive"),
    /** A tar with manifest.json ({@code docker save} before 25, {@code skopeo copy ... docker-archive:FILE}). */
    DOCKER_ARCHIVE("docker-save archive"),
    /** A tar with both (Docker 25+ {@code docker save}, and the workbench's own {@code save}). */
    DOCKER_AND_OCI_ARCHIVE("docker-save archive with an OCI layout");

    private final String description;

    ArchiveFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
