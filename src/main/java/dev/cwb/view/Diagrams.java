package dev.cwb.view;

import dev.cwb.cgroup.CgroupUsage;
import dev.cwb.container.ContainerPicture;
import dev.cwb.container.NamespaceView;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Draws a {@link ContainerPicture} for a learner to read at a glance, in at most 80 columns: the overlay
 * stack (bottom layer at the bottom, as overlayfs stacks them), the namespace map (own or shared, per
 * kind), the cgroup tree with limits and usage, and the process tree seen from outside and inside. Box
 * characters and colour on a terminal that has them; plain ASCII otherwise, with the same information
 * (colour only ever repeats what the words say).
 */
public final class Diagrams {
    /** The parts one can ask for. */
    public enum Part { OVERLAY, NAMESPACES, CGROUP, PROCESSES }

    static final int WIDTH = 78;

    private final boolean unicode;
    private final boolean color;

    public Diagrams(boolean unicode, boolean color) {
        this.unicode = unicode;
        this.color = color;
    }

    public List<String> draw(ContainerPicture p, List<Part> parts) {
        List<String> lines = new ArrayList<>();
        for (Part part : parts) {
            if (!lines.isEmpty()) {
                lines.add("");
            }
            lines.addAll(switch (part) {
                case OVERLAY -> overlay(p);
                case NAMESPACES -> namespaces(p);
                case CGROUP -> cgroup(p);
                case PROCESSES -> processes(p);
            });
        }
        return lines;
    }

