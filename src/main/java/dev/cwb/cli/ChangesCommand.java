package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.UpperChanges;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code changes}: what the container wrote, read from the overlay's upper directory. */
@Command(name = "changes", description = "List what the container changed: the overlay's upper directory (new files, copy-ups, whiteouts).",
        footer = {"", "A  added (not in any layer)   C  copied up from a layer, then changed   D  deleted (a whiteout hides the layer's file)",
                "The layer directories themselves never change: two containers of one image share them."})
public final class ChangesCommand extends ContainerCommand {
    @Override
    protected int run() throws Exception {
        Container c = container();
        List<UpperChanges.Change> changes = UpperChanges.of(c.dirs().upper(), c.lowers());
        if (changes.isEmpty()) {
            out().println("No changes: " + c.dirs().upper() + " is empty — the container has written nothing yet.");
            return 0;
        }
        for (UpperChanges.Change ch : changes) {
            out().println(ch.kind().letter() + "  " + dev.cwb.view.Printable.name(ch.path())
                    + (ch.kind() == UpperChanges.Kind.DELETED ? "" : ch.directory() ? "/" : "  " + Sizes.human(ch.size()))
                    + (ch.opaque() ? "  (opaque: hides the whole directory below)" : ""));
        }
        out().println(changes.size() + " change" + (changes.size() == 1 ? "" : "s") + " in " + c.dirs().upper() + ".");
        return 0;
    }
}
