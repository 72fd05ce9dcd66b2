package dev.cwb.volume;

import dev.cwb.AtomicFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which volumes a container uses, kept in its workspace as {@code volumes} (one {@code NAME named|anonymous}
 * a line), written before the first of them is mounted. It is how {@code volume rm} knows a volume is in use,
 * and how the container's removal — by {@code rm}, by leaving the shell, or by {@code cleanup} after a killed
 * workbench — finds the anonymous volumes that go with it (Docker's {@code --rm}, which every container of
 * {@code run} has). The workspace goes after this, and with it the record.
 */
public final class ContainerVolumes {
    /** One volume of a container. */
    public record Use(String name, boolean anonymous) {
    }

    static final String FILE = "volumes";

    private ContainerVolumes() {
    }

    /** Records {@code uses} in the workspace {@code dir} (mode 0600, written whole or not at all). */
    public static void write(Path dir, List<Use> uses) throws IOException {
        StringBuilder b = new StringBuilder();
        uses.forEach(u -> b.append(u.name()).append(u.anonymous() ? " anonymous\n" : " named\n"));
        AtomicFile.write(dir.resolve(FILE), AtomicFile.PRIVATE, out -> out.write(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The record of the workspace {@code dir}; empty when it has none. */
    public static List<Use> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<Use> uses = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length == 2) {
                    uses.add(new Use(f[0], f[1].equals("anonymous")));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return uses;
    }

    /**
     * Called as a container's workspace is about to go: removes its anonymous volumes (the named ones stay:
     * that is what they are for). Nothing is mounted from them any more — their bind mounts lived in the
     * container's mount namespace, which ended with its last process. What cannot be removed goes to
     * {@code problems}.
     */
    public static void release(Path workspace, List<String> problems) {
        List<Use> uses = read(workspace);
        if (uses.stream().noneMatch(Use::anonymous)) {
            return;
        }
        // the workspace is $CWB_HOME/run/containers/NAME
        Volumes store = new Volumes(new dev.cwb.WorkbenchHome(workspace.toAbsolutePath().getParent().getParent().getParent()));
        String me = workspace.getFileName().toString();
        for (Use u : uses) {
            if (!u.anonymous()) {
                continue;
            }
            try {
                if (store.find(u.name()).isPresent() && store.users(u.name()).stream().allMatch(me::equals)) {
                    store.delete(u.name());
                }
            } catch (RuntimeException e) {
                problems.add("anonymous volume " + u.name() + ": " + e.getMessage());
            }
        }
    }
}
