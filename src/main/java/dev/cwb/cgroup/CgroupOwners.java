package dev.cwb.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which workbench process made which cgroup. A cgroup file system holds only the kernel's own files, so
 * the record lives beside the session's other state: {@code DIR/NAME.owner} holds the creator's pid and its
 * start time (the start time tells a reused pid from the original process). {@link CgroupJanitor} uses it
 * to recognise groups a killed session left behind.
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

    /** The process that made a group: pid and start time in milliseconds since the epoch. */
    public record Owner(long pid, long startMillis) {
        /** True when that very process still runs (same pid and same start time). */
        public boolean alive() {
            return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant())
                    .map(t -> t.toEpochMilli() == startMillis).orElse(false) && !zombie(pid);
        }

        /** A process that has exited but was not reaped yet still has a pid: it is dead all the same. */
        static boolean zombie(long pid) {
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
            return new Owner(self.pid(), self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L));
        }
    }

    void claim(String name) {
        try {
            Files.createDirectories(dir);
            Owner me = Owner.current();
            Path tmp = Files.createTempFile(dir, ".owner-", ".tmp");
            Files.writeString(tmp, me.pid() + " " + me.startMillis() + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
            String[] f = Files.readString(file(name), StandardCharsets.US_ASCII).trim().split("\\s+");
            return Optional.of(new Owner(Long.parseLong(f[0]), Long.parseLong(f[1])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private Path file(String name) {
        return dir.resolve(name + ".owner");
    }
}
