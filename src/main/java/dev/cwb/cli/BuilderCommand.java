package dev.cwb.cli;

import dev.cwb.build.BuildCache;
import dev.cwb.view.Printable;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.util.List;

/** {@code builder ls} / {@code builder prune}: the build cache. */
@Command(name = "builder", description = "The build cache: list its steps (ls), or remove them all (prune).",
        subcommands = {BuilderCommand.Ls.class, BuilderCommand.Prune.class})
public final class BuilderCommand extends WorkbenchCommand {
    @Override
    protected int run() {
        return ls(this);
    }

    static BuildCache cache(WorkbenchCommand c) {
        return new BuildCache(c.workbench.home().cache().resolve("build"));
    }

    static int ls(WorkbenchCommand c) {
        List<BuildCache.Entry> entries = cache(c).list();
        if (entries.isEmpty()) {
            c.out().println("The build cache is empty (" + cache(c).dir() + ").");
            return 0;
        }
        long bytes = 0;
        for (BuildCache.Entry e : entries) {
            String size = e.hasLayer() ? Sizes.human(e.blob().size()) : "0B";
            c.out().printf("  %s  %-8s %-22s %s%n", e.key().substring(0, 12), size, e.created(), Printable.of(e.createdBy()));
            bytes += e.hasLayer() ? e.blob().size() : 0;
        }
        c.out().println(entries.size() + " cached steps, " + Sizes.human(bytes) + " of layers, in " + cache(c).dir() + ".");
        return 0;
    }

    @Command(name = "ls", description = "List the cached steps: key, layer size, when it first ran, and its history line.")
    static final class Ls extends WorkbenchCommand {
        @Override
        protected int run() {
            return ls(this);
        }
    }

    @Command(name = "prune", description = "Remove every cached step; the next build runs every step again.")
    static final class Prune extends WorkbenchCommand {
        @Override
        protected int run() throws IOException {
            BuildCache.Pruned p = cache(this).prune();
            out().println("Removed " + p.steps() + " cached steps and " + p.blobs() + " kept layer links; freed " + Sizes.human(p.bytes())
                    + " (layers images still use stay in the store).");
            return 0;
        }
    }
}
