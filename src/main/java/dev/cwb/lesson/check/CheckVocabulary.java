package dev.cwb.lesson.check;

import dev.cwb.cli.EditDistance;
import dev.cwb.CwbException;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The words a lesson's {@code check:} lines may use, each with its arguments and the class that checks it.
 * {@link #standard()} holds every check the workbench knows today; a new concern registers its checks with
 * {@link #define} (see {@link ImageChecks} for the pattern).
 */
public final class CheckVocabulary {
    /** One check word: its usage line, how many arguments it takes, and how to build it from them. */
    public record Definition(String name, String usage, String meaning, int minArgs, int maxArgs,
                             Function<List<String>, Check> factory) {
        /** A check whose last argument is TEXT takes the rest of the line as that text, quotes or not. */
        public boolean textTail() {
            return usage.endsWith(" TEXT");
        }

        public String argumentsText() {
            return minArgs == maxArgs ? minArgs + " argument" + (minArgs == 1 ? "" : "s") : minArgs + " to " + maxArgs + " arguments";
        }
    }

    private final Map<String, Definition> definitions = new TreeMap<>();

    public static CheckVocabulary standard() {
        CheckVocabulary vocabulary = new CheckVocabulary();
        ImageChecks.register(vocabulary);
        LayerCacheChecks.register(vocabulary);
        FileChecks.register(vocabulary);
        CommandChecks.register(vocabulary);
        ContainerChecks.register(vocabulary);
        NamespaceChecks.register(vocabulary);
        RootChecks.register(vocabulary);
        CgroupChecks.register(vocabulary);
        TraceChecks.register(vocabulary);
        NetworkChecks.register(vocabulary);
        DetachedChecks.register(vocabulary);
        return vocabulary;
    }

    /** Adds a check word; {@code usage} is e.g. {@code "layer-count IMAGE N"}, the first word being the name. */
    public void define(String usage, String meaning, int minArgs, int maxArgs, Function<List<String>, Check> factory) {
        String name = usage.split(" ", 2)[0];
        if (definitions.putIfAbsent(name, new Definition(name, usage, meaning, minArgs, maxArgs, factory)) != null) {
            throw new IllegalStateException("check '" + name + "' is defined twice");
        }
    }

    public Optional<Definition> find(String name) {
        return Optional.ofNullable(definitions.get(name));
    }

    public Collection<Definition> all() {
        return definitions.values();
    }

    /**
     * Checks a {@code check:} line's name and argument count; returns {@code null} when it is fine, else
     * the problem in words (the parser adds the file and line).
     */
    public String problemWith(String name, int argCount) {
        Definition definition = definitions.get(name);
        if (definition == null) {
            String closest = definitions.keySet().stream()
                    .min(Comparator.comparingInt(known -> EditDistance.between(known, name)))
                    .filter(known -> EditDistance.between(known, name) <= 3)
                    .map(known -> "did you mean '" + known + "'? ").orElse("");
            return "unknown check '" + name + "' — " + closest + "the checks are: " + String.join(", ", definitions.keySet());
        }
        if (argCount < definition.minArgs() || (argCount > definition.maxArgs() && !definition.textTail())) {
            return "check '" + name + "' takes " + definition.argumentsText() + ", found " + argCount + " — usage: " + definition.usage();
        }
        return null;
    }

    /** Builds the check for already validated words. */
    public Check create(String name, List<String> args) {
        String problem = problemWith(name, args.size());
        if (problem != null) {
            throw CwbException.badInput(problem, null);
        }
        Definition definition = definitions.get(name);
        if (args.size() > definition.maxArgs()) {
            List<String> joined = new java.util.ArrayList<>(args.subList(0, definition.maxArgs() - 1));
            joined.add(String.join(" ", args.subList(definition.maxArgs() - 1, args.size())));
            args = joined;
        }
        return definition.factory().apply(args);
    }

}
