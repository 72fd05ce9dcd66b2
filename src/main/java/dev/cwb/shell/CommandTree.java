package dev.cwb.shell;

import dev.cwb.cli.EditDistance;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The picocli command tree as the shell sees it: a fresh tree for every command that runs (so no option
 * value leaks from one line into the next), and one cached tree that completion and highlighting read.
 *
 * <p>Building the tree reflects over every command class, which costs a noticeable fraction of a second on
 * a cold JVM. So it is built on first use, or by {@link #warmUpInBackground()} while the learner is still
 * reading the banner, never before the prompt appears.
 */
final class CommandTree {
    private final Supplier<CommandLine> factory;
    private volatile CommandSpec cached;

    CommandTree(Supplier<CommandLine> factory) {
        this.factory = factory;
    }

    /** A new tree, wired to the workbench's current writers, to run one line in. */
    CommandLine fresh() {
        return factory.get();
    }

    /** The root of the cached tree; its subcommands are the words a line may start with. */
    CommandSpec root() {
        CommandSpec spec = cached;
        if (spec == null) {
            synchronized (this) {
                spec = cached;
                if (spec == null) {
                    spec = factory.get().getCommandSpec();
                    cached = spec;
                }
            }
        }
        return spec;
    }

    /** The names a command line may start with ({@code images}, {@code inspect}, ...). */
    Set<String> commandNames() {
        return root().subcommands().keySet();
    }

    boolean isCommand(String word) {
        return root().subcommands().containsKey(word);
    }

    /**
     * The command a mistyped word most likely meant: one that starts with it, or one at most two edits
     * (typed, dropped or changed letters) away; empty when nothing is that close.
     */
    Optional<String> closest(String word) {
        String best = null;
        int bestDistance = 3;
        for (String name : commandNames()) {
            if (word.length() - name.length() >= bestDistance) {
                continue; // so many more letters are at least that many edits (and a pasted megabyte costs nothing)
            }
            int distance = name.startsWith(word) ? 0 : EditDistance.between(word, name);
            if (distance < bestDistance) {
                best = name;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }


    /** Builds the cached tree on a background thread so the first Tab or keystroke does not wait for it. */
    void warmUpInBackground() {
        Thread thread = new Thread(() -> {
            try {
                root();
            } catch (RuntimeException e) {
                // a broken command class shows up, with its message, when the learner runs a command
            }
        }, "cwb-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }
}
