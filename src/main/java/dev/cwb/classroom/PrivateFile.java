package dev.cwb.classroom;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a file that holds a class's secrets (a join code, a viewer key): made 0600 from its first byte, in
 * a temporary file beside it, then renamed over it, so no other user can read it and a killed workbench
 * never leaves half of one.
 */
final class PrivateFile {
    private PrivateFile() {
    }

    static void write(Path file, byte[] content) throws IOException {
        dev.cwb.AtomicFile.write(file, content);
    }
}
