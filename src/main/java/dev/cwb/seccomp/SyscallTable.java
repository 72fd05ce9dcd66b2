package dev.cwb.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every system call of one architecture by name and number, as a seccomp filter sees it in
 * {@code seccomp_data.nr}. The tables are data (resources {@code syscalls-x86_64.txt},
 * {@code syscalls-aarch64.txt}), taken from the kernel's uapi headers; {@code syscalls-other.txt} names the
 * calls only other architectures have (i386's {@code chown32}, arm's {@code cacheflush}...), which a profile
 * may name and which are then skipped here, as runc skips a call its architecture lacks.
 */
public final class SyscallTable {
    private static final Map<SeccompArch, SyscallTable> TABLES = new java.util.EnumMap<>(SeccompArch.class);
    private static Set<String> others;

    private final SeccompArch arch;
    private final Map<String, Integer> numbers;
    private final Map<Integer, String> names;
    private final TreeMap<Integer, String> sorted;

    private SyscallTable(SeccompArch arch, Map<String, Integer> numbers) {
        this.arch = arch;
        this.numbers = Collections.unmodifiableMap(numbers);
        Map<Integer, String> byNumber = new TreeMap<>();
        numbers.forEach((n, nr) -> byNumber.putIfAbsent(nr, n));
        this.sorted = (TreeMap<Integer, String>) byNumber;
        this.names = Collections.unmodifiableMap(byNumber);
    }

    /** The table of {@code arch}. */
    public static synchronized SyscallTable of(SeccompArch arch) {
        return TABLES.computeIfAbsent(arch, a -> {
            Map<String, Integer> numbers = new LinkedHashMap<>();
            read("syscalls-" + a.table() + ".txt", (name, nr) -> numbers.put(name, nr));
            return new SyscallTable(a, numbers);
        });
    }

    public SeccompArch arch() {
        return arch;
    }

    /** The number of {@code name} here, or -1 when this architecture has no such call. */
    public int number(String name) {
        return numbers.getOrDefault(name, -1);
    }

    /** The name of number {@code nr}, or null. */
    public String name(int nr) {
        return names.get(nr);
    }

    /** Number to name, in order of number. */
    public Map<Integer, String> byNumber() {
        return names;
    }

    /** The highest number in the table. */
    public int highest() {
        return ((TreeMap<Integer, String>) sorted).lastKey();
    }

    /** True when some architecture the workbench knows of has a call of this name. */
    public static synchronized boolean known(String name) {
        if (others == null) {
            Set<String> s = new TreeSet<>();
            read("syscalls-other.txt", (n, nr) -> s.add(n));
            others = s;
        }
        for (SeccompArch a : SeccompArch.values()) {
            if (of(a).number(name) >= 0) {
                return true;
            }
        }
        return others.contains(name);
    }

    /** Every name known on any architecture, for "did you mean". */
    static Set<String> allNames() {
        known("read");
        Set<String> all = new TreeSet<>(others);
        for (SeccompArch a : SeccompArch.values()) {
            all.addAll(of(a).numbers.keySet());
        }
        return all;
    }

    private static void read(String resource, java.util.function.ObjIntConsumer<String> line) {
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks dev/cwb/seccomp/" + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String l; (l = r.readLine()) != null; ) {
                if (l.isBlank() || l.startsWith("#")) {
                    continue;
                }
                String[] parts = l.trim().split("\\s+");
                line.accept(parts[0], parts.length > 1 ? Integer.parseInt(parts[1]) : -1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
