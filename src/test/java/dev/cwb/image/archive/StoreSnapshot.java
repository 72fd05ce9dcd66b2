package dev.cwb.image.archive;

import dev.cwb.image.ImageStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What "the store is unchanged" means in a test: the same index.json bytes and the same blob files. */
record StoreSnapshot(String indexJson, List<String> blobs, List<String> ingest) {
    static StoreSnapshot of(ImageStore store) throws IOException {
        Path root = store.root();
        try (Stream<Path> blobs = Files.list(root.resolve("blobs/sha256"))) {
            List<String> ingest = Files.isDirectory(root.resolve("ingest"))
                    ? listing(root.resolve("ingest")) : List.of();
            return new StoreSnapshot(Files.readString(root.resolve("index.json")),
                    blobs.map(p -> p.getFileName().toString()).sorted().toList(), ingest);
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
