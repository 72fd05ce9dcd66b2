package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.cli.EditDistance;
import dev.cwb.kernel.Capabilities;

import java.util.List;
import java.util.Locale;

/**
 * Capabilities by the names Docker's {@code --cap-add} / {@code --cap-drop} take ({@code SYS_ADMIN},
 * {@code CAP_SYS_ADMIN}, any case, and {@code ALL}), and the set they make from Docker's default one
 * (moby's {@code oci/caps.TweakCapabilities}): ALL added means every capability less the dropped ones,
 * ALL dropped means only the added ones, otherwise the default plus the added less the dropped.
 */
public final class CapabilityOptions {
    private CapabilityOptions() {
    }

    /**
     * Every capability this kernel has that the workbench itself may hold (its own bounding set: a
     * workbench run in a container of its own may lack some), a bit each. A process can never gain more.
     */
    public static long all() {
        int last = Capabilities.lastCap();
        long kernel = last >= 63 ? -1L : (1L << (last + 1)) - 1;
        return kernel & ProcessSecurity.of((int) ProcessHandle.current().pid()).bounding();
    }

    /** The number of {@code name}; an unknown name is one line with the nearest known one. */
    public static int number(String name, String option) {
        int n = Capabilities.number(name);
        if (n >= 0 && n <= Capabilities.lastCap()) {
            return n;
        }
        String wanted = name.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "");
        String best = null;
        int bestDistance = 4;
        for (int i = 0; i <= Capabilities.lastCap(); i++) {
            String known = Capabilities.name(i).replaceFirst("^CAP_", "");
            int d = EditDistance.between(wanted, known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        throw CwbException.badInput(option + ": unknown capability '" + name + "'" + (best != null ? " (did you mean " + best + "?)" : ""),
                "names as capabilities(7) spells them, without CAP_ if you like: SYS_ADMIN, NET_RAW, ALL");
    }

    /** The set {@code --cap-add add --cap-drop drop} gives, from {@code base} (Docker's default set). */
    public static long tweak(long base, List<String> add, List<String> drop) {
        boolean addAll = add.stream().anyMatch(a -> a.equalsIgnoreCase("ALL"));
        boolean dropAll = drop.stream().anyMatch(d -> d.equalsIgnoreCase("ALL"));
        long added = bits(add, "--cap-add");
        long dropped = bits(drop, "--cap-drop");
        if (addAll) {
            return all() & ~dropped;
        }
        if (dropAll) {
            return added;
        }
        return (base | added) & ~dropped;
    }

    /** The bits of the named capabilities ({@code ALL} left out). */
    public static long bits(List<String> names, String option) {
        long set = 0;
        for (String n : names) {
            if (!n.equalsIgnoreCase("ALL")) {
                set |= 1L << number(n, option);
            }
        }
        return set;
    }
}
