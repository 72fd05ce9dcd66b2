package dev.cwb.image.archive;

import dev.cwb.CwbException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * An OCI image layout that is a directory, as {@code umoci init} and {@code skopeo copy ... oci:DIR}
 * create it. Files are opened by name on demand; no second pass is needed. Links are not followed: a
 * layout's files are regular files, and a link could lead the loader to read outside the layout.
 */
final class LayoutDirectorySource implements ArchiveSource {
    private final Path dir;

    LayoutDirectorySource(Path dir) {
        this.dir = dir;
    }

    @Override
    public String displayName() {
        return dir.toString();
    }

    @Override
    public String canonical(String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            // a symlinked parent (blobs/ -> elsewhere) must not pull files in from outside the layout
            return file.toRealPath().startsWith(dir.toRealPath()) ? name : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public long size(String canonicalName) {
        try {
            return Files.size(dir.resolve(canonicalName));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + dir.resolve(canonicalName) + ": " + CwbException.reason(e), null, e);
        }
    }

    @Override
    public byte[] readMetadata(String canonicalName) {
        long size = size(canonicalName);
        if (size > MAX_METADATA) {
            throw CwbException.badInput(dir.resolve(canonicalName) + " should be a small JSON document, but it is "
                    + size + " bytes long", "the layout is damaged");
        }
        try {
            return Files.readAllBytes(dir.resolve(canonicalName));
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + dir.resolve(canonicalName) + ": " + CwbException.reason(e), null, e);
        }
    }

    @Override
    public void stream(Set<String> canonicalNames, EntrySink sink) throws IOException {
        for (String name : canonicalNames) {
            try (InputStream in = new InterruptibleInputStream(Files.newInputStream(dir.resolve(name), LinkOption.NOFOLLOW_LINKS))) {
                sink.accept(name, in);
            }
        }
    }

    @Override
    public void close() {
        // nothing held open between calls
    }
}
