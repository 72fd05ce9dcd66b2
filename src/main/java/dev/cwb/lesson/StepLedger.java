package dev.cwb.lesson;

import dev.cwb.Workbench;
import dev.cwb.cli.LineSplitter;
import dev.cwb.container.Container;
import dev.cwb.container.Namespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What has already been done of a step's commands, so that {@code :run} runs only what is still missing and
 * no command has its side effect twice ({@code new box6} a second time fails, an {@code echo >> /etc/passwd}
 * appends its line again). A command counts as done when it ran with exit code 0 in this session — typed by
 * the learner, after a {@code !} for a {@code $} line, or by {@code :run} — or when its effect is plainly
 * there: the container {@code new} makes exists, the overlay is mounted, the directory {@code unpack --flat}
 * fills is not empty.
 */
final class StepLedger {
    /** A command run while the learner was on the step: the line, its exit code, the container it acted on. */
    record Ran(String line, int exitCode, String container) {
    }

    private final Set<Integer> done = new HashSet<>();
    private final List<Ran> ranThisVisit = new ArrayList<>();

    void ran(int index, Ran ran) {
        if (index >= 0 && ran.exitCode() == 0) {
            done.add(index);
        }
        ranThisVisit.add(ran);
    }

    boolean done(int index) {
        return done.contains(index);
    }

    List<Ran> ranThisVisit() {
        return List.copyOf(ranThisVisit);
    }

    /** After {@code :undo}: nothing of the step is done any more. */
    void forget() {
        done.clear();
        ranThisVisit.clear();
    }

    /** A new visit to the step ({@code :next} back onto it): what ran before stays done. */
    void newVisit() {
        ranThisVisit.clear();
    }

    /**
     * Why the workbench command {@code line} (placeholders filled in) need not run again: its effect is already
     * there. Empty when it must run, or when nothing can tell (an {@code exec} leaves no mark a check can name).
     */
    static Optional<String> effectPresent(Workbench workbench, String line) {
        List<String> words;
        try {
            words = LineSplitter.split(line);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (words.isEmpty()) {
            return Optional.empty();
        }
        String command = words.get(0);
        List<String> args = words.subList(1, words.size());
        if (command.equals("unpack") && args.contains("--flat") && args.size() >= 3) {
            Path dir = Path.of(args.get(args.size() - 1));
            return notEmpty(dir) ? Optional.of(dir + " is already filled") : Optional.empty();
        }
        if (!workbench.hasContainers()) {
            return Optional.empty();
        }
        if (command.equals("new") && !args.isEmpty()) {
            return workbench.containers().find(args.get(0)).map(c -> "container " + c.name() + " exists");
        }
        Optional<Container> target = target(workbench, args);
        if (target.isEmpty()) {
            return Optional.empty();
        }
        Container c = target.get();
        List<String> plain = args.stream().filter(a -> !a.startsWith("-")).toList();
        return switch (command) {
            case "overlay" -> c.overlayMounted() ? Optional.of("the overlay of " + c.name() + " is mounted") : Optional.empty();
            case "chroot", "pivot_root" -> c.root() != Container.RootChange.NONE
                    ? Optional.of("the root of " + c.name() + " was already changed (" + c.root().name().toLowerCase(Locale.ROOT) + ")") : Optional.empty();
            case "unshare" -> unshared(c, plain);
            case "mount" -> mountTarget(plain).filter(t -> c.mounts().contains(t)).map(t -> t + " is mounted in " + c.name());
            case "cgroup" -> plain.size() == 1 && plain.get(0).equals("create") && c.cgroup() != null
                    ? Optional.of(c.name() + " has its cgroup") : Optional.empty();
            default -> Optional.empty();
        };
    }

    /** True for a workbench line that changes a container it acts on (not {@code new}, {@code ps}, {@code ns}...). */
    static boolean changesContainer(String line) {
        List<String> words;
        try {
            words = LineSplitter.split(line);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (words.isEmpty()) {
            return false;
        }
        return switch (words.get(0)) {
            case "exec", "overlay", "unshare", "mount", "chroot", "pivot_root", "escape" -> true;
            case "hostname" -> words.size() > 1;
            case "cgroup" -> !(words.size() > 1 && words.get(1).equals("show"));
            default -> false;
        };
    }

    /** The container a container command acts on: {@code -c NAME}, else the current one. */
    static Optional<Container> target(Workbench workbench, List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-c") || a.equals("--container")) && i + 1 < args.size()) {
                return workbench.containers().find(args.get(i + 1));
            }
            if (a.startsWith("--container=")) {
                return workbench.containers().find(a.substring("--container=".length()));
            }
            if (!a.startsWith("-")) {
                break; // the command's own words begin: 'exec sh -c ...' has no container option
            }
        }
        return workbench.containers().currentName().flatMap(n -> workbench.containers().find(n));
    }

    private static Optional<String> unshared(Container c, List<String> kinds) {
        if (kinds.isEmpty()) {
            return Optional.empty();
        }
        for (String kind : kinds) {
            try {
                if (!c.has(Namespace.parse(kind))) {
                    return Optional.empty();
                }
            } catch (RuntimeException e) {
                return Optional.empty(); // not a kind: the command itself will say so
            }
        }
        return Optional.of(c.name() + " already has its own " + String.join(", ", kinds) + " namespace" + (kinds.size() > 1 ? "s" : ""));
    }

    /** Where {@code mount KIND [PATH]} mounts: proc, sys and dev at their usual places unless a path is given. */
    private static Optional<String> mountTarget(List<String> args) {
        if (args.isEmpty()) {
            return Optional.empty();
        }
        return switch (args.get(0)) {
            case "proc", "sys", "dev" -> Optional.of("/" + args.get(0));
            case "sysfs" -> Optional.of("/sys");
            case "tmpfs" -> args.size() > 1 ? Optional.of(args.get(1)) : Optional.empty();
            case "bind" -> args.size() > 2 ? Optional.of(args.get(2)) : Optional.empty();
            default -> Optional.empty();
        };
    }

    private static boolean notEmpty(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
