package dev.cwb.shell;

import org.jline.builtins.Completers;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.List;

/**
 * Tab completion driven by the picocli model, so a new command or option completes without touching the
 * shell. Reading the words before the cursor it finds which command (and subcommand) is being typed, which
 * positional parameter the cursor is on, and whether the previous word was an option waiting for a value.
 * What a value may be is read from the parameter's label: {@code IMAGE} completes image names from the
 * store, {@code CONTAINER} the session's containers, {@code PATH}, {@code FILE} and {@code DIR} complete file names (for {@code cat}, PATH is a path
 * inside the image: {@link ImagePaths}), {@code COMMAND} completes command
 * names (for {@code help}).
 */
final class CommandCompleter implements Completer {
    private static final String COMMANDS = "commands";
    private static final String OPTIONS = "options";

    private final CommandTree tree;
    private final ImageNames images;
    private final ImagePaths imagePaths;
    private final Completer files = new Completers.FileNameCompleter();
    private final java.util.function.Supplier<List<String>> containers;

    CommandCompleter(CommandTree tree, ImageNames images, ImagePaths imagePaths) {
        this(tree, images, imagePaths, List::of);
    }

    CommandCompleter(CommandTree tree, ImageNames images, ImagePaths imagePaths,
                     java.util.function.Supplier<List<String>> containers) {
        this.tree = tree;
        this.images = images;
        this.imagePaths = imagePaths;
        this.containers = containers;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        String current = line.word().substring(0, Math.min(line.wordCursor(), line.word().length()));
        List<String> words = line.words();
        int index = line.wordIndex();
        if (index == 0) {
            if (current.startsWith(":")) {
                addMetaCommands(candidates);
            } else {
                addSubcommands(tree.root(), candidates);
            }
            return;
        }
        CommandLine command = tree.root().subcommands().get(words.get(0));
        if (command == null) {
            return; // a meta-command or a typo: nothing sensible to offer
        }
        Position position = Position.after(command.getCommandSpec(), words.subList(1, index));
        if (position.pendingOption() != null) {
            addValues(position.pendingOption(), position, reader, line, candidates);
        } else if (current.startsWith("-")) {
            addOptions(position.command(), candidates);
        } else {
            int before = candidates.size();
            if (position.positionalsSeen() == 0) {
                addSubcommands(position.command(), candidates);
            }
            PositionalParamSpec positional = positionalAt(position.command(), position.positionalsSeen());
            if (positional != null) {
                addValues(positional, position, reader, line, candidates);
            }
            if (candidates.size() == before && current.isEmpty()) {
                // nothing else fits here: show what can be set (never for a typed word, which JLine would
                // otherwise turn into the nearest option: 'cat h' into 'cat --hex')
                addOptions(position.command(), candidates);
            }
        }
    }

    private void addValues(ArgSpec arg, Position position, LineReader reader, ParsedLine line, List<Candidate> candidates) {
        String label = arg.paramLabel().replaceAll("[<>.\\[\\]]", "");
        switch (label) {
            case "IMAGE", "IMAGE@LAYER" -> images.addTo(candidates);
            case "CONTAINER" -> containers.get().forEach(n -> candidates.add(new Candidate(n, n, null, null, null, null, true)));
            case "NAME from IMAGE" -> {
                if (position.positionalsSeen() == 1) {
                    candidates.add(new Candidate("from", "from", null, null, null, null, true));
                } else if (position.positionalsSeen() >= 2) {
                    images.addTo(candidates);
                }
            }
            case "PATH" -> {
                if (position.command().name().equals("cat") && !position.positionals().isEmpty()) {
                    imagePaths.complete(position.positionals().get(0), line.word(), candidates); // a path inside the image
                } else {
                    files.complete(reader, line, candidates);
                }
            }
            case "FILE", "DIR", "DIRECTORY" -> files.complete(reader, line, candidates);
            case "COMMAND" -> addHelpTopics(position, candidates);
            default -> {
                if (arg.completionCandidates() != null) {
                    for (String value : arg.completionCandidates()) {
                        candidates.add(new Candidate(value, value, null, null, null, null, true));
                    }
                }
            }
        }
    }

    /** {@code help inspect layers}: the first topic is a command, the next one of its subcommands. */
    private void addHelpTopics(Position position, List<Candidate> candidates) {
        CommandSpec spec = tree.root();
        for (String word : position.positionals()) {
            CommandLine sub = spec.subcommands().get(word);
            if (sub == null) {
                return;
            }
            spec = sub.getCommandSpec();
        }
        addSubcommands(spec, candidates);
    }

    private static void addSubcommands(CommandSpec spec, List<Candidate> candidates) {
        spec.subcommands().forEach((name, sub) -> {
            CommandSpec subSpec = sub.getCommandSpec();
            if (!subSpec.usageMessage().hidden()) {
                candidates.add(new Candidate(name, name, COMMANDS, firstLine(subSpec.usageMessage().description()), null, null, true));
            }
        });
    }

    private static void addOptions(CommandSpec spec, List<Candidate> candidates) {
        for (OptionSpec option : spec.options()) {
            if (option.hidden()) {
                continue;
            }
            String description = firstLine(option.description());
            for (String name : option.names()) {
                // the same key makes JLine list "-f, --force" as one entry
                candidates.add(new Candidate(name, name, OPTIONS, description, null, option.longestName(), true));
            }
        }
    }

    private static void addMetaCommands(List<Candidate> candidates) {
        for (MetaCommand meta : MetaCommand.values()) {
            for (String name : meta.names()) {
                candidates.add(new Candidate(name, name, "shell commands", meta.description(), null, meta.primaryName(), true));
            }
        }
    }

    private static PositionalParamSpec positionalAt(CommandSpec spec, int index) {
        for (PositionalParamSpec positional : spec.positionalParameters()) {
            if (!positional.hidden() && positional.index().contains(index)) {
                return positional;
            }
        }
        return null;
    }

    private static String firstLine(String[] lines) {
        return lines == null || lines.length == 0 ? null : lines[0];
    }

    /**
     * Where the cursor is in a command: the (sub)command reached, the positional words already typed, and
     * the option still waiting for its value, if any.
     */
    record Position(CommandSpec command, List<String> positionals, OptionSpec pendingOption) {
        static Position after(CommandSpec start, List<String> words) {
            CommandSpec spec = start;
            List<String> positionals = new java.util.ArrayList<>();
            OptionSpec pending = null;
            for (String word : words) {
                if (pending != null) {
                    pending = null; // this word was the option's value
                    continue;
                }
                if (word.startsWith("-") && word.length() > 1) {
                    OptionSpec option = spec.findOption(word);
                    if (option != null && option.arity().min() > 0 && !word.contains("=")) {
                        pending = option;
                    }
                    continue;
                }
                CommandLine sub = positionals.isEmpty() ? spec.subcommands().get(word) : null;
                if (sub != null) {
                    spec = sub.getCommandSpec();
                } else {
                    positionals.add(word);
                }
            }
            return new Position(spec, positionals, pending);
        }

        int positionalsSeen() {
            return positionals.size();
        }
    }
}
