package dev.cwb.image.archive;

import dev.cwb.CwbException;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Reference;
import dev.cwb.image.VerifyingInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes an image as one tar that is both an OCI archive and a {@code docker save} archive, the way
 * Docker 25+ {@code docker save} does:
 * <pre>
 *   oci-layout, index.json, blobs/sha256/HEX ...   read by skopeo oci-archive:, containerd, umoci (after untar)
 *   manifest.json, repositories                    read by docker load and skopeo docker-archive:
 * </pre>
 * manifest.json's Config and Layers point at the same files under blobs/sha256/, so nothing is stored
 * twice. Layers are written exactly as stored, usually gzip-compressed: docker-archive readers detect
 * compression by the first bytes and decompress before checking a layer against its diff_id (moby's
 * {@code DecompressStream}, containers/image's {@code AutoDecompress}), so one blob serves both readers
 * and the OCI manifest, hence the image's digest, stays the original.
 *
 * <p>The tar is deterministic: entries in a fixed order, mtime 0, owner 0:0, fixed modes. Saving the
 * same image twice gives the same bytes, so an archive's checksum can be published.
 */
public final class ArchiveSaver {
    private static final String CONTAINERD_NAME = "io.containerd.image.name";

    private final ImageStore store;
    /** Where the hidden temporary file is noted while it is written, so 'cleanup' finds it after a kill; or null. */
    private final Path pendingDir;

    public ArchiveSaver(ImageStore store) {
        this(store, null);
    }

    public ArchiveSaver(ImageStore store, Path pendingDir) {
        this.store = store;
        this.pendingDir = pendingDir;
    }

    /** What was written: the image, how many blobs and bytes. */
    public record SaveResult(Reference reference, Digest imageId, int blobs, long bytes) {
    }

    /**
     * Saves {@code imageName} to {@code file}: written to a temporary file beside it, then renamed, so a
     * failure never leaves a partial archive. An existing file is replaced only with {@code force}.
     */
    public SaveResult save(String imageName, Path file, boolean force) {
        if (Files.isDirectory(file)) {
            throw CwbException.badInput(file + " is a directory", "give the path of the tar file to write, e.g. " + file.resolve("image.tar"));
        }
        if (Files.exists(file) && !force) {
            throw CwbException.badInput(file + " already exists", "choose another file name, or add --force to replace it");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw CwbException.notFound("the directory " + dir + " does not exist", "create it first, or save somewhere else");
        }
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try (dev.cwb.cleanup.PendingWork noted = pendingDir == null ? null : dev.cwb.cleanup.PendingWork.register(pendingDir, tmp)) {
            SaveResult result;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                result = write(imageName, out);
            }
            if (force) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            return result;
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot write " + file + ": " + CwbException.reason(e),
                    "check that you may write in " + dir + " and that it has space", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // best effort: a leftover is a hidden .tmp file beside the target
            }
        }
    }

    /** Writes the archive to {@code out} (which is not closed). */
    public SaveResult write(String imageName, OutputStream out) throws IOException {
        ImageStore.ImageEntry entry = store.find(imageName);
        Image image = store.image(entry);
        Reference ref = entry.reference();
        Descriptor top = entry.descriptor();
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        collect(top, blobs, ref.familiar());

        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosingOutputStream(out));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        long bytes = 0;
        addFile(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        addFile(tar, "index.json", Json.bytes(ImageIndex.of(List.of(indexEntry(top, ref)))));
        addDirectory(tar, "blobs/");
        addDirectory(tar, "blobs/sha256/");
        for (Descriptor blob : blobs.values()) {
            InterruptibleInputStream.check();
            TarArchiveEntry e = entry(OciLayoutPlanner.blobName(blob.digest()));
            e.setSize(blob.size());
            tar.putArchiveEntry(e);
            try (VerifyingInputStream in = store.openBlob(blob, "blob of " + ref.familiar())) {
                new InterruptibleInputStream(in).transferTo(tar);
                in.verifyToEnd();
            }
            tar.closeArchiveEntry();
            bytes += blob.size();
        }
        addFile(tar, "manifest.json", Json.bytes(List.of(dockerEntry(image, ref))));
        addFile(tar, "repositories", repositories(image, ref));
        tar.finish();
        tar.close();
        return new SaveResult(ref, image.id(), blobs.size(), bytes);
    }

    /** Every blob the image needs, parents before children; platforms the store lacks are left out, as they were loaded. */
    private void collect(Descriptor d, Map<Digest, Descriptor> blobs, String what) {
        if (blobs.containsKey(d.digest())) {
            return;
        }
        blobs.put(d.digest(), d);
        if (MediaTypes.isIndex(d.mediaType())) {
            for (Descriptor child : store.readJson(d, ImageIndex.class, "index of " + what).manifests()) {
                if ((MediaTypes.isIndex(child.mediaType()) || MediaTypes.isManifest(child.mediaType())) && store.hasBlob(child.digest())) {
                    collect(child, blobs, what);
                }
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = store.readJson(d, Manifest.class, "manifest of " + what);
            blobs.putIfAbsent(m.config().digest(), m.config());
            m.layers().forEach(l -> blobs.putIfAbsent(l.digest(), l));
        }
    }

    /**
     * The index.json entry: the tag alone in {@code org.opencontainers.image.ref.name} (what skopeo and
     * umoci expect of a layout) and the full name in {@code io.containerd.image.name} (as Docker 25+ writes).
     */
    private static Descriptor indexEntry(Descriptor top, Reference ref) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(CONTAINERD_NAME, ref.toString());
        if (ref.tag() != null) {
            annotations.put(Descriptor.REF_NAME, ref.tag());
        }
        return new Descriptor(top.mediaType(), top.digest(), top.size(), annotations, top.platform(), null);
    }

    private static DockerManifestEntry dockerEntry(Image image, Reference ref) {
        List<String> tags = ref.tag() == null ? List.of() : List.of(ref.familiar());
        List<String> layers = image.layers().stream().map(l -> OciLayoutPlanner.blobName(l.digest())).toList();
        return new DockerManifestEntry(OciLayoutPlanner.blobName(image.id()), tags, layers);
    }

    /**
     * The legacy {@code repositories} file: repository → tag → top layer id. Only pre-1.10 Docker reads
     * it; later readers use manifest.json. The "id" is the top layer's blob name, as Docker 25+ writes.
     */
    private static byte[] repositories(Image image, Reference ref) {
        if (ref.tag() == null || image.layers().isEmpty()) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
        String top = image.layers().get(image.layers().size() - 1).digest().encoded();
        return Json.bytes(Map.of(ref.familiarName(), Map.of(ref.tag(), top)));
    }

    private static TarArchiveEntry entry(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setModTime(0);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        e.setMode(name.endsWith("/") ? 040755 : 0100644);
        return e;
    }

    private static void addFile(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = entry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void addDirectory(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(entry(name));
        tar.closeArchiveEntry();
    }

    /** Lets the tar writer close its own layers without closing the caller's stream (stdout). */
    private static final class NonClosingOutputStream extends java.io.FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
