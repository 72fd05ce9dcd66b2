package dev.cwb.registry;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.ImageIndex;
import dev.cwb.image.Json;
import dev.cwb.image.Manifest;
import dev.cwb.image.MediaTypes;
import dev.cwb.image.Platform;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Real source images built with umoci in OCI layouts, to be copied into a registry by skopeo. */
final class SourceImages {
    private SourceImages() {
    }

    /** Builds tag {@code tag} in {@code layout}: two layers (a script plus {@code noiseBytes} of random data, then a deletion). */
    static void build(Path work, Path layout, String tag, String arch, long seed, int noiseBytes) throws Exception {
        Requirements.requireCommand("umoci", "umoci");
        if (!Files.exists(layout.resolve("index.json"))) {
            Processes.check(work, "umoci", "init", "--layout", layout.toString());
        }
        String image = layout + ":" + tag;
        Processes.check(work, "umoci", "new", "--image", image);
        Path bundle = work.resolve("bundle-" + tag + "-1");
        Processes.check(work, "umoci", "unpack", "--rootless", "--image", image, bundle.toString());
        Path rootfs = bundle.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.writeString(rootfs.resolve("bin/hello.sh"), "#!/bin/sh\necho hello from " + tag + "\n");
        byte[] noise = new byte[noiseBytes];
        new Random(seed).nextBytes(noise);
        Files.createDirectories(rootfs.resolve("data"));
        Files.write(rootfs.resolve("data/noise.bin"), noise);
        Files.writeString(rootfs.resolve("data/old.txt"), "removed by layer 2\n");
        Processes.check(work, "umoci", "repack", "--image", image, bundle.toString());
        Path bundle2 = work.resolve("bundle-" + tag + "-2");
        Processes.check(work, "umoci", "unpack", "--rootless", "--image", image, bundle2.toString());
        Files.writeString(bundle2.resolve("rootfs/etc-motd"), "welcome to " + tag + "\n");
        Files.delete(bundle2.resolve("rootfs/data/old.txt"));
        Processes.check(work, "umoci", "repack", "--image", image, bundle2.toString());
        Processes.check(work, "umoci", "config", "--image", image, "--config.cmd", "/bin/hello.sh", "--architecture", arch, "--os", "linux");
    }

    /** The descriptor index.json gives {@code tag}. */
    static Descriptor entry(Path layout, String tag) throws Exception {
        ImageIndex index = Json.parse(Files.readAllBytes(layout.resolve("index.json")), ImageIndex.class, "index.json");
        return index.manifests().stream().filter(d -> tag.equals(d.annotation(Descriptor.REF_NAME))).findFirst().orElseThrow();
    }

    static Manifest manifest(Path layout, Descriptor d) throws Exception {
        return Json.parse(Files.readAllBytes(blob(layout, d.digest())), Manifest.class, "manifest");
    }

    static Path blob(Path layout, Digest d) {
        return layout.resolve("blobs").resolve(d.algorithm()).resolve(d.encoded());
    }

    /** Adds tag {@code indexTag}: an OCI index naming the given tags' manifests with their platforms. */
    static Descriptor addIndex(Path layout, String indexTag, Map<String, Platform> tags) throws Exception {
        List<Descriptor> manifests = new ArrayList<>();
        for (Map.Entry<String, Platform> e : tags.entrySet()) {
            Descriptor d = entry(layout, e.getKey());
            manifests.add(new Descriptor(d.mediaType(), d.digest(), d.size(), null, e.getValue(), null));
        }
        byte[] bytes = Json.bytes(ImageIndex.of(manifests));
        Digest digest = Digest.sha256(bytes);
        Files.write(blob(layout, digest), bytes);
        ImageIndex top = Json.parse(Files.readAllBytes(layout.resolve("index.json")), ImageIndex.class, "index.json");
        List<Descriptor> entries = new ArrayList<>(top.manifests());
        Descriptor indexDescriptor = new Descriptor(MediaTypes.OCI_INDEX, digest, bytes.length, Map.of(Descriptor.REF_NAME, indexTag), null, null);
        entries.add(indexDescriptor);
        Files.write(layout.resolve("index.json"), Json.bytes(new ImageIndex(2, null, entries, null)));
        return indexDescriptor;
    }
}
