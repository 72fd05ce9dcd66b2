package dev.cwb.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Debian generic kernel unpacked for the test VM: its {@code boot/vmlinuz-RELEASE} and
 * {@code lib/modules/RELEASE/}.
 *
 * <p>{@code scripts/install-packages test} puts it in {@link #CACHE}: it asks apt which package
 * {@code linux-image-amd64} depends on now, {@code apt-get download}s that one and unpacks it there with
 * {@code dpkg-deb -x} (nothing is installed into /boot; the host's own boot is untouched). The generic
 * kernel, not the {@code -cloud-} one: only the generic one has the 9p modules the VM's root comes over.
 */
record VmKernel(Path vmlinuz, Path modules, String release) {
    static final Path CACHE = Path.of("/var/cache/cwb/vm-kernel");

    /** The newest kernel in {@code cache} (one directory per package), if any was unpacked there. */
    static Optional<VmKernel> find(Path cache) {
        if (!Files.isDirectory(cache)) {
            return Optional.empty();
        }
        try (Stream<Path> packages = Files.list(cache)) {
            return packages.filter(p -> !p.getFileName().toString().startsWith("."))
                    .map(VmKernel::in)
                    .flatMap(Optional::stream)
                    .max(Comparator.comparing(VmKernel::release, VmKernel::compareReleases));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<VmKernel> in(Path unpacked) {
        try (Stream<Path> boot = Files.list(unpacked.resolve("boot"))) {
            return boot.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .map(p -> new VmKernel(p, unpacked.resolve("lib/modules")
                            .resolve(p.getFileName().toString().substring("vmlinuz-".length())),
                            p.getFileName().toString().substring("vmlinuz-".length())))
                    .filter(k -> Files.isDirectory(k.modules().resolve("kernel")))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** 6.1.0-57-amd64 after 6.1.0-9-amd64: numbers compare as numbers. */
    static int compareReleases(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].matches("\\d+") && y[i].matches("\\d+")
                    ? Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
