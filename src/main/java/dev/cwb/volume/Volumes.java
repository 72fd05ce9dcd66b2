package dev.cwb.volume;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cwb.AtomicFile;
import dev.cwb.CwbException;
import dev.cwb.HomeSafety;
import dev.cwb.WorkbenchHome;
import dev.cwb.image.Json;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The named volumes, kept as Docker's {@code local} driver keeps them: {@code $CWB_HOME/volumes/NAME/_data} is
 * the directory a container sees, bind-mounted; {@code volume.json} beside it holds what {@code volume inspect}
 * shows (Docker keeps that in {@code metadata.db}). {@code volumes/} and each {@code NAME/} are mode 0700: only
 * the workbench's user walks to a volume's data; {@code _data} has the mode its content needs (0755, or the
 * image directory's own after the first copy).
 *
 * <p>A volume is <em>in use</em> while a container's workspace lists it ({@link ContainerVolumes}); {@code rm}
 * and {@code prune} leave those. An anonymous volume (an image's {@code VOLUME}, {@code -v /path}) has a random
 * 64-hex name and Docker's label {@code com.docker.volume.anonymous}; it goes with its container.
 */
public final class Volumes {
    /** Docker's rule for a local volume's name (daemon/names: RestrictedNamePattern). */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    /** The label Docker (23+) gives an anonymous volume; {@code volume prune} without {@code -a} removes only these. */
    public static final String ANONYMOUS = "com.docker.volume.anonymous";

    /** What {@code volume inspect} prints for one volume: Docker's fields, in Docker's order. */
    public record Volume(@JsonProperty("CreatedAt") String createdAt, @JsonProperty("Driver") String driver,
                         @JsonProperty("Labels") Map<String, String> labels, @JsonProperty("Mountpoint") String mountpoint,
                         @JsonProperty("Name") String name, @JsonProperty("Options") Map<String, String> options,
                         @JsonProperty("Scope") String scope) {
        public boolean anonymous() {
            return labels != null && labels.containsKey(ANONYMOUS);
        }
    }

    private final WorkbenchHome home;

    public Volumes(WorkbenchHome home) {
        this.home = home;
    }

    /** {@code $CWB_HOME/volumes}. */
    public Path directory() {
        return home.root().resolve("volumes");
    }

    /** The directory containers see: {@code volumes/NAME/_data}. */
    public Path data(String name) {
        return directory().resolve(checkName(name)).resolve("_data");
    }

    /** Refuses a name Docker's local driver would refuse (a {@code /} in it, a leading dot...), in one line. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw CwbException.badInput("'" + name + "' is not a valid volume name: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters"
                    + (name != null && name.contains("/") ? " (a path with '/' is a bind mount: give it absolute, -v /abs/path:/ctr)" : ""),
                    "for example: data, web-content, db_1");
        }
        return name;
    }

    public Optional<Volume> find(String name) {
        Path meta = directory().resolve(checkName(name)).resolve("volume.json");
        if (!Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.parse(Files.readAllBytes(meta), Volume.class, "volume " + name));
        } catch (IOException e) {
            throw CwbException.io("read " + meta, e, "run cleanup, or volume rm " + name);
        }
    }

    public Volume get(String name) {
        return find(name).orElseThrow(() -> CwbException.notFound("no such volume: " + name, "volume ls lists them; volume create " + name + " makes it"));
    }

    /** {@code volume create}: makes the volume unless it exists (then it is returned, as Docker does). */
    public synchronized Volume create(String name, Map<String, String> labels) {
        checkName(name);
        Optional<Volume> there = find(name);
        if (there.isPresent()) {
            return there.get();
        }
        Path dir = directory().resolve(name);
        try {
            Files.createDirectories(home.root());
            HomeSafety.createPrivateDirectory(directory());
            HomeSafety.createPrivateDirectory(dir);
            Path data = dir.resolve("_data");
            if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(data, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
            }
            Volume v = new Volume(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)),
                    "local", new TreeMap<>(labels), data.toString(), name, Map.of(), "local");
            AtomicFile.write(dir.resolve("volume.json"), Json.bytes(v)); // last: a volume without it is half-made
            return v;
        } catch (IOException e) {
            throw CwbException.io("make volume " + name + " in " + dir, e, "check that " + home.root() + " is writable");
        }
    }

    /** An anonymous volume: a random 64-hex name, Docker's label. */
    public Volume createAnonymous() {
        return createAnonymous(randomName());
    }

    /** The anonymous volume {@code name} (from {@link #randomName}), made unless it exists. */
    public Volume createAnonymous(String name) {
        return create(name, Map.of(ANONYMOUS, ""));
    }

    /** 64 random hex digits, as Docker names an anonymous volume. */
    public static String randomName() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Every volume, by name. */
    public List<Volume> all() {
        if (!Files.isDirectory(directory())) {
            return List.of();
        }
        List<Volume> result = new ArrayList<>();
        try (Stream<Path> s = Files.list(directory())) {
            for (Path dir : s.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (NAME.matcher(name).matches()) {
                    find(name).ifPresent(result::add);
                }
            }
        } catch (IOException e) {
            throw CwbException.io("list " + directory(), e, "check its permissions");
        }
        return result;
    }

    /** The containers (workspace names) whose record lists {@code name}; the ones of a killed workbench too. */
    public List<String> users(String name) {
        Path containers = home.run().resolve("containers");
        if (!Files.isDirectory(containers)) {
            return List.of();
        }
        List<String> users = new ArrayList<>();
        try (Stream<Path> s = Files.list(containers)) {
            for (Path dir : s.sorted().toList()) {
                if (ContainerVolumes.read(dir).stream().anyMatch(u -> u.name().equals(name))) {
                    users.add(dir.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw CwbException.io("list " + containers, e, "check its permissions");
        }
        return users;
    }

    /** {@code volume rm}: refused while a container uses it (Docker: "volume is in use"). */
    public synchronized void remove(String name) {
        get(name);
        List<String> users = users(name);
        if (!users.isEmpty()) {
            throw CwbException.badInput("volume " + name + " is in use by container " + String.join(", ", users),
                    "rm the container first (cleanup, when its workbench was killed)");
        }
        delete(name);
    }

    /** Deletes the volume's directory, entry by entry, never following a link (its data is the containers' to shape). */
    void delete(String name) {
        try (DirFd dir = DirFd.open(directory())) {
            dir.deleteTree(checkName(name));
        } catch (SyscallException e) {
            throw new CwbException(CwbException.IO, "could not delete volume " + name + ": " + e.getMessage(),
                    "look at " + directory().resolve(name) + " (something mounted there?), then volume rm " + name);
        }
    }

    /** Bytes the volume's data takes (its regular files' sizes), for {@code prune}'s total. */
    public long size(String name) {
        long[] total = {0};
        java.util.Set<Object> seen = new java.util.HashSet<>(); // a file with several names (hard links) counts once, as du counts it
        try (Stream<Path> s = Files.walk(data(name))) {
            s.forEach(p -> {
                try {
                    java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && (a.fileKey() == null || seen.add(a.fileKey()))) {
                        total[0] += a.size();
                    }
                } catch (IOException e) {
                    // removed meanwhile
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // unreadable: counted as far as it went
        }
        return total[0];
    }
}
