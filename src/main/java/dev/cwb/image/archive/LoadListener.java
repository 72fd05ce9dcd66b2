package dev.cwb.image.archive;

import dev.cwb.image.Descriptor;

/** What a load reports while it runs, so the command can show progress; the domain itself prints nothing. */
public interface LoadListener {
    LoadListener NONE = new LoadListener() {
    };

    /** The plan is made: {@code blobs} large files totalling {@code bytes} will be copied. */
    default void planned(int blobs, long bytes) {
    }

    /** One large file is stored and verified ({@code number} of {@code total}). */
    default void blobStored(int number, int total, Descriptor blob, String what) {
    }
}
