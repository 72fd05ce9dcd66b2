package dev.cwb.container;

import dev.cwb.kernel.Capabilities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the kernel says about a process's privileges, from {@code /proc/PID/status} (proc(5)): its five
 * capability sets, no_new_privs, its seccomp mode and number of filters, its user and group ids.
 */
public record ProcessSecurity(long inheritable, long permitted, long effective, long bounding, long ambient,
                              boolean noNewPrivs, int seccompMode, int seccompFilters, String uids, String gids,
                              String groups) {
    /** Reads {@code /proc/PID/status}. */
    public static ProcessSecurity of(int pid) {
        long[] caps = new long[5];
        boolean nnp = false;
        int mode = 0;
        int filters = 0;
        String uids = "?";
        String gids = "?";
        String groups = "";
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"));
        } catch (IOException e) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "process " + pid + " is gone: " + e.getMessage(), "run status");
        }
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String v = l.substring(colon + 1).trim();
            switch (l.substring(0, colon)) {
                case "CapInh" -> caps[0] = Long.parseUnsignedLong(v, 16);
                case "CapPrm" -> caps[1] = Long.parseUnsignedLong(v, 16);
                case "CapEff" -> caps[2] = Long.parseUnsignedLong(v, 16);
                case "CapBnd" -> caps[3] = Long.parseUnsignedLong(v, 16);
                case "CapAmb" -> caps[4] = Long.parseUnsignedLong(v, 16);
                case "NoNewPrivs" -> nnp = v.equals("1");
                case "Seccomp" -> mode = Integer.parseInt(v);
                case "Seccomp_filters" -> filters = Integer.parseInt(v);
                case "Uid" -> uids = v.replaceAll("\\s+", " ");
                case "Gid" -> gids = v.replaceAll("\\s+", " ");
                case "Groups" -> groups = v.replaceAll("\\s+", " ");
                default -> {
                }
            }
        }
        return new ProcessSecurity(caps[0], caps[1], caps[2], caps[3], caps[4], nnp, mode, filters, uids, gids, groups);
    }

    /** Seccomp's mode as proc(5) explains it. */
    public String seccompText() {
        return switch (seccompMode) {
            case 0 -> "0 (none)";
            case 1 -> "1 (strict)";
            case 2 -> "2 (filter, " + seccompFilters + (seccompFilters == 1 ? " filter)" : " filters)");
            default -> Integer.toString(seccompMode);
        };
    }

    /** A set as its names, without the CAP_ prefix, or "(none)"; "(all N)" when it holds every one root may have here. */
    public static String names(long set) {
        long all = CapabilityOptions.all();
        if ((set & all) == all && all != 0) {
            return "(all " + Long.bitCount(all) + ")";
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((set & (1L << i)) != 0) {
                names.add(Capabilities.name(i).replaceFirst("^CAP_", ""));
            }
        }
        return names.isEmpty() ? "(none)" : String.join(" ", names);
    }
}
