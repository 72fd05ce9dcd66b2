package dev.cwb.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A loop device of the test's own (losetup(8) over a small file it wrote): a real block device of this
 * host that a container must not reach. Closing it detaches the device. Needs root and {@code losetup}.
 */
public final class LoopDevice implements AutoCloseable {
    private final Path backing;
    private final Path device;
    private final int major;
    private final int minor;

    private LoopDevice(Path backing, Path device, int major, int minor) {
        this.backing = backing;
        this.device = device;
        this.major = major;
        this.minor = minor;
    }

    /** A 1 MiB file of a recognisable pattern in {@code dir}, attached to the first free loop device. */
    public static LoopDevice attach(Path dir) throws IOException, InterruptedException {
        Requirements.requireRoot();
        Path losetup = Requirements.requireCommand("losetup", "mount");
        Path file = dir.resolve("loop-backing.img");
        byte[] pattern = "cwb loop device test block\n".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = pattern[i % pattern.length];
        }
        Files.write(file, data);
        Process p = new ProcessBuilder(losetup.toString(), "--find", "--show", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("/dev/")) {
            throw new IOException("losetup --find --show " + file + " failed: " + out);
        }
        Path dev = Path.of(out);
        long rdev = ((Number) Files.getAttribute(dev, "unix:rdev")).longValue();
        // glibc's gnu_dev_major / gnu_dev_minor (sys/sysmacros.h)
        int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
        int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
        return new LoopDevice(file, dev, major, minor);
    }

    public Path device() {
        return device;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    /** The first line of the backing file's pattern, what reading the device shows. */
    public static String firstLine() {
        return "cwb loop device test block";
    }

    /** SHA-256 of the backing file now (after the kernel's cached writes to the device reached it). */
    public String backingDigest() throws IOException, InterruptedException {
        new ProcessBuilder("sync").start().waitFor(10, TimeUnit.SECONDS);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(backing)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("losetup", "-d", device.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("losetup -d " + device + " failed: " + out);
        }
    }
}
