package dev.cwb.image.archive;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small but real image built in memory for tests: layer tars made with commons-compress, gzip
 * blobs, a config whose diff_ids are the sha256 of the uncompressed layers, and an OCI manifest.
 * It can write itself in each archive format {@code load} reads.
 */
final class ImageFixture {
    final List<byte[]> layerTars = new ArrayList<>();
    final List<byte[]> layerBlobs = new ArrayList<>();
    final List<Digest> diffIds = new ArrayList<>();
    final byte[] config;
    final Digest configDigest;
    final byte[] manifest;
    final Digest manifestDigest;
    final String architecture;

    ImageFixture(String architecture, String... fileContents) throws IOException {
        this.architecture = architecture;
        int n = 0;
        for (String content : fileContents) {
            n++;
            byte[] tar = tar(Map.of("file" + n + ".txt", content.getBytes(StandardCharsets.UTF_8)));
            layerTars.add(tar);
            layerBlobs.add(gzip(tar));
            diffIds.add(Digest.sha256(tar));
        }
        StringBuilder ids = new StringBuilder();
        for (Digest d : diffIds) {
            ids.append(ids.length() == 0 ? "" : ",").append('"').append(d).append('"');
        }
        config = ("{\"architecture\":\"" + architecture + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}").getBytes(StandardCharsets.UTF_8);
        configDigest = Digest.sha256(config);
        List<Descriptor> layers = new ArrayList<>();
        for (byte[] blob : layerBlobs) {
            layers.add(new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(blob), blob.length));
        }
        manifest = Json.bytes(new Manifest(2, MediaTypes.OCI_MANIFEST,
                new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length), layers, null));
        manifestDigest = Digest.sha256(manifest);
    }

    static ImageFixture twoLayers() throws IOException {
        return new ImageFixture("amd64", "hello from layer one\n", "and from layer two\n");
    }

    Descriptor manifestDescriptor(Map<String, String> annotations) {
        return new Descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length,
                annotations, new Platform(architecture, "linux", null), null);
    }

    /** Every blob of the image by digest: manifest, config, layers. */
    Map<Digest, byte[]> blobs() {
        Map<Digest, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(manifestDigest, manifest);
        blobs.put(configDigest, config);
        for (byte[] b : layerBlobs) {
            blobs.put(Digest.sha256(b), b);
        }
        return blobs;
    }

    /** The files of an OCI layout naming this image {@code refName} (null for none); layers first, as a tar may order them. */
    Map<String, byte[]> ociLayoutFiles(String refName) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<Map.Entry<Digest, byte[]>> blobs = new ArrayList<>(blobs().entrySet());
        java.util.Collections.reverse(blobs);
        for (Map.Entry<Digest, byte[]> b : blobs) {
            files.put("blobs/sha256/" + b.getKey().encoded(), b.getValue());
        }
        Map<String, String> annotations = refName == null ? null : Map.of(Descriptor.REF_NAME, refName);
        files.put("index.json", Json.bytes(ImageIndex.of(List.of(manifestDescriptor(annotations)))));
        files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /**
     * The files of a classic {@code docker save}: {@code ID/layer.tar} (uncompressed), {@code HEX.json},
     * manifest.json and repositories — layers first. {@code repoTag} may be null for an untagged save.
     */
    Map<String, byte[]> dockerSaveFiles(String repoTag) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<String> layerPaths = new ArrayList<>();
        for (int i = 0; i < layerTars.size(); i++) {
            String id = Digest.sha256(("v1 id " + i).getBytes(StandardCharsets.UTF_8)).encoded();
            files.put(id + "/VERSION", "1.0".getBytes(StandardCharsets.UTF_8));
            files.put(id + "/layer.tar", layerTars.get(i));
            layerPaths.add(id + "/layer.tar");
        }
        files.put(configDigest.encoded() + ".json", config);
        files.put("manifest.json", Json.bytes(List.of(new DockerManifestEntry(configDigest.encoded() + ".json",
                repoTag == null ? null : List.of(repoTag), layerPaths))));
        files.put("repositories", "{}".getBytes(StandardCharsets.UTF_8));
        return files;
    }

    static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTar(bytes, files, Map.of());
        return bytes.toByteArray();
    }

    /** Writes a tar of {@code files}, plus symlinks {@code name -> target}. */
    static void writeTar(OutputStream out, Map<String, byte[]> files, Map<String, String> symlinks) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey(), true);
                e.setSize(f.getValue().length);
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, String> l : symlinks.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(l.getKey(), TarArchiveEntry.LF_SYMLINK, true);
                e.setLinkName(l.getValue());
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
        }
    }

    static Path writeTar(Path file, Map<String, byte[]> files) throws IOException {
        return writeTar(file, files, Map.of());
    }

    static Path writeTar(Path file, Map<String, byte[]> files, Map<String, String> symlinks) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writeTar(out, files, symlinks);
        }
        return file;
    }

    static Path writeDirectory(Path dir, Map<String, byte[]> files) throws IOException {
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
        return dir;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }
}
