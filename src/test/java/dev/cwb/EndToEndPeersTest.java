package dev.cwb;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.apache.commons.compress.compressors.CompressorStreamFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code load} and {@code save} against the real tools learners meet: an image built with umoci, moved
 * through skopeo's docker-archive and oci-archive transports, loaded, saved, and read back by skopeo.
 * Nothing is simulated: the layouts and tars are the ones those programs write.
 */
class EndToEndPeersTest {
    @TempDir
    Path tmp;
    CommandHarness cwb;
    Path layout;
    OciImage source;

    /** An image as an OCI layout directory holds it. */
    record OciImage(Descriptor manifestDescriptor, Manifest manifest, ImageConfig config, Path dir) {
        static OciImage read(Path dir) throws Exception {
            ImageIndex index = Json.parse(Files.readAllBytes(dir.resolve("index.json")), ImageIndex.class, "index.json");
            Descriptor d = index.manifests().get(0);
            Manifest m = Json.parse(Files.readAllBytes(blob(dir, d.digest())), Manifest.class, "manifest");
            ImageConfig c = Json.parse(Files.readAllBytes(blob(dir, m.config().digest())), ImageConfig.class, "config");
            return new OciImage(d, m, c, dir);
        }

        static Path blob(Path dir, Digest d) {
            return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.encoded());
        }

        List<Digest> layerDigests() {
            return manifest.layers().stream().map(Descriptor::digest).toList();
        }

