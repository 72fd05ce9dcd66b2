package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.ContainerPicture;
import dev.cwb.view.Diagrams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code diagram [overlay|namespaces|cgroup|processes]...}: the container drawn from what the kernel says
 * now — the overlay stack, the namespace map, the cgroup tree, the process tree (see {@link Diagrams}).
 */
@Command(name = "diagram", description = "Draw the container from the kernel's state now: its overlay stack, namespaces, cgroup and processes.",
        footer = {"", "PART is overlay, namespaces, cgroup or processes (several, or none for all). Each value is read now:",
                "file counts from the directories, namespace ids from /proc/PID/ns, limits and usage from the cgroup files."})
public final class DiagramCommand extends ContainerCommand {
    @Parameters(arity = "0..*", paramLabel = "PART", completionCandidates = DiagramCommand.PartNames.class,
            description = "overlay, namespaces, cgroup, processes (default: all).")
    List<String> parts = List.of();

    /** The parts, for Tab. */
    static final class PartNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("overlay", "namespaces", "cgroup", "processes").iterator();
        }
    }

    @Override
    protected int run() {
        List<Diagrams.Part> wanted = new ArrayList<>();
        for (String p : parts) {
            String word = p.toLowerCase(Locale.ROOT);
            Diagrams.Part part = switch (word) {
                case "overlay", "layers" -> Diagrams.Part.OVERLAY;
                case "namespaces", "ns" -> Diagrams.Part.NAMESPACES;
                case "cgroup", "cgroups" -> Diagrams.Part.CGROUP;
                case "processes", "ps", "pids" -> Diagrams.Part.PROCESSES;
                default -> throw CwbException.badInput("no diagram part '" + dev.cwb.view.Excerpt.of(p) + "'",
                        "use overlay, namespaces, cgroup or processes");
            };
            if (!wanted.contains(part)) {
                wanted.add(part);
            }
        }
        ContainerPicture picture = ContainerPicture.of(container());
        new Diagrams(workbench.unicode(), workbench.color())
                .draw(picture, wanted.isEmpty() ? List.of(Diagrams.Part.values()) : wanted)
                .forEach(out()::println);
        return 0;
    }
}
