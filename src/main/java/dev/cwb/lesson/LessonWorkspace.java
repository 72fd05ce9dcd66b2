package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.cgroup.CgroupJanitor;
import dev.cwb.cgroup.CgroupOwners;
import dev.cwb.container.ContainerState;
import dev.cwb.container.Containers;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import dev.cwb.kernel.Syscalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a lesson may make, and how {@code :reset} undoes it. A lesson writes files only into its own
 * directory, {@code $CWB_HOME/lessons/work/N} ({@code {work}} in lesson files); it names the images it
 * creates ({@code creates-images:}), the images it unpacks into the layer cache ({@code unpacks:}) and the
 * containers it makes ({@code containers:}). Reset removes exactly those, and nothing else: never a path
 * outside the lesson's directory, never an image the lesson starts from, never a layer directory that is
 * mounted (a container may be using it), never a container the learner made on their own.
 */
public final class LessonWorkspace {
    private final Workbench workbench;

    public LessonWorkspace(Workbench workbench) {
        this.workbench = workbench;
    }

    public Path root() {
        return workbench.home().root().resolve("lessons");
    }

    /** The lesson's own directory ({@code {work}}); created on first use. */
    public Path work(Lesson lesson) {
        return root().resolve("work").resolve(String.valueOf(lesson.number()));
    }

    public Path progressFile() {
        return root().resolve("progress.json");
    }

    public Placeholders placeholders(Lesson lesson) {
        return new Placeholders(workbench, work(lesson));
    }

    /** Undoes what the lesson made; returns a line per thing removed or kept (and why). */
    public List<String> reset(Lesson lesson) {
        List<String> report = new ArrayList<>();
        removeContainers(lesson, report); // first: their overlays keep layer directories mounted
        removeVolumes(lesson, report); // after them: a volume in use is not removed
        ImageStore store = workbench.images();
        Set<Digest> layers = new LinkedHashSet<>();
        for (String name : lesson.unpacks()) {
            try {
                Image image = store.image(store.find(name));
                layers.addAll(image.config().diffIds());
            } catch (CwbException e) {
                // not in the store: nothing of it can be in the cache under a name we can find
            }
        }
        for (String name : lesson.createsImages()) {
            if (lesson.images().contains(name)) {
                report.add("kept image " + name + ": the lesson starts from it");
                continue;
            }
            try {
                store.find(name);
            } catch (CwbException e) {
                continue;
            }
            store.remove(name, false);
            report.add("removed image " + name);
        }
        String mounts = mounts();
        for (Digest diffId : layers) {
            Path dir = workbench.home().layers().resolve(diffId.encoded());
            if (!Files.exists(dir)) {
                continue;
            }
            if (mounts.contains(dir.toString())) {
                report.add("kept layer " + diffId.shortId() + " in the cache: it is mounted (" + dir + ")");
                continue;
            }
            delete(dir);
            report.add("removed layer " + diffId.shortId() + " from the layer cache");
        }
        Path work = work(lesson);
        if (Files.exists(work)) {
            if (!work.normalize().startsWith(root().normalize())) {
                throw new IllegalStateException("lesson directory outside " + root() + ": " + work);
            }
            delete(work);
            report.add("emptied " + work);
        }
        return report;
    }

    /**
     * Takes down the lesson's containers: those of this session as {@code rm} does (processes, cgroup,
     * mounts, workspace), and workspaces of the same names that a killed workbench left behind, as
     * {@code cleanup} does. A workspace another live workbench uses is left alone.
     */
    private void removeContainers(Lesson lesson, List<String> report) {
        if (lesson.containers().isEmpty()) {
            return;
        }
        Containers containers = workbench.containers();
        for (String name : lesson.containers()) {
            if (containers.find(name).isPresent()) {
                List<String> problems = containers.remove(name);
                report.add(problems.isEmpty() ? "removed container " + name : "removed container " + name + ", except: " + String.join("; ", problems));
                continue;
            }
            if (StepSnapshot.detachedNames(workbench).contains(name)) {
                List<String> problems = StepSnapshot.removeDetached(workbench, name);
                report.add("removed detached container " + name + (problems.isEmpty() ? "" : ", except: " + String.join("; ", problems)));
                continue;
            }
            for (ContainerState left : containers.abandoned()) {
                if (left.name().equals(name)) {
                    List<String> problems = containers.removeAbandoned(left, new Syscalls(containers.log()));
                    report.add("removed what a killed workbench left of container " + name
                            + (problems.isEmpty() ? "" : ", except: " + String.join("; ", problems)));
                }
            }
            removeLeftCgroup(containers, name.replace('.', '_'), report);
        }
    }

    /** The lesson's named volumes ({@code volumes:}), as {@code volume rm} removes them; one another container uses stays. */
    private void removeVolumes(Lesson lesson, List<String> report) {
        dev.cwb.volume.Volumes volumes = new dev.cwb.volume.Volumes(workbench.home());
        for (String name : lesson.volumes()) {
            if (volumes.find(name).isEmpty()) {
                continue;
            }
            try {
                volumes.remove(name);
                report.add("removed volume " + name);
            } catch (CwbException e) {
                report.add("kept volume " + name + ": " + e.getMessage());
            }
        }
    }

    /** A group named like the container that a killed workbench left (its maker has exited). */
    private void removeLeftCgroup(Containers containers, String group, List<String> report) {
        try {
            CgroupJanitor janitor = new CgroupJanitor(containers.cgroups().host(), CgroupOwners.in(workbench.home()));
            for (CgroupJanitor.Leftover left : janitor.find()) {
                if (left.name().equals(group) && left.ours()) {
                    janitor.remove(left, containers.cgroups().trace());
                    report.add("removed cgroup cwb/" + group + " (" + left.reason() + ")");
                }
            }
        } catch (CwbException e) {
            // no cgroups on this host, or the group is busy: nothing a reset should force
        }
    }

    static String mounts() {
        try {
            return Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Deletes a tree without following symlinks (a link in an unpacked image may point anywhere on the host). */
    static void delete(Path dir) {
        try {
            dev.cwb.layer.LayerExtractor.deleteTree(dir); // never follows a symlink out; empties read-only directories too
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot remove " + dir + ": " + CwbException.reason(e),
                    "remove it by hand (it may belong to root: sudo rm -rf " + dir + ")", e);
        }
    }
}
