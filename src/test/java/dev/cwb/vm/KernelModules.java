package dev.cwb.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The loadable modules of an unpacked kernel ({@code lib/modules/RELEASE/kernel/**.ko}), and the order
 * to {@code insmod} some of them in: each after the modules it uses. What a module uses is its
 * {@code depends=} entry in the {@code .modinfo} section, NUL-separated {@code key=value} strings
 * (include/linux/module.h MODULE_INFO; what {@code modinfo -F depends} prints and depmod reads).
 */
final class KernelModules {
    private final Map<String, Path> byName;

    private KernelModules(Map<String, Path> byName) {
        this.byName = byName;
    }

    /** Every {@code .ko} under {@code modules/kernel}, by module name ({@code -} and {@code _} are one). */
    static KernelModules index(Path modules) throws IOException {
        Map<String, Path> byName = new HashMap<>();
        try (Stream<Path> s = Files.walk(modules.resolve("kernel"))) {
            s.filter(p -> p.getFileName().toString().endsWith(".ko")).forEach(p -> {
                String file = p.getFileName().toString();
                byName.put(normal(file.substring(0, file.length() - 3)), p);
            });
        }
        return new KernelModules(byName);
    }

    /**
     * The files of {@code wanted} and everything they depend on, dependencies first. A wanted module that
     * is not a file is built into the kernel (or missing: then insmod of what needs it says so).
     */
    List<Path> loadOrder(List<String> wanted) throws IOException {
        Set<Path> order = new LinkedHashSet<>();
        for (String m : wanted) {
            visit(normal(m), order, new LinkedHashSet<>());
        }
        return new ArrayList<>(order);
    }

    private void visit(String name, Set<Path> order, Set<String> path) throws IOException {
        Path ko = byName.get(name);
        if (ko == null || order.contains(ko)) {
            return;
        }
        if (!path.add(name)) {
            throw new IOException("modules depend on each other in a circle: " + path);
        }
        for (String dep : depends(ko)) {
            visit(normal(dep), order, path);
        }
        order.add(ko);
    }

    /** The {@code depends=} list of one module file. */
    static List<String> depends(Path ko) throws IOException {
        String text = new String(Files.readAllBytes(ko), StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\0depends=");
        if (at < 0) {
            return List.of();
        }
        int start = at + "\0depends=".length();
        String value = text.substring(start, text.indexOf('\0', start));
        return value.isEmpty() ? List.of() : List.of(value.split(","));
    }

    private static String normal(String name) {
        return name.replace('-', '_');
    }
}
