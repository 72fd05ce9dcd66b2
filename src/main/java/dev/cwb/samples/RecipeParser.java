package dev.cwb.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.cwb.CwbException;
import dev.cwb.image.Json;
import dev.cwb.samples.Instruction.Keyword;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads a recipe file: one instruction per line, a Dockerfile-like format documented in
 * {@code sample-images/README.md}. Everything is checked here, before anything is built, and the first
 * problem is reported as one {@link CwbException} naming the file and the line.
 */
public final class RecipeParser {
    private static final Pattern MODE = Pattern.compile("[0-7]{3,4}");
    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
    private static final String SEE_README = "see sample-images/README.md for the recipe format";

    private RecipeParser() {
    }

    /** Reads and parses {@code file}; the image name is the name of the directory holding it. */
    public static Recipe parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw CwbException.notFound("no recipe file " + file, "a sample is a directory holding a file named 'recipe'");
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read recipe " + file + ": " + CwbException.reason(e), null, e);
        }
        return parse(file, text);
    }

    /** Parses recipe {@code text} as if read from {@code file}. */
    public static Recipe parse(Path file, String text) {
        String name = file.getParent() == null ? "" : file.getParent().getFileName().toString();
        List<Instruction> instructions = new ArrayList<>();
        String from = null;
        int fromLine = 0;
        String pendingComment = null;
        int pendingCommentLine = 0;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] split = line.split("\\s+", 2);
            String word = split[0];
            String rest = split.length > 1 ? split[1].strip() : "";
            Keyword keyword = keyword(word);
            if (keyword == null) {
                throw error(file, lineNo, "unknown instruction '" + word + "'",
                        "the instructions are " + String.join(", ", Arrays.stream(Keyword.values()).map(Keyword::spelling).toList())
                                + "; " + SEE_README);
            }
            if (from == null && keyword != Keyword.FROM) {
                throw error(file, lineNo, "the first instruction must be FROM (found " + keyword.spelling() + ")",
                        "start the recipe with 'FROM scratch' or 'FROM IMAGE'");
            }
            switch (keyword) {
                case FROM -> {
                    if (from != null) {
                        throw error(file, lineNo, "a second FROM (the first is on line " + fromLine + ")",
                                "a recipe builds one image from one base: keep one FROM");
                    }
                    List<String> words = words(rest);
                    if (words.size() != 1) {
                        throw error(file, lineNo, "FROM takes one image name, e.g. 'FROM scratch' or 'FROM busybox'", SEE_README);
                    }
                    from = words.get(0);
                    fromLine = lineNo;
                    continue;
                }
                case COMMENT -> {
                    if (rest.isEmpty()) {
                        throw error(file, lineNo, "COMMENT needs some text", "COMMENT TEXT sets the history comment of the next instruction");
                    }
                    if (pendingComment != null) {
                        throw error(file, lineNo, "two COMMENT lines in a row (the other is on line " + pendingCommentLine + ")",
                                "join them into one COMMENT line");
                    }
                    pendingComment = rest;
                    pendingCommentLine = lineNo;
                    continue;
                }
                default -> {
                    // an instruction that becomes a history entry
                }
            }
            List<String> args;
            try {
                args = arguments(keyword, rest);
            } catch (IllegalArgumentException e) {
                throw error(file, lineNo, keyword.spelling() + ": " + e.getMessage(), usage(keyword));
            }
            instructions.add(new Instruction(lineNo, keyword, args, line, pendingComment));
            pendingComment = null;
        }
        if (from == null) {
            throw error(file, Math.max(1, lines.length), "the recipe has no FROM line", "start the recipe with 'FROM scratch' or 'FROM IMAGE'");
        }
        if (pendingComment != null) {
            throw error(file, pendingCommentLine, "COMMENT is not followed by an instruction it could describe",
                    "put the COMMENT line just above the instruction it explains");
        }
        return new Recipe(name, file, from, fromLine, instructions);
    }

    private static Keyword keyword(String word) {
        String upper = word.toUpperCase(Locale.ROOT);
        for (Keyword k : Keyword.values()) {
            if (k.spelling().equals(upper)) {
                return k;
            }
        }
        return null;
    }

    /** Checks the words after the keyword and returns them in the form the builder uses. */
    private static List<String> arguments(Keyword keyword, String rest) {
        List<String> words = words(rest);
        switch (keyword) {
            case COPY -> {
                List<String> result = new ArrayList<>();
                List<String> positional = new ArrayList<>();
                String chmod = "";
                for (String w : words) {
                    if (w.startsWith("--chmod=")) {
                        chmod = w.substring("--chmod=".length());
                        if (!MODE.matcher(chmod).matches()) {
                            throw new IllegalArgumentException("--chmod needs an octal mode such as 0755, not '" + chmod + "'");
                        }
                    } else if (w.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option '" + w + "' (only --chmod=MODE)");
                    } else {
                        positional.add(w);
                    }
                }
                requireCount(positional, 2, "a source in the recipe's directory and a destination in the image");
                ImagePath.toTarName(positional.get(1));
                checkSource(positional.get(0));
                result.add(chmod);
                result.addAll(positional);
                return result;
            }
            case REPLACE_DIR -> {
                requireCount(words, 2, "a source directory in the recipe's directory and a directory in the image");
                checkSource(words.get(0));
                if (ImagePath.toTarName(words.get(1)).isEmpty()) {
                    throw new IllegalArgumentException("the image's root directory cannot be replaced");
                }
                return words;
            }
            case MKDIR -> {
                if (words.isEmpty()) {
                    throw new IllegalArgumentException("name at least one directory");
                }
                for (String w : words) {
                    int colon = w.lastIndexOf(':');
                    String path = colon < 0 ? w : w.substring(0, colon);
                    if (colon >= 0 && !MODE.matcher(w.substring(colon + 1)).matches()) {
                        throw new IllegalArgumentException("'" + w.substring(colon + 1) + "' is not an octal mode such as 1777 or 0700");
                    }
                    if (ImagePath.toTarName(path).isEmpty()) {
                        throw new IllegalArgumentException("/ exists in every image; name the directories to create");
                    }
                }
                return words;
            }
            case DELETE -> {
                if (words.isEmpty()) {
                    throw new IllegalArgumentException("name at least one path to delete");
                }
                for (String w : words) {
                    if (ImagePath.toTarName(w).isEmpty()) {
                        throw new IllegalArgumentException("the image's root directory cannot be deleted");
                    }
                }
                return words;
            }
            case HOST_BUSYBOX -> {
                requireCount(words, 1, "where to put busybox in the image, e.g. /bin/busybox");
                if (ImagePath.toTarName(words.get(0)).isEmpty()) {
                    throw new IllegalArgumentException("busybox needs a file name, e.g. /bin/busybox");
                }
                return words;
            }
            case HELLO_PROGRAM -> {
                requireCount(words, 2, "where to put the program in the image and a text file in the recipe's directory");
                if (ImagePath.toTarName(words.get(0)).isEmpty()) {
                    throw new IllegalArgumentException("the program needs a file name, e.g. /hello");
                }
                checkSource(words.get(1));
                return words;
            }
            case CMD, ENTRYPOINT -> {
                return command(rest);
            }
            case ENV, LABEL -> {
                int eq = rest.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("write KEY=VALUE");
                }
                String key = rest.substring(0, eq).strip();
                String value = unquote(rest.substring(eq + 1).strip());
                Pattern valid = keyword == Keyword.ENV ? ENV_KEY : LABEL_KEY;
                if (!valid.matcher(key).matches()) {
                    throw new IllegalArgumentException("'" + key + "' is not a valid " + (keyword == Keyword.ENV ? "variable" : "label") + " name");
                }
                return List.of(key, value);
            }
            case WORKDIR -> {
                requireCount(words, 1, "one absolute directory");
                ImagePath.toTarName(words.get(0));
                return words;
            }
            case USER -> {
                requireCount(words, 1, "a user name or uid[:gid]");
                return words;
            }
            default -> throw new IllegalStateException("not an instruction with arguments: " + keyword);
        }
    }

    /** CMD/ENTRYPOINT: the exec form {@code ["sh", "-c", "..."]}, or a shell form run by /bin/sh -c as Docker does. */
    private static List<String> command(String rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("give the command, e.g. [\"sh\"]");
        }
        if (!rest.startsWith("[")) {
            return List.of("/bin/sh", "-c", rest);
        }
        try {
            List<String> list = Json.mapper().readValue(rest, new TypeReference<List<String>>() { });
            if (list == null || list.isEmpty() || list.stream().anyMatch(s -> s == null)) {
                throw new IllegalArgumentException("the list must hold at least one string, e.g. [\"sh\"]");
            }
            return list;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON list of strings: " + e.getOriginalMessage());
        }
    }

    private static void checkSource(String source) {
        Path p = Path.of(source);
        if (p.isAbsolute() || p.normalize().startsWith("..") || source.contains("/../") || source.equals("..")) {
            throw new IllegalArgumentException("'" + source + "' must be a path inside the recipe's directory");
        }
    }

    private static void requireCount(List<String> words, int n, String what) {
        if (words.size() != n) {
            throw new IllegalArgumentException("expected " + n + (n == 1 ? " argument" : " arguments") + " (" + what + "), found " + words.size());
        }
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static List<String> words(String rest) {
        return rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
    }

    private static String usage(Keyword keyword) {
        String form = switch (keyword) {
            case COPY -> "COPY [--chmod=MODE] SRC DEST";
            case REPLACE_DIR -> "REPLACE-DIR SRC-DIR DEST-DIR";
            case MKDIR -> "MKDIR PATH[:MODE]...";
            case DELETE -> "DELETE PATH...";
            case HOST_BUSYBOX -> "HOST-BUSYBOX DEST";
            case HELLO_PROGRAM -> "HELLO-PROGRAM DEST TEXT-FILE";
            case CMD, ENTRYPOINT -> keyword.spelling() + " [\"program\", \"arg\"...]";
            case ENV, LABEL -> keyword.spelling() + " KEY=VALUE";
            case WORKDIR -> "WORKDIR /PATH";
            case USER -> "USER NAME";
            default -> keyword.spelling();
        };
        return "usage: " + form + "; " + SEE_README;
    }

    private static CwbException error(Path file, int line, String message, String hint) {
        return CwbException.badInput(file + " line " + line + ": " + message, hint);
    }
}
