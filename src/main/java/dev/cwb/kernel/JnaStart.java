package dev.cwb.kernel;

import com.sun.jna.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * How JNA starts in the workbench, so that its first call costs a dynamic link and little else.
 *
 * <p>Left to itself, JNA's first use on Linux ({@code com.sun.jna.Native}, then {@code NativeLibrary}):
 * <ol>
 *   <li>copies its native half, {@code libjnidispatch.so}, out of the jar into a new temporary file under
 *       {@code ~/.cache/JNA/temp} and loads that, on every start. The file's random name comes from
 *       {@code SecureRandom}, whose first use sets up all of Java's security providers;</li>
 *   <li>runs {@code /sbin/ldconfig -p}, a process (two, with Java's spawn helper), to learn the dynamic
 *       loader's search path.</li>
 * </ol>
 * Instead, the launcher copies the library out of the jar once per build ({@link #main}, into
 * {@code target/native/}) and names that directory with {@code -Djna.boot.library.path}; JNA loads it from
 * there, and falls back to its own copy when it is missing. And the one library the workbench opens by name
 * is the C library by its soname, {@code libc.so.6}, which dlopen(3) finds in the loader's own cache: JNA's
 * search path is set empty, so it never asks ldconfig.
 */
public final class JnaStart {
    /** JNA's property for the directories it searches before the loader: empty means none. */
    static final String PLATFORM_PATH = "jna.platform.library.path";

    private JnaStart() {
    }

    /** Called before JNA's first use (Main, and {@link LibC}'s and {@link Spawn}'s static set-up); a property already set wins. */
    public static void configure() {
        if (System.getProperty(PLATFORM_PATH) == null) {
            System.setProperty(PLATFORM_PATH, "");
        }
    }

    /** The resource of JNA's native library for this machine, as JNA itself names it. */
    static String resource() {
        return "/com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("jnidispatch");
    }

    /**
     * {@code java -cp cwb.jar dev.cwb.kernel.JnaStart DIR}: copies this machine's {@code libjnidispatch.so}
     * from the jar into DIR, through a temporary file renamed into place (a start that reads it meanwhile
     * sees the old file or the new one, never half of one). Exit code 1, and one line, when it cannot.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp cwb.jar dev.cwb.kernel.JnaStart DIRECTORY");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        try (InputStream in = JnaStart.class.getResourceAsStream(resource())) {
            if (in == null) {
                System.err.println("JNA has no native library for " + Platform.RESOURCE_PREFIX + " in this jar");
                System.exit(1);
            }
            Path tmp = Files.createTempFile(dir, ".jnidispatch", ".tmp");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, dir.resolve(System.mapLibraryName("jnidispatch")), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
