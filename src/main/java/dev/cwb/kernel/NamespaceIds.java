package dev.cwb.kernel;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which namespaces a thread or process is in, as the kernel shows them: each entry of
 * {@code /proc/PID/ns/} (and {@code /proc/PID/task/TID/ns/}) is a symbolic link whose target names the
 * kind and the namespace's inode, {@code uts:[4026531838]}. Two tasks are in the same namespace exactly
 * when these targets are equal (namespaces(7)). PID 1 stands for the host.
 */
public final class NamespaceIds {
    /** The kinds namespaces(7) lists, as named under /proc/PID/ns/. */
    public static final List<String> KINDS = List.of("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts");

    private NamespaceIds() {
    }

    /** The calling thread's namespaces, read on the calling thread through /proc/thread-self. */
    public static Map<String, String> ofCurrentThread() throws IOException {
        return read(Path.of("/proc/thread-self/ns"));
    }

    /** One thread of this JVM, by its kernel id. */
    public static Map<String, String> ofThread(int tid) throws IOException {
        return read(Path.of("/proc/self/task", Integer.toString(tid), "ns"));
    }

    /** A process's (its main thread's) namespaces; {@code ofProcess(1)} is the host's init. */
    public static Map<String, String> ofProcess(int pid) throws IOException {
        return read(Path.of("/proc", Integer.toString(pid), "ns"));
    }

    /**
     * The host's namespaces: PID 1's, or, where the kernel refuses to show PID 1's links (reading them
     * needs ptrace access to PID 1, which a sandbox may deny even to root), this JVM's main thread's,
     * which the workbench never moves out of the host's namespaces.
     */
    public static Map<String, String> ofHost() throws IOException {
        try {
            return ofProcess(1);
        } catch (AccessDeniedException e) {
            return read(Path.of("/proc/self/ns"));
        }
    }

    /** The kinds in which {@code a} and {@code b} differ, in {@link #KINDS} order. */
    public static List<String> differing(Map<String, String> a, Map<String, String> b) {
        return KINDS.stream().filter(k -> a.containsKey(k) && b.containsKey(k) && !a.get(k).equals(b.get(k))).toList();
    }

    private static Map<String, String> read(Path dir) throws IOException {
        Map<String, String> ids = new LinkedHashMap<>();
        for (String kind : KINDS) {
            try {
                ids.put(kind, Files.readSymbolicLink(dir.resolve(kind)).toString());
            } catch (NoSuchFileException e) {
                // an older kernel without this kind (time arrived in 5.6): leave it out
            }
        }
        if (ids.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null, "no namespace links (is /proc mounted?)");
        }
        return ids;
    }
}
