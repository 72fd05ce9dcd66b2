package dev.cwb.build;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Reference;
import dev.cwb.image.StoreTransaction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code commit}: a container's upper directory becomes one more layer on its image, as
 * {@code docker commit} does — the image's layers stay as they are, the container's changes are one new
 * layer ({@link LayerDiffer}), and the config is the image's with the {@code --change} instructions applied.
 * The history gains one entry: the command the container last ran, and the message.
 */
public final class ContainerCommit {
    /** The instructions {@code docker commit --change} accepts. */
    static final List<String> CHANGEABLE = List.of("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME",
            "WORKDIR", "STOPSIGNAL", "HEALTHCHECK", "SHELL");

    public record Result(Reference tag, ImageWriter.Written image, LayerBlob.Made layer, List<String> excluded) {
    }

    private ContainerCommit() {
    }

    /**
     * Commits {@code c} as {@code tag}. {@code epoch} (SOURCE_DATE_EPOCH) makes the times reproducible:
     * the created time, and no file time later than it; null keeps the files' times and takes the clock.
     */
    public static Result commit(ImageStore store, Container c, Reference tag, List<String> changes, String message, String author,
                                Long epoch) {
        Image base = c.image();
        StageConfig config = StageConfig.of(base.config().runConfig());
        for (String change : changes) {
            Dockerfile.Instruction ins = Dockerfile.parseLine("--change", change);
            if (!CHANGEABLE.contains(ins.keyword())) {
                throw CwbException.badInput("--change '" + change + "': " + ins.keyword() + " cannot be applied to a container's image",
                        "commit --change takes " + String.join(", ", CHANGEABLE));
            }
            java.util.Map<String, String> env = config.envMap();
            config.apply(ins, '\\', env::get);
        }
        Path upper = c.dirs().upper();
        if (!Files.isDirectory(upper)) {
            throw CwbException.badInput("container " + c.name() + " has no upper directory", "mount its overlay first: overlay");
        }
        List<String> excluded = mountPointsMadeForMounts(c);
        String created = Instant.ofEpochSecond(epoch != null ? epoch : Instant.now().getEpochSecond()).toString();
        try (StoreTransaction tx = store.begin()) {
            LayerBlob.Made layer = LayerBlob.stage(tx, upper, dev.cwb.container.UnshareStep.rootIsForeign(c)
                    ? new LayerDiffer.Options(Set.copyOf(excluded), c.lowers(), epoch, dev.cwb.container.UnshareStep.NOBODY,
                            dev.cwb.container.UnshareStep.NOBODY) // root inside was nobody outside
                    : LayerDiffer.Options.forThisUser(Set.copyOf(excluded), c.lowers(), epoch, dev.cwb.WorkbenchHome.isRoot()),
                    "the changes of container " + c.name());
            List<Descriptor> layers = new ArrayList<>(base.layers());
            layers.add(layer.blob());
            List<Digest> diffIds = new ArrayList<>(base.config().diffIds());
            diffIds.add(layer.diffId());
            List<ImageConfig.History> history = new ArrayList<>(base.config().history());
            history.add(new ImageConfig.History(created, lastCommand(c), author, message, false));
            ImageConfig cfg = new ImageConfig(created, author != null ? author : base.config().author(), base.config().architecture(),
                    base.config().os(), base.config().variant(), config.toRunConfig(), new ImageConfig.RootFs("layers", diffIds), history);
            ImageWriter.Written written = ImageWriter.commit(tx, cfg, layers, List.of(tag), "commit of " + c.name());
            return new Result(tag, written, layer, excluded);
        } catch (CwbException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CwbException(CwbException.IO, "commit " + c.name() + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * The container's mount points that exist only because a mount needed them ({@code /proc} made by
     * {@code mount proc} in an image without it): no layer should hold them, as BuildKit removes the mount
     * points its runs made. A mount point the image has stays, as the image had it.
     */
    static List<String> mountPointsMadeForMounts(Container c) {
        Set<String> result = new LinkedHashSet<>();
        for (String target : c.mounts()) {
            String rel = target.replaceAll("^/+", "").replaceAll("/+$", "");
            if (rel.isEmpty() || inAnyLower(c.lowers(), rel)) {
                continue;
            }
            result.add(rel);
        }
        return List.copyOf(result);
    }

    static boolean inAnyLower(List<Path> lowers, String rel) {
        for (Path lower : lowers) {
            if (Files.exists(lower.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return false;
    }

    /** What {@code docker commit} writes as {@code created_by}: the container's command. */
    private static String lastCommand(Container c) {
        List<Container.ProcessRun> runs = c.processes();
        return runs.isEmpty() ? "cwb commit " + c.name() : runs.get(runs.size() - 1).command();
    }

}
