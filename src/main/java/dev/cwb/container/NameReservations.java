package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.WorkbenchHome;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Container names taken on this machine, shared by every workbench of the host whatever its {@code $CWB_HOME}:
 * a container's name is its cgroup's name, and cgroups are one tree per machine. Choosing a free name
 * ({@code busybox-1}) by looking at the cgroups that exist is not enough: the group is made later in the
 * set-up, so two workbenches choosing at the same moment would both pick {@code busybox-1}, and the second
 * would fail with "cgroup busybox-1 already exists". So a name is <em>reserved</em> when it is chosen, under one
 * flock, in {@code /run/cwb/names/NAME} (a tmpfs, like {@code /run/cwb/net}: nothing survives a reboot that
 * could block a name), the same way {@link dev.cwb.network.NetState} hands out addresses.
 *
 * <p>A reservation names the process that holds it (pid and start time, so a reused pid is not mistaken for
 * it): the workbench running the container, or the shim of a detached one, which takes over the name its
 * workbench chose. It is given back when the container is removed, and a reservation whose process is gone
 * (a killed workbench) is stale: the next workbench that takes the lock ignores and deletes it, as
 * {@code cleanup} does. Without root the file lives in {@code $CWB_HOME/run/names}: such a workbench makes
 * no group under the machine's {@code cwb/}, so only its own home's names can collide.
 */
public final class NameReservations {
    private static final ReentrantLock IN_THIS_JVM = new ReentrantLock();
    private final Path dir;
    /** The home of this process, written into its reservations for the line another workbench prints. */
    private final String home;

    NameReservations(Path dir, Path home) {
        this.dir = dir;
        this.home = home.toAbsolutePath().toString();
    }

    /** The directory for {@code home}: the machine's as root ({@code cwb.names.state} overrides it), else the home's. */
    public static NameReservations of(WorkbenchHome home) {
        if (WorkbenchHome.isRoot()) {
            return new NameReservations(Path.of(System.getProperty("cwb.names.state", "/run/cwb/names")), home.root());
        }
        return new NameReservations(home.run().resolve("names"), home.root());
    }

    public Path dir() {
        return dir;
    }

    /** Who holds a name: a process (pid and start time) of a home. */
    public record Holder(String name, long pid, long start, String home) {
        boolean alive() {
            return pid > 0 && start != 0 && HostPids.startMillis((int) pid) == start;
        }

        boolean isSelf() {
            return pid == ProcessHandle.current().pid();
        }
    }

    /**
     * Reserves the first of {@code base-1}, {@code base-2}... that no live reservation holds and
     * {@code free} accepts (free in this session, in this home, as a cgroup), and returns it.
     */
    public String reserveFree(String base, Set<String> cgroupsInUse, Predicate<String> free) {
        return locked(() -> {
            for (Holder h : holders()) {
                if (!h.alive()) {
                    Files.deleteIfExists(dir.resolve(h.name())); // a killed workbench's: blocks nothing, kept by no one
                }
            }
            for (int i = 1; ; i++) {
                String n = base + "-" + i;
                String key = CgroupStep.groupName(n);
                if (cgroupsInUse.contains(key) || !free.test(n)) {
                    continue;
                }
                Optional<Holder> h = read(key);
                if (h.isPresent() && h.get().alive()) {
                    continue; // this JVM's own too: another session of it (a test's second workbench) may hold it
                }
                write(key, self(n));
                return n;
            }
        });
    }

    /**
     * Reserves {@code name}, given by the user ({@code --name}) or handed down: refused with one line when a
     * live process of another workbench holds it — unless that process is {@code handedFrom} (the workbench
     * that started this shim and chose the name for it), whose reservation this process takes over.
     */
    public void reserve(String name, long handedFrom) {
        locked(() -> {
            String key = CgroupStep.groupName(name);
            Optional<Holder> h = read(key);
            if (h.isPresent() && h.get().alive() && !h.get().isSelf() && h.get().pid() != handedFrom) {
                throw CwbException.badInput("the name " + name + " is taken on this machine: a container of another workbench (pid "
                        + h.get().pid() + ", CWB_HOME " + h.get().home() + ") has it, and container names are cgroup names, one per machine",
                        "pick another name with --name, or leave --name out to get a free one");
            }
            write(key, self(name));
            return null;
        });
    }

    /** Gives {@code name} back, when this process holds it. */
    public void release(String name) {
        try {
            locked(() -> {
                String key = CgroupStep.groupName(name);
                Optional<Holder> h = read(key);
                if (h.isPresent() && h.get().isSelf()) {
                    Files.deleteIfExists(dir.resolve(key));
                }
                return null;
            });
        } catch (CwbException e) {
            // nothing to give back where nothing could be reserved; a stale reservation harms no one
        }
    }

    /**
     * Gives back every name this process holds: the workbench is ending, and a name it chose for a container it
     * had not made yet (SIGTERM between the choice and the workspace) would otherwise wait for a later workbench
     * to find it stale.
     */
    public void releaseAll() {
        try {
            locked(() -> {
                for (Holder h : holders()) {
                    if (h.isSelf()) {
                        Files.deleteIfExists(dir.resolve(h.name()));
                    }
                }
                return null;
            });
        } catch (CwbException e) {
            // nothing was reserved where nothing can be written
        }
    }

    /** The reservations whose process is gone (a killed workbench or shim). */
    public List<Holder> stale() {
        return locked(() -> holders().stream().filter(h -> !h.alive()).toList());
    }

    /** Deletes the stale reservations ({@code cleanup}); returns them. */
    public List<Holder> removeStale() {
        return locked(() -> {
            List<Holder> gone = holders().stream().filter(h -> !h.alive()).toList();
            for (Holder h : gone) {
                Files.deleteIfExists(dir.resolve(h.name()));
            }
            return gone;
        });
    }

    private List<Holder> holders() throws IOException {
        List<Holder> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (!n.equals("lock") && !n.startsWith(".")) {
                    read(n).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    private Holder self(String name) {
        long pid = ProcessHandle.current().pid();
        return new Holder(CgroupStep.groupName(name), pid, HostPids.startMillis((int) pid), "");
    }

    private Optional<Holder> read(String key) throws IOException {
        Path f = dir.resolve(key);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new java.io.StringReader(Files.readString(f)));
        try {
            return Optional.of(new Holder(key, Long.parseLong(p.getProperty("pid", "0")), Long.parseLong(p.getProperty("start", "0")),
                    p.getProperty("home", "?")));
        } catch (NumberFormatException e) {
            return Optional.of(new Holder(key, 0, 0, "?")); // damaged: stale
        }
    }

    private void write(String key, Holder h) throws IOException {
        // a rename: a workbench killed mid-write leaves a dot file, never half a reservation
        Path tmp = dir.resolve("." + key + "." + h.pid() + ".tmp");
        Files.writeString(tmp, "pid=" + h.pid() + "\nstart=" + h.start() + "\nhome=" + home + "\n");
        Files.move(tmp, dir.resolve(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @FunctionalInterface
    private interface Locked<T> {
        T run() throws IOException;
    }

    private <T> T locked(Locked<T> work) {
        IN_THIS_JVM.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return work.run();
            }
        } catch (IOException e) {
            throw CwbException.io("the container names reserved in " + dir, e,
                    "check that " + dir + " is writable; cleanup removes what killed workbenches left");
        } finally {
            IN_THIS_JVM.unlock();
        }
    }
}
