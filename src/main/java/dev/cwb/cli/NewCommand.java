package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.WorkbenchHome;
import dev.cwb.container.Container;
import dev.cwb.image.Image;
import dev.cwb.layer.LayerCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/**
 * {@code new NAME from IMAGE}: a container workspace and its first process, ready for the steps. Nothing
 * is isolated yet: cwb-init runs in all of the host's namespaces, with the host's root.
 */
@Command(name = "new", description = "Start a container, step by step: a workspace and its first process (cwb-init).",
        footer = {"", "Then: overlay, unshare uts ipc mnt pid net, hostname NAME, mount proc, pivot_root, exec — "
                + "or all at once: run IMAGE.", "Example: new box from busybox"})
public final class NewCommand extends SessionCommand {
    @Parameters(arity = "1..3", paramLabel = "NAME from IMAGE", description = "A name for the container, the word 'from', and the image. NAME may be left out.")
    List<String> words;

    @Override
    protected int run() throws Exception {
        String name;
        String imageName;
        if (words.size() == 1) {
            name = null;
            imageName = words.get(0);
        } else if (words.size() == 2 && !words.get(0).equals("from")) {
            name = words.get(0);
            imageName = words.get(1);
        } else if (words.size() == 2 || (words.size() == 3 && words.get(1).equals("from"))) {
            name = words.size() == 3 ? words.get(0) : null;
            imageName = words.get(words.size() - 1);
        } else {
            throw new CwbException(CwbException.USAGE, "expected: new NAME from IMAGE, not: new " + String.join(" ", words),
                    "for example: new box from busybox");
        }
        Image img = workbench.images().image(imageName);
        boolean chosen = name == null;
        if (chosen) {
            name = containers().freeName(img);
        } else {
            dev.cwb.container.Containers.checkName(name);
        }
        out().println("Layers of " + img.reference().familiar() + " (bottom first), shared by every container of it:");
        LayerCache cache = new LayerCache(workbench.images(), workbench.home().layers(), WorkbenchHome.isRoot());
        List<LayerCache.Unpacked> layers;
        try {
            layers = CachedLayers.unpack(cache, img, out());
        } catch (RuntimeException | Error e) {
            if (chosen) {
                containers().releaseName(name); // reserved by freeName, and no container will have it
            }
            throw e;
        }
        Container.Tracer tracer = containers().newTracer();
        tracer.printTo(printer(out()));
        Container c;
        try {
            c = containers().create(name, img, layers, null, tracer);
        } catch (dev.cwb.kernel.SyscallException e) {
            throw new CwbException(CwbException.IO, "could not start the container's first process: " + e.getMessage(),
                    "check that " + workbench.home().root() + " is on a file system that allows executing programs (not noexec)");
        } finally {
            tracer.stopPrinting();
        }
        if (workbench.rootless()) {
            out().println("--rootless: the container starts in a user namespace of its own.");
            traced(c, () -> dev.cwb.container.UnshareStep.unshare(c, dev.cwb.container.Namespace.USER, 0))
                    .forEach(w -> out().println("  " + w));
        }
        said("Container " + c.name() + ": workspace " + c.dirs().dir() + ", first process cwb-init (pid " + c.first().pid()
                + "), still in every namespace of the host. Next: overlay.");
        return 0;
    }
}
