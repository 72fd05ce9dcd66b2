package dev.cwb.image;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Builds small, real OCI images in a store for tests: gzip layers, a config with diff_ids and history. */
public final class TestImages {
    private final List<byte[]> layerTars = new ArrayList<>();
    private final List<ImageConfig.History> history = new ArrayList<>();
    private List<String> cmd = List.of("sh");

    /** A layer tar under construction. */
    public static final class Layer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar;

        public Layer() {
            this(null);
        }

        private Layer(String encoding) {
            tar = new TarArchiveOutputStream(bytes, encoding);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        /**
         * A layer whose names are bytes: each char of a name given to it (0..255) is one byte of the name
         * in the tar ({@code "a\u00ff"} is {@code a} and the byte 0xff, which is not UTF-8).
         */
        public static Layer withByteNames() {
            return new Layer(StandardCharsets.ISO_8859_1.name());
        }

        /**
         * A file whose name is carried only by a PAX {@code path} record holding these bytes (one char
         * each), as Go's archive/tar writes names that are not ASCII; the header's own name is a placeholder.
         */
        public Layer paxNamedFile(String byteName, String content) {
            byte[] name = byteName.getBytes(StandardCharsets.ISO_8859_1);
            int rest = " path=".length() + name.length + 1; // "LEN path=NAME\n", LEN counting itself
            int digits = String.valueOf(rest + 1).length();
            if (String.valueOf(rest + digits).length() != digits) {
                digits++;
            }
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            r.writeBytes(((rest + digits) + " path=").getBytes(StandardCharsets.US_ASCII));
            r.writeBytes(name);
            r.write('\n');
            byte[] record = r.toByteArray();
            TarArchiveEntry pax = new TarArchiveEntry("PaxHeaders/x", org.apache.commons.compress.archivers.tar.TarConstants.LF_PAX_EXTENDED_HEADER_LC);
            pax.setSize(record.length);
            entry(pax, record);
            return file("placeholder-name", content);
        }

        public Layer dir(String name) {
            return entry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"), null);
        }

        public Layer file(String name, String content) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(data.length);
            e.setMode(0644);
            return entry(e, data);
        }

        public Layer file(String name, String content, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(data.length);
            e.setMode(mode);
            return entry(e, data);
        }

        public Layer dir(String name, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            e.setMode(mode);
            return entry(e, null);
        }

        public Layer hardlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
            e.setLinkName(target);
            return entry(e, null);
        }

        /** Any entry, for hostile cases the helpers above do not cover. */
        public Layer raw(TarArchiveEntry e, byte[] data) {
            return entry(e, data);
        }

        public Layer symlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(target);
            return entry(e, null);
        }

        public Layer whiteout(String deletedPath) {
            int slash = deletedPath.lastIndexOf('/');
            String name = slash < 0 ? ".wh." + deletedPath : deletedPath.substring(0, slash + 1) + ".wh." + deletedPath.substring(slash + 1);
            return file(name, "");
        }

        public Layer opaque(String dir) {
            return file(dir + "/.wh..wh..opq", "");
        }

        private Layer entry(TarArchiveEntry e, byte[] data) {
            try {
                tar.putArchiveEntry(e);
                if (data != null) {
                    tar.write(data);
                }
                tar.closeArchiveEntry();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return this;
        }

        public byte[] tarBytes() {
            try {
                tar.finish();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return bytes.toByteArray();
        }
    }

    public TestImages layer(String createdBy, Layer layer) {
        return layer(createdBy, layer.tarBytes());
    }

    /** Adds a layer from ready tar bytes (to share one layer between images). */
    public TestImages layer(String createdBy, byte[] tar) {
        layerTars.add(tar);
        history.add(new ImageConfig.History("2024-01-01T00:00:00Z", createdBy, null, null, false));
        return this;
    }

    public TestImages emptyStep(String createdBy) {
        history.add(new ImageConfig.History("2024-01-02T00:00:00Z", createdBy, null, null, true));
        return this;
    }

    public TestImages cmd(String... command) {
        cmd = List.of(command);
        return this;
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the image into {@code store} as {@code reference}; returns the manifest descriptor. */
    public Descriptor store(ImageStore store, String reference) {
        try (StoreTransaction tx = store.begin()) {
            List<Descriptor> layers = new ArrayList<>();
            List<Digest> diffIds = new ArrayList<>();
            for (byte[] tar : layerTars) {
                diffIds.add(Digest.sha256(tar));
                layers.add(tx.putBlob(MediaTypes.OCI_LAYER_GZIP, gzip(tar), "layer"));
            }
            ImageConfig config = new ImageConfig("2024-01-02T00:00:00Z", null, Platform.host().architecture(), "linux", null,
                    new ImageConfig.RunConfig(null, List.of("PATH=/bin"), null, cmd, null, null, null, null, null),
                    new ImageConfig.RootFs("layers", diffIds), history);
            Descriptor configDescriptor = tx.putBlob(MediaTypes.OCI_CONFIG, Json.bytes(config), "config");
            Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, configDescriptor, layers, null);
            Descriptor manifestDescriptor = tx.putBlob(MediaTypes.OCI_MANIFEST, Json.bytes(manifest), "manifest");
            tx.tag(Reference.parse(reference), manifestDescriptor);
            tx.commit();
            return manifestDescriptor;
        }
    }
}
