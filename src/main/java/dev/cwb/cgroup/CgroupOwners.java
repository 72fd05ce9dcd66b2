package dev.cwb.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which workbench process made which cgroup. A cgroup file system holds only the kernel's own files, so
 * the record lives beside the session's other state: {@code DIR/NAME.owner} holds the creator's pid and its
 * start time (the start time tells a reused pid from the original process), then the inode number of each
 * directory of the group (a group removed by hand and made again under the same name by another workbench
 * home has new inodes). {@link CgroupJanitor} uses it to recognise groups a killed session of <em>this</em>
 * home left behind: cgroups are one per machine, shared by every {@code $CWB_HOME} and user on it.
 */
public final class CgroupOwners {
    private final Path dir;

    public CgroupOwners(Path dir) {
        this.dir = dir;
    }

    /** The owner records of a workbench home: {@code $CWB_HOME/run/cgroups/}. */
    public static CgroupOwners in(dev.cwb.WorkbenchHome home) {
        return new CgroupOwners(home.root().resolve("run").resolve("cgroups"));
    }

    public Path directory() {
        return dir;
    }

    /**
     * The process that made a group: pid and start time in milliseconds since the epoch, and the inode of
     * each directory it made for the group (empty in a record written before inodes were kept).
     */
    public record Owner(long pid, long startMillis, Map<Path, Long> inodes) {
        public Owner {
            inodes = Map.copyOf(inodes);
        }

        /**
         * True when {@code dirs} are the very directories this owner made: each one's inode is the one
         * recorded. A record without inodes (an older build's) matches by name alone.
         */
        public boolean made(List<Path> dirs) {
            if (inodes.isEmpty()) {
                return true;
            }
            for (Path d : dirs) {
                Long recorded = inodes.get(d);
                if (Files.isDirectory(d) && (recorded == null || !recorded.equals(inode(d)))) {
                    return false;
                }
            }
            return true;
        }

        /** True when that very process still runs (same pid and same start time). */
        public boolean alive() {
            return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant())
                    .map(t -> t.toEpochMilli() == startMillis).orElse(false) && !zombie(pid);
        }

        /** A process that has exited but was not reaped yet still has a pid: it is dead all the same. */
        public static boolean zombie(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                int close = stat.lastIndexOf(')');
                return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        static Owner current() {
            ProcessHandle self = ProcessHandle.current();
            return new Owner(self.pid(), self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L), Map.of());
        }
    }

    /** Records this process as the maker of group {@code name}, whose directories {@code dirs} it has just made. */
    void claim(String name, List<Path> dirs) {
        try {
            Owner me = Owner.current();
            StringBuilder record = new StringBuilder(me.pid() + " " + me.startMillis() + "\n");
            for (Path d : dirs) {
                Long ino = inode(d);
                if (ino != null) {
                    record.append(ino).append(' ').append(d).append('\n');
                }
            }
            dev.cwb.AtomicFile.write(file(name), record.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "cannot record the owner of cgroup " + name + " in "
                    + dir + ": " + e.getMessage(), "check that the workbench home is writable");
        }
    }

    void release(String name) {
        try {
            Files.deleteIfExists(file(name));
        } catch (IOException e) {
            // a stale record only makes cleanup look at an already removed group: harmless
        }
    }

    public Optional<Owner> owner(String name) {
        try {
            List<String> lines = Files.readAllLines(file(name), StandardCharsets.US_ASCII);
            String[] f = lines.get(0).trim().split("\\s+");
            Map<Path, Long> inodes = new HashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                int space = line.indexOf(' ');
                inodes.put(Path.of(line.substring(space + 1)), Long.parseLong(line.substring(0, space)));
            }
            return Optional.of(new Owner(Long.parseLong(f[0]), Long.parseLong(f[1]), inodes));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The directory's inode number, or null when it is gone. */
    static Long inode(Path d) {
        try {
            return ((Number) Files.getAttribute(d, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private Path file(String name) {
        return dir.resolve(name + ".owner");
    }
}
