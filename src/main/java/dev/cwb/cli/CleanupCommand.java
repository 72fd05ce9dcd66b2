package dev.cwb.cli;

import dev.cwb.cleanup.Leftovers;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;

/**
 * {@code cleanup}: removes what a killed workbench left behind in {@code $CWB_HOME}. Work still in
 * progress in another live workbench is recognised by its lock and left alone.
 */
@Command(name = "cleanup", description = "Remove what a killed session left behind (half-loaded blobs, half-unpacked layers).")
public final class CleanupCommand extends WorkbenchCommand {
    @Option(names = {"-n", "--dry-run"}, description = "Only list what would be removed.")
    boolean dryRun;

    @Override
    protected int run() throws IOException {
        List<Leftovers.Leftover> found = new Leftovers(workbench.home()).find();
        if (found.isEmpty()) {
            out().println("Nothing to clean up in " + workbench.home().root() + ".");
            return 0;
        }
        long total = 0;
        for (Leftovers.Leftover l : found) {
            out().println((dryRun ? "Would remove " : "Removed ") + l.path() + "  (" + Sizes.human(l.bytes()) + ": " + l.what() + ")");
            if (!dryRun) {
                Leftovers.remove(l);
            }
            total += l.bytes();
        }
        out().println((dryRun ? "Would free " : "Freed ") + Sizes.human(total) + ".");
        return 0;
    }
}