        /** The sha256 of each layer after decompression: what diff_ids must be. */
        List<Digest> uncompressedLayerDigests() throws Exception {
            List<Digest> digests = new java.util.ArrayList<>();
            for (Descriptor l : manifest.layers()) {
                try (InputStream raw = new BufferedInputStream(Files.newInputStream(blob(dir, l.digest())))) {
                    InputStream in = l.mediaType().endsWith("tar") ? raw : new CompressorStreamFactory().createCompressorInputStream(raw);
                    MessageDigest sha = Digest.newSha256();
                    new DigestInputStream(in, sha).transferTo(java.io.OutputStream.nullOutputStream());
                    digests.add(Digest.ofSha256(sha.digest()));
                }
            }
            return digests;
        }
    }

    @BeforeEach
    void buildImageWithUmoci() throws Exception {
        Requirements.requireCommand("umoci", "umoci");
        Requirements.requireCommand("skopeo", "skopeo");
        cwb = new CommandHarness(tmp.resolve("home"));
        layout = tmp.resolve("umoci-layout");
        Processes.check(tmp, "umoci", "init", "--layout", layout.toString());
        Processes.check(tmp, "umoci", "new", "--image", layout + ":latest");
        // Layer 1: a script and a megabyte of incompressible data, so the layer is real work to copy.
        Path bundle = tmp.resolve("bundle1");
        Processes.check(tmp, "umoci", "unpack", "--rootless", "--image", layout + ":latest", bundle.toString());
        Path rootfs = bundle.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.writeString(rootfs.resolve("bin/hello.sh"), "#!/bin/sh\necho hello from the workbench\n");
        byte[] noise = new byte[1 << 20];
        new Random(42).nextBytes(noise);
        Files.createDirectories(rootfs.resolve("data"));
        Files.write(rootfs.resolve("data/noise.bin"), noise);
        Files.writeString(rootfs.resolve("data/old.txt"), "removed by layer 2\n");
        Processes.check(tmp, "umoci", "repack", "--image", layout + ":latest", bundle.toString());
        // Layer 2: a new file and a deletion (umoci writes a .wh. whiteout for it).
        Path bundle2 = tmp.resolve("bundle2");
        Processes.check(tmp, "umoci", "unpack", "--rootless", "--image", layout + ":latest", bundle2.toString());
        Files.writeString(bundle2.resolve("rootfs/etc-motd"), "welcome\n");
        Files.delete(bundle2.resolve("rootfs/data/old.txt"));
        Processes.check(tmp, "umoci", "repack", "--image", layout + ":latest", bundle2.toString());
        Processes.check(tmp, "umoci", "config", "--image", layout + ":latest", "--config.cmd", "/bin/hello.sh");
        source = OciImage.read(layout);
        assertEquals(2, source.manifest().layers().size(), "umoci built two layers");
    }

    private Image stored(String name) {
        return cwb.workbench().images().image(name);
    }

    private void assertSameImageAsSource(Image image) {
        assertEquals(source.manifest().config().digest(), image.id(), "config (image id)");
        assertEquals(source.config().diffIds(), image.config().diffIds(), "diff_ids");
        assertEquals(List.of("/bin/hello.sh"), image.config().runConfig().cmd());
    }

    @Test
    void loadsTheUmociLayoutDirectory() {
        assertEquals(0, cwb.run("load", layout.toString(), "--name", "e2e/umoci"), cwb.err());
        assertEquals("Loaded image: e2e/umoci:latest (sha256:" + source.manifest().config().digest().shortId() + ")\n", cwb.out());
        Image image = stored("e2e/umoci:latest");
        assertSameImageAsSource(image);
        assertEquals(source.manifestDescriptor().digest(), image.manifestDescriptor().digest(), "manifest kept as umoci wrote it");
        assertEquals(source.layerDigests(), image.layers().stream().map(Descriptor::digest).toList());
    }

    @Test
    void loadsSkopeoDockerArchive() throws Exception {
        Path tar = tmp.resolve("docker.tar");
        Processes.check(tmp, "skopeo", "copy", "--insecure-policy", "oci:" + layout + ":latest", "docker-archive:" + tar + ":e2e/docker:v1");
        assertEquals(0, cwb.run("load", tar.toString()), cwb.err());
        assertTrue(cwb.out().contains("Loaded image: e2e/docker:v1 (sha256:"), cwb.out());
        Image image = stored("e2e/docker:v1");
        assertSameImageAsSource(image);
        // skopeo writes docker-archive layers uncompressed, so each layer's digest is its diff_id
        assertEquals(source.config().diffIds(), image.layers().stream().map(Descriptor::digest).toList());
    }

    @Test
    void loadsSkopeoOciArchiveNamingTheBareTagAfterTheFile() throws Exception {
        Path tar = tmp.resolve("skopeo-oci.tar");
        Processes.check(tmp, "skopeo", "copy", "--insecure-policy", "oci:" + layout + ":latest", "oci-archive:" + tar + ":v2");
        assertEquals(0, cwb.run("load", tar.toString()), cwb.err());
        assertTrue(cwb.out().contains("named it skopeo-oci:v2 after the file name"), cwb.out());
        Image image = stored("skopeo-oci:v2");
        assertSameImageAsSource(image);
        assertEquals(source.layerDigests(), image.layers().stream().map(Descriptor::digest).toList());
    }

    @Test
    void skopeoReadsTheSavedArchiveAsDockerArchiveAndAsOciArchive() throws Exception {
        assertEquals(0, cwb.run("load", layout.toString(), "--name", "e2e/umoci"), cwb.err());
        Path saved = tmp.resolve("saved.tar");
        assertEquals(0, cwb.run("save", "e2e/umoci", saved.toString()), cwb.err());

        Path fromDocker = tmp.resolve("from-docker");
        Processes.check(tmp, "skopeo", "copy", "--insecure-policy", "docker-archive:" + saved, "oci:" + fromDocker + ":x");
        OciImage viaDocker = OciImage.read(fromDocker);
        assertEquals(source.config().diffIds(), viaDocker.config().diffIds());
        assertEquals(source.config().diffIds(), viaDocker.uncompressedLayerDigests(), "layer contents survive the docker view");

        Path fromOci = tmp.resolve("from-oci");
        Processes.check(tmp, "skopeo", "copy", "--insecure-policy", "oci-archive:" + saved, "oci:" + fromOci + ":x");
        OciImage viaOci = OciImage.read(fromOci);
        assertEquals(source.manifestDescriptor().digest(), viaOci.manifestDescriptor().digest(), "the OCI view is the same image, byte for byte");
        assertEquals(source.layerDigests(), viaOci.layerDigests());
        assertEquals(source.config().diffIds(), viaOci.config().diffIds());
        assertEquals(source.config().diffIds(), viaOci.uncompressedLayerDigests());
    }
}
