package dev.cwb.container;

import java.nio.file.Path;

/**
 * A container's workspace on the host, {@code $CWB_HOME/run/containers/NAME/}: the overlay's writable
 * {@code upper/} layer and its {@code work/} directory (overlayfs needs an empty directory on the same file
 * system for atomic copy-up), the {@code rootfs/} mount point, {@code state.json} for {@code cleanup}, and for an
 * image with too many layers for one mount(2) option string on an older kernel, {@code l/}: one short link per
 * layer ({@link OverlayStep}).
 */
public record ContainerDirs(Path dir) {
    public Path upper() {
        return dir.resolve("upper");
    }

    public Path work() {
        return dir.resolve("work");
    }

    public Path rootfs() {
        return dir.resolve("rootfs");
    }

    /** Short links to the layers ({@code l/1} is layer 1), made only when the overlay is mounted through them. */
    public Path links() {
        return dir.resolve("l");
    }

    /**
     * Mount points for the layers as a container whose root is nobody outside sees them (idmapped: the image's root
     * owns its files there), each attached only while the workbench makes that container's overlay.
     */
    public Path idmappedLowers() {
        return dir.resolve("lower");
    }

    public Path state() {
        return dir.resolve("state.json");
    }
}
