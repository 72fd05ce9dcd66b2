package dev.cwb.cleanup;

import dev.cwb.WorkbenchHome;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a killed workbench can leave in {@code $CWB_HOME}: staged blobs of a load that never committed
 * ({@code images/ingest/*}) and layers half unpacked ({@code layers/.tmp-*}). A directory still marked
 * by a live process ({@link InUseMarker}) is never touched.
 */
public final class Leftovers {
    private final WorkbenchHome home;

    public Leftovers(WorkbenchHome home) {
        this.home = home;
    }

    /** One leftover directory and its size. */
    /** @param pointer the pending/ file that named it, removed with it; {@code null} for directories inside CWB_HOME */
    public record Leftover(Path path, String what, long bytes, Path pointer) {
    }

    public List<Leftover> find() throws IOException {
        List<Leftover> found = new ArrayList<>();
        collect(home.imageLayout().resolve("ingest"), "", "blobs staged by a load that did not finish", found);
        collect(home.layers(), ".tmp-", "a layer that was not completely unpacked", found);
        for (PendingWork.Abandoned a : PendingWork.abandoned(home.pending())) {
            if (Files.isDirectory(a.workDir(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                found.add(new Leftover(a.workDir(), "a root filesystem that 'unpack --flat' did not finish", sizeOf(a.workDir()), a.pointer()));
            } else if (Files.isRegularFile(a.workDir(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                found.add(new Leftover(a.workDir(), "an archive that 'save' did not finish", Files.size(a.workDir()), a.pointer()));
            } else {
                Files.deleteIfExists(a.pointer()); // its directory is gone already: only the note is left
            }
        }
        return found;
    }

    private static void collect(Path dir, String prefix, String what, List<Leftover> found) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p) && p.getFileName().toString().startsWith(prefix) && !InUseMarker.inUse(p)) {
                    found.add(new Leftover(p, what, sizeOf(p), null));
                }
            }
        }
    }

    /** Deletes one leftover (never following symlinks out of it). */
    public static void remove(Leftover leftover) throws IOException {
        dev.cwb.layer.LayerExtractor.deleteTree(leftover.path());
        if (leftover.pointer() != null) {
            Files.deleteIfExists(leftover.pointer());
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        long[] total = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
