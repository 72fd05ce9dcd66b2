package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.build.ContainerCommit;
import dev.cwb.container.Container;
import dev.cwb.image.Reference;
import dev.cwb.view.Printable;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code commit CONTAINER [IMAGE]}: the container's upper directory becomes a layer on its image. */
@Command(name = "commit", description = "Make an image from a container: its image's layers, plus its upper directory as one more layer.",
        footer = {"", "Whiteouts (char 0:0) become .wh.NAME files, opaque directories .wh..wh..opq: the OCI markers.",
                "Without IMAGE the image is called after the container (CONTAINER:latest).",
                "Example: commit box my-box:v1 -m 'added a user' --change 'CMD [\"sh\"]'"})
public final class CommitCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "CONTAINER", description = "The container (see ps).")
    String container;

    @Parameters(index = "1", arity = "0..1", paramLabel = "IMAGE", description = "The new image's name[:tag].")
    String image;

    @Option(names = {"-c", "--change"}, paramLabel = "INSTRUCTION", description = "A Dockerfile instruction for the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR...")
    List<String> changes = new ArrayList<>();

    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", description = "The history entry's comment.")
    String message;

    @Option(names = {"-a", "--author"}, paramLabel = "NAME", description = "The image's author.")
    String author;

    @Override
    protected int run() {
        Container c = workbench.containers().get(container);
        String name = image != null ? image : c.name().toLowerCase(java.util.Locale.ROOT);
        if (!Reference.isValid(name)) {
            throw CwbException.badInput("'" + Printable.of(name) + "' is not an image name", "write e.g. my-box or my-box:v1");
        }
        Reference tag = Reference.parse(name);
        String epoch = System.getenv("SOURCE_DATE_EPOCH");
        Long clamp = epoch == null || epoch.isBlank() ? null : dev.cwb.samples.SampleBuilder.sourceDateEpoch(System.getenv());
        ContainerCommit.Result r = ContainerCommit.commit(workbench.images(), c, tag, changes, message, author, clamp);
        var s = r.layer().stats();
        out().println("layer " + r.layer().diffId().shortId() + " from " + c.dirs().upper() + ": " + s.entries() + " entries, "
                + Sizes.human(s.tarBytes()) + " (tar), " + Sizes.human(r.layer().blob().size()) + " (gzip) · "
                + s.added() + " added, " + s.modified() + " modified, " + s.deleted() + " deleted"
                + (s.opaques() > 0 ? ", " + s.opaques() + " opaque" : ""));
        if (!r.excluded().isEmpty()) {
            out().println("left out: " + String.join(", ", r.excluded().stream().map(p -> "/" + p).toList())
                    + " (mount points made only for a mount)");
        }
        out().println("Committed " + tag.familiar() + " · image id " + r.image().id().shortId() + " · "
                + (c.image().layers().size() + 1) + " layers (" + c.image().layers().size() + " from " + c.image().reference().familiar() + ")");
        return 0;
    }
}
