package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.container.Container;
import dev.cwb.image.ImageStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What there was when the learner came onto a step, so that {@code :undo} can take away what the step made
 * since and nothing else: the session's containers, the store's image names, the layer cache's directories,
 * the files in the lesson's own directory and the named volumes.
 */
record StepSnapshot(Set<String> containers, Set<String> images, Set<String> layers, Set<Path> work, Set<String> volumes) {

    static StepSnapshot take(Workbench workbench, Path work) {
        Set<String> containers = new TreeSet<>();
        if (workbench.hasContainers()) {
            workbench.containers().all().forEach(c -> containers.add(c.name()));
        }
        containers.addAll(detachedNames(workbench));
        return new StepSnapshot(containers, images(workbench), layers(workbench), files(work), volumes(workbench));
    }

    /** Containers of the session, and detached ones of the home, now that were not there when the step began. */
    List<String> newContainers(Workbench workbench) {
        List<String> made = new ArrayList<>();
        if (workbench.hasContainers()) {
            workbench.containers().all().stream().map(Container::name).filter(n -> !containers.contains(n)).forEach(made::add);
        }
        detachedNames(workbench).stream().filter(n -> !containers.contains(n) && !made.contains(n)).forEach(made::add);
        return made;
    }

    /** The detached containers of the workbench's home (run -d), running or not: they are no session's. */
    static List<String> detachedNames(Workbench workbench) {
        try {
            return new dev.cwb.container.DetachedContainers(workbench.containers()).all().stream()
                    .map(dev.cwb.container.DetachedContainers.Entry::name).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** Removes a detached container as {@code rm -f} does; returns what could not be removed. */
    static List<String> removeDetached(Workbench workbench, String name) {
        dev.cwb.container.DetachedContainers all = new dev.cwb.container.DetachedContainers(workbench.containers());
        dev.cwb.container.DetachedContainers.Entry e = all.find(name);
        if (e == null) {
            return List.of();
        }
        try {
            return all.remove(e, true);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return List.of("interrupted while removing " + name);
        }
    }

    /** Containers there when the step began that are gone now ({@code rm}). */
    List<String> goneContainers(Workbench workbench) {
        List<String> gone = new ArrayList<>();
        for (String name : containers) {
            if ((!workbench.hasContainers() || workbench.containers().find(name).isEmpty()) && !detachedNames(workbench).contains(name)) {
                gone.add(name);
            }
        }
        return gone;
    }

    /**
     * Takes away what was made since the snapshot, and nothing else: the containers made since are removed, and
     * so are the images, the layer cache entries (unless mounted), the files in the lesson's directory and the
     * volumes (unless in use).
     * Returns a line for each thing removed or kept. ({@code :undo}, and {@code lessons verify} after a wrong
     * solution.)
     */
    List<String> takeBack(Workbench workbench, Path work) {
        List<String> report = new ArrayList<>();
        for (String name : newContainers(workbench)) {
            List<String> problems = workbench.hasContainers() && workbench.containers().find(name).isPresent()
                    ? workbench.containers().remove(name) : removeDetached(workbench, name);
            report.add("removed container " + name + (problems.isEmpty() ? "" : ", except: " + String.join("; ", problems)));
        }
        for (String image : newImages(workbench)) {
            try {
                workbench.images().remove(image, false);
                report.add("removed image " + dev.cwb.image.Reference.parse(image).familiar());
            } catch (CwbException e) {
                report.add("kept image " + image + ": " + e.getMessage());
            }
        }
        String mounts = LessonWorkspace.mounts();
        for (String layer : newLayers(workbench)) {
            Path dir = workbench.home().layers().resolve(layer);
            if (mounts.contains(dir.toString())) {
                report.add("kept layer " + layer.substring(0, Math.min(12, layer.length())) + " in the cache: it is mounted");
                continue;
            }
            LessonWorkspace.delete(dir);
            report.add("removed layer " + layer.substring(0, Math.min(12, layer.length())) + " from the layer cache");
        }
        for (Path file : newFiles(work)) {
            LessonWorkspace.delete(file);
            report.add("removed " + file);
        }
        dev.cwb.volume.Volumes store = new dev.cwb.volume.Volumes(workbench.home());
        for (String volume : volumes(workbench)) {
            if (volumes.contains(volume)) {
                continue; // a volume that was there keeps what the step wrote into it: only new ones are taken back
            }
            try {
                store.remove(volume);
                report.add("removed volume " + volume);
            } catch (CwbException e) {
                report.add("kept volume " + volume + ": " + e.getMessage());
            }
        }
        return report;
    }

    List<String> newImages(Workbench workbench) {
        return images(workbench).stream().filter(i -> !images.contains(i)).toList();
    }

    List<String> newLayers(Workbench workbench) {
        return layers(workbench).stream().filter(l -> !layers.contains(l)).toList();
    }

    /** Paths under the lesson's directory made since, outermost first (removing one removes what is under it). */
    List<Path> newFiles(Path work) {
        List<Path> fresh = new ArrayList<>();
        for (Path p : files(work)) {
            if (!this.work.contains(p) && fresh.stream().noneMatch(p::startsWith)) {
                fresh.add(p);
            }
        }
        return fresh;
    }

    private static Set<String> images(Workbench workbench) {
        Set<String> names = new TreeSet<>();
        try {
            for (ImageStore.ImageEntry e : workbench.images().list()) {
                names.add(e.reference().toString());
            }
        } catch (CwbException e) {
            // no store yet
        }
        return names;
    }

    private static Set<String> volumes(Workbench workbench) {
        Set<String> names = new TreeSet<>();
        try {
            new dev.cwb.volume.Volumes(workbench.home()).all().forEach(v -> names.add(v.name()));
        } catch (CwbException e) {
            // an unreadable volumes directory: nothing to compare
        }
        return names;
    }

    private static Set<String> layers(Workbench workbench) {
        Path dir = workbench.home().layers();
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(names::add);
        } catch (IOException e) {
            // an unreadable cache: nothing to compare
        }
        return names;
    }

    /** Every path under {@code work}, parents before children; symlinks are not followed. */
    private static Set<Path> files(Path work) {
        Set<Path> paths = new LinkedHashSet<>();
        if (!Files.isDirectory(work)) {
            return paths;
        }
        try (Stream<Path> s = Files.walk(work)) {
            s.filter(p -> !p.equals(work)).sorted(Comparator.comparingInt(Path::getNameCount)).forEach(paths::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            // a tree being changed under us: compare what was seen
        }
        return paths;
    }
}
