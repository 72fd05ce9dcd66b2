package dev.cwb.samples;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The busybox program of this computer, as the {@code HOST-BUSYBOX} instruction copies it into an image.
 *
 * <p>BusyBox is one program that acts as ~300 Unix tools ("applets"): it looks at the name it was started
 * under ({@code argv[0]}), so a link {@code /bin/ls -> busybox} makes it behave as {@code ls}. The binary
 * itself says which applets it has and where they belong ({@code busybox --list-full}). It must be the
 * <em>statically linked</em> build (Debian package busybox-static): a dynamically linked one would need
 * the host's C library inside the image.
 */
public record HostBusybox(Path path, byte[] bytes, String version, List<String> applets) {
    /** Where Debian's busybox-static (and most distributions) install it. */
    static final List<Path> CANDIDATES = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

    /** Finds, checks and questions the host's busybox; every failure is a one-line {@link CwbException}. */
    public static HostBusybox find() {
        for (Path candidate : CANDIDATES) {
            if (Files.isRegularFile(candidate)) {
                return inspect(candidate);
            }
        }
        throw CwbException.notFound("busybox is not installed on this computer (looked for " + CANDIDATES.get(0) + " and " + CANDIDATES.get(1) + ")",
                "apt-get install busybox-static (as root), then build again");
    }

    /** Checks that {@code path} is a static ELF busybox and asks it for its version and applet list. */
    public static HostBusybox inspect(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + path + ": " + CwbException.reason(e), null, e);
        }
        if (!ElfInfo.isElf(bytes)) {
            throw CwbException.badInput(path + " is not an ELF program", "apt-get install busybox-static");
        }
        boolean dynamic;
        try {
            dynamic = ElfInfo.hasInterpreter(bytes);
        } catch (IllegalArgumentException e) {
            throw CwbException.badInput(path + " is a damaged ELF program: " + e.getMessage(), "apt-get install --reinstall busybox-static");
        }
        if (dynamic) {
            throw CwbException.badInput(path + " is dynamically linked (its ELF header names a loader, PT_INTERP), so it cannot run"
                            + " in an image that has no C library",
                    "apt-get install busybox-static, which replaces it with the statically linked build");
        }
        String banner = run(path, "--help");
        String version = banner.lines().findFirst().orElse("BusyBox").replace(" multi-call binary.", "").strip();
        List<String> applets = new ArrayList<>();
        for (String line : run(path, "--list-full").split("\n")) {
            String applet = line.strip();
            if (!applet.isEmpty()) {
                applets.add(applet);
            }
        }
        if (applets.isEmpty()) {
            throw CwbException.badInput(path + " --list-full listed no applets", "apt-get install --reinstall busybox-static");
        }
        return new HostBusybox(path, bytes, version, List.copyOf(applets));
    }

    private static String run(Path busybox, String option) {
        try {
            Process p = new ProcessBuilder(busybox.toString(), option).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CwbException(CwbException.IO, busybox + " " + option + " did not finish in 30 s", null);
            }
            if (p.exitValue() != 0) {
                throw new CwbException(CwbException.IO, busybox + " " + option + " exited " + p.exitValue(), "apt-get install --reinstall busybox-static");
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot run " + busybox + ": " + CwbException.reason(e), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CwbException(CwbException.IO, "interrupted while asking " + busybox + " for its applets", null, e);
        }
    }
}