    List<String> overlay(ContainerPicture p) {
        List<String> l = new ArrayList<>();
        l.add(bold("Overlay") + ": what " + Printable.of(p.name()) + "'s / is made of (overlayfs: upper over the layers, read-only)");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"merged", p.merged().mountPoint().isEmpty() ? "not mounted (overlay)"
                : entries(p.merged().entries()) + " at " + shortPath(p.merged().mountPoint().get()), "what the container sees"});
        ContainerPicture.Upper u = p.upper();
        rows.add(new String[] {"upper", u.added() + " added, " + u.copiedUp() + " copied up, " + u.deleted() + " deleted",
                "its writes: " + shortPath(u.dir())});
        for (int i = p.layers().size() - 1; i >= 0; i--) {
            ContainerPicture.Layer layer = p.layers().get(i);
            rows.add(new String[] {"layer " + layer.index(), entries(layer.entries()) + ", " + shortDigest(layer.digest()),
                    i == 0 ? "bottom; shared, read-only" : "shared, read-only"});
        }
        int c0 = 8;
        int c1 = 34;
        int c2 = WIDTH - 4 - c0 - c1 - 4;
        String top = corner('┌', '+') + line(c0 + c1 + c2 + 6) + corner('┐', '+');
        String mid = corner('├', '+') + line(c0 + c1 + c2 + 6) + corner('┤', '+');
        String bottom = corner('└', '+') + line(c0 + c1 + c2 + 6) + corner('┘', '+');
        l.add("  " + top);
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            String shade = i == 0 ? "32" : i == 1 ? "33" : "36";
            l.add("  " + side() + " " + paint(shade, pad(r[0], c0)) + "  " + pad(r[1], c1) + "  " + dim(pad(r[2], c2)) + " " + side());
            if (i < 2 && i < rows.size() - 1) {
                l.add("  " + mid);
            }
        }
        l.add("  " + bottom);
        return l;
    }

    List<String> namespaces(ContainerPicture p) {
        List<String> l = new ArrayList<>();
        l.add(bold("Namespaces") + ": the host's (this workbench's) beside the container's, from /proc/PID/ns");
        l.add(String.format("  %-8s %-13s    %-13s %s", "kind", "host", "container", ""));
        for (NamespaceView.Row r : p.namespaces()) {
            boolean own = r.isolated();
            String arrow = own ? (unicode ? " ─▶ " : " -> ") : (unicode ? " ══ " : " == ");
            String state = own ? paint("32", "own") : dim("shared with the host");
            l.add(String.format("  %-8s %-13s%s%-13s %s", r.kind().word(), r.host(), arrow, r.container().isEmpty() ? "?" : r.container(), state));
        }
        long own = p.namespaces().stream().filter(NamespaceView.Row::isolated).count();
        l.add("  " + own + " of " + p.namespaces().size() + " kinds are the container's own.");
        return l;
    }

    List<String> cgroup(ContainerPicture p) {
        List<String> l = new ArrayList<>();
        if (p.cgroup().isEmpty()) {
            l.add(bold("Cgroup") + ": none yet: the container is in the host's groups, with no limits (cgroup create)");
            return l;
        }
        ContainerPicture.Group g = p.cgroup().get();
        l.add(bold("Cgroup") + " " + Printable.of(g.name()) + " (" + g.version() + "): limits and usage, from its files");
        List<Path> dirs = g.directories();
        Path root = dirs.isEmpty() ? Path.of("/") : dirs.get(0).getParent().getParent();
        for (Path d : dirs) {
            while (!d.startsWith(root)) {
                root = root.getParent();
            }
        }
        Path top = root;
        int width = dirs.stream().mapToInt(d -> top.relativize(d).toString().length()).max().orElse(0);
        l.add("  " + root + "/");
        for (int i = 0; i < dirs.size(); i++) {
            Path d = dirs.get(i);
            l.add("  " + branch(i == dirs.size() - 1) + pad(root.relativize(d).toString(), width) + "  " + usage(d, g));
        }
        return l;
    }

    private String usage(Path dir, ContainerPicture.Group g) {
        Path mount = dir.getParent().getParent();
        String hierarchy = mount.getFileName() == null ? "" : mount.getFileName().toString();
        CgroupUsage u = g.usage();
        List<String> parts = new ArrayList<>();
        if (!g.version().equals("v2") && hierarchy.equals("unified")) {
            return "cgroup2: no controllers on a hybrid host; the container's own root there";
        }
        boolean all = g.version().equals("v2");
        if (all || hierarchy.equals("memory")) {
            u.memoryBytes().ifPresent(m -> parts.add("memory " + Sizes.human(m) + " of "
                    + (g.memoryLimit().isPresent() ? Sizes.human(g.memoryLimit().getAsLong()) : "no limit")));
            long k = u.oomKills().count();
            parts.add(u.oomKills().known() ? k + " OOM kill" + (k == 1 ? "" : "s") : "OOM kills unknown"); // never read as 0
        }
        if (all || hierarchy.equals("pids")) {
            u.pids().ifPresent(n -> parts.add("pids " + n + " of " + (g.pidsLimit().isPresent() ? g.pidsLimit().getAsLong() : "no limit")));
        }
        if (all || hierarchy.startsWith("cpu")) {
            u.cpu().ifPresent(t -> parts.add(String.format("cpu %.2f s used", t.toNanos() / 1e9) + g.cpuLimit().map(c -> ", limit " + c).orElse("")));
        }
        if (hierarchy.equals("devices")) {
            parts.add("device rules");
        }
        return clip(String.join(" · ", parts), Math.max(20, WIDTH - 30));
    }

    List<String> processes(ContainerPicture p) {
        List<String> l = new ArrayList<>();
        l.add(bold("Processes") + ": host pid ↔ pid inside its PID namespace (/proc/PID/status NSpid)".replace("↔", unicode ? "↔" : "<->"));
        l.add(String.format("  %-26s %8s  %6s  %s", "", "host", "inside", "command"));
        Map<Integer, ContainerPicture.Proc> byPid = p.processes().stream().collect(Collectors.toMap(ContainerPicture.Proc::hostPid, Function.identity(),
                (a, b) -> a, java.util.LinkedHashMap::new));
        for (ContainerPicture.Proc proc : p.processes()) {
            int depth = 0;
            for (ContainerPicture.Proc up = byPid.get(proc.parentHostPid()); up != null && depth < 8; up = byPid.get(up.parentHostPid())) {
                depth++;
            }
            String label = "  ".repeat(depth) + (depth > 0 ? branch(true) : "") + proc.role();
            String inside = proc.insidePid() == proc.hostPid() ? "(same)" : Integer.toString(proc.insidePid());
            l.add(String.format("  %-26s %8d  %6s  %s", clip(label, 26), proc.hostPid(), inside, clip(Printable.of(proc.command()), WIDTH - 46)));
        }
        if (p.processes().isEmpty()) {
            l.add("  (no process is running)");
        }
        return l;
    }

    private static String entries(long n) {
        return n < 0 ? "? entries" : n >= ContainerPicture.COUNT_LIMIT ? "over " + n + " entries" : Counts.of(n, "entry", "entries");
    }

    private static String shortDigest(String digest) {
        int colon = digest.indexOf(':');
        return digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
    }

    /** A long path shown by its last parts, so a table row stays on one line. */
    String shortPath(Path p) {
        String s = p.toString();
        if (s.length() <= 30) {
            return s;
        }
        int n = p.getNameCount();
        return (unicode ? "…/" : ".../") + p.subpath(Math.max(0, n - 2), n);
    }

    private String branch(boolean last) {
        return unicode ? (last ? "└─ " : "├─ ") : (last ? "`- " : "|- ");
    }

    private String corner(char u, char a) {
        return String.valueOf(unicode ? u : a);
    }

    private String line(int n) {
        return (unicode ? "─" : "-").repeat(n);
    }

    private String side() {
        return unicode ? "│" : "|";
    }

    String pad(String s, int width) {
        String c = clip(s, width);
        return c + " ".repeat(Math.max(0, width - c.length()));
    }

    String clip(String s, int width) {
        String more = unicode ? "…" : "~";
        return s.length() <= width ? s : s.substring(0, Math.max(0, width - 1)) + more;
    }

    private String paint(String sgr, String s) {
        return color ? "\u001b[" + sgr + "m" + s + "\u001b[0m" : s;
    }

    private String bold(String s) {
        return paint("1", s);
    }

    private String dim(String s) {
        return paint("2", s);
    }
}
