package dev.cwb.container;

import java.nio.file.Path;

/**
 * A container's workspace on the host, {@code $CWB_HOME/run/containers/NAME/}: the overlay's writable
 * {@code upper/} layer and its {@code work/} directory (overlayfs needs an empty directory on the same file
 * system for atomic copy-up), the {@code rootfs/} mount point, and {@code state.json} for {@code cleanup}.
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

    public Path state() {
        return dir.resolve("state.json");
    }
}
