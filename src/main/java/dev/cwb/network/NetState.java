package dev.cwb.network;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the workbenches of this host have done to its network, in one place they all share —
 * {@code /run/cwb/net/} (a tmpfs: like the links and rules it describes, it is gone after a reboot):
 * {@code bridge-NAME} records a bridge the workbench made (its subnet), {@code leases/KEY} one container's
 * place on it ({@link Lease}). Every change happens under {@code lock} (an flock every workbench and shim
 * takes, and a lock for this JVM's threads), so two workbenches starting containers at once never get one
 * address or one host port twice.
 */
public final class NetState {
    private static final ReentrantLock IN_THIS_JVM = new ReentrantLock();
    private final Path dir;

    NetState(Path dir) {
        this.dir = dir;
    }

    /** The host's: {@code /run/cwb/net}, or the directory system property {@code cwb.net.state} names (tests). */
    public static NetState host() {
        return new NetState(Path.of(System.getProperty("cwb.net.state", "/run/cwb/net")));
    }

    public Path dir() {
        return dir;
    }

    /** Work that must see and change the state alone. */
    @FunctionalInterface
    public interface Locked<T> {
        T run() throws IOException;
    }

    public <T> T locked(Locked<T> work) {
        IN_THIS_JVM.lock();
        try {
            Files.createDirectories(dir.resolve("leases"));
            try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return work.run();
            }
        } catch (IOException e) {
            throw CwbException.io("the host's network state in " + dir, e, "run as root; cleanup removes what killed workbenches left");
        } finally {
            IN_THIS_JVM.unlock();
        }
    }

    /** The record of bridge {@code name}: its subnet. */
    public record BridgeRecord(String name, Subnet subnet, boolean nat) {
    }

    Optional<BridgeRecord> bridge(String name) throws IOException {
        Path f = dir.resolve("bridge-" + name);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new java.io.StringReader(Files.readString(f)));
        return Optional.of(new BridgeRecord(name, Subnet.parse(p.getProperty("subnet")), Boolean.parseBoolean(p.getProperty("nat"))));
    }

    void save(BridgeRecord b) throws IOException {
        write(dir.resolve("bridge-" + b.name()), "subnet=" + b.subnet() + "\nnat=" + b.nat() + "\n");
    }

    void removeBridge(String name) throws IOException {
        Files.deleteIfExists(dir.resolve("bridge-" + name));
    }

    /** Every lease, in no order; damaged ones are left out. */
    List<Lease> leases() throws IOException {
        List<Lease> out = new ArrayList<>();
        try (var files = Files.list(dir.resolve("leases"))) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().startsWith(".")) {
                    continue;
                }
                try {
                    out.add(Lease.parse(Files.readString(f)));
                } catch (IOException e) {
                    // half-written by a workbench killed mid-write cannot be: writes are renames
                }
            }
        }
        return out;
    }

    Optional<Lease> lease(Path home, String container) throws IOException {
        Path f = dir.resolve("leases").resolve(key(home, container));
        return Files.isRegularFile(f) ? Optional.of(Lease.parse(Files.readString(f))) : Optional.empty();
    }

    void save(Lease l) throws IOException {
        write(dir.resolve("leases").resolve(key(Path.of(l.home()), l.container())), l.text());
    }

    void remove(Lease l) throws IOException {
        Files.deleteIfExists(dir.resolve("leases").resolve(key(Path.of(l.home()), l.container())));
    }

    /** A short name for a container of a home: the start of a SHA-256 of both. */
    static String key(Path home, String container) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((home.toAbsolutePath() + "\0" + container).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void write(Path f, String text) throws IOException {
        Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
