package dev.cwb.build;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The word processing Docker applies to the arguments of ADD, COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL,
 * USER, VOLUME, WORKDIR and ONBUILD (moby/buildkit {@code frontend/dockerfile/shell/lex.go}): words split
 * at unquoted blanks, quotes removed, the escape character (default {@code \}) taking the next character
 * literally, and variables expanded: {@code $VAR}, {@code ${VAR}}, {@code ${VAR:-default}},
 * {@code ${VAR-default}}, {@code ${VAR:+alternative}}, {@code ${VAR+alternative}}, {@code ${VAR:?message}}
 * and {@code ${VAR?message}}. Inside single quotes nothing is expanded; inside double quotes only the
 * escape of {@code "}, {@code $} and the escape character itself.
 */
public final class ShellWords {
    private final String text;
    private final char escape;
    private final Function<String, String> lookup;
    private int pos;

    /** A variable the text used, for the build cache: its name and whether it was set. */
    private final List<String> used = new ArrayList<>();

    private ShellWords(String text, char escape, Function<String, String> lookup) {
        this.text = text;
        this.escape = escape;
        this.lookup = lookup;
    }

    /** The words of {@code text}, expanded. {@code lookup} answers null for an unset variable. */
    public static List<String> words(String text, char escape, Function<String, String> lookup) {
        return new ShellWords(text, escape, lookup).all(true);
    }

    /** {@code text} as one word (blanks kept), expanded and unquoted. */
    public static String word(String text, char escape, Function<String, String> lookup) {
        List<String> w = new ShellWords(text, escape, lookup).all(false);
        return w.isEmpty() ? "" : w.get(0);
    }

    /**
     * The words, built as BuildKit's {@code wordsStruct} builds them: unquoted characters (literal or from a
     * variable's value) end a word at whitespace, so {@code $VAR} of "x y" is two words — splitting comes
     * after substitution; quoted and escaped characters never do; an empty word is dropped.
     */
    private List<String> all(boolean split) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean[] inWord = {false};
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\'') {
                pos++;
                int end = text.indexOf('\'', pos);
                if (end < 0) {
                    throw new IllegalArgumentException("unexpected end of statement while looking for matching single-quote");
                }
                word.append(text, pos, end);
                inWord[0] = true;
                pos = end + 1;
            } else if (c == '"') {
                pos++;
                doubleQuoted(word);
                inWord[0] = true;
            } else if (c == escape) {
                pos++;
                if (pos < text.length()) {
                    word.append(text.charAt(pos++));
                    inWord[0] = true;
                }
            } else if (c == '$') {
                for (char v : variable().toCharArray()) {
                    unquoted(v, split, word, words, inWord);
                }
            } else {
                unquoted(c, split, word, words, inWord);
                pos++;
            }
        }
        if (word.length() > 0 || (!split && inWord[0])) {
            words.add(word.toString());
        }
        return words;
    }

    private static void unquoted(char c, boolean split, StringBuilder word, List<String> words, boolean[] inWord) {
        if (split && Character.isWhitespace(c)) {
            if (inWord[0]) {
                words.add(word.toString());
                word.setLength(0);
                inWord[0] = false;
            }
            return;
        }
        word.append(c);
        inWord[0] = true;
    }

    private void doubleQuoted(StringBuilder word) {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return;
            }
            if (c == escape && pos + 1 < text.length()) {
                char next = text.charAt(pos + 1);
                if (next == '"' || next == '$' || next == escape) {
                    word.append(next);
                    pos += 2;
                    continue;
                }
                word.append(c);
                pos++;
            } else if (c == '$') {
                word.append(variable());
            } else {
                word.append(c);
                pos++;
            }
        }
        throw new IllegalArgumentException("unexpected end of statement while looking for matching double-quote");
    }

    /** At a {@code $}: the value it stands for. */
    private String variable() {
        pos++; // the $
        if (pos >= text.length()) {
            return "$";
        }
        char c = text.charAt(pos);
        if (c == '{') {
            pos++;
            int nameStart = pos;
            while (pos < text.length() && isNameChar(text.charAt(pos))) {
                pos++;
            }
            String name = text.substring(nameStart, pos);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("bad substitution: ${ with no variable name");
            }
            if (pos >= text.length()) {
                throw new IllegalArgumentException("missing '}' after ${" + name);
            }
            char op = text.charAt(pos);
            if (op == '}') {
                pos++;
                return value(name);
            }
            boolean colon = op == ':';
            if (colon) {
                pos++;
                op = pos < text.length() ? text.charAt(pos) : 0;
            }
            if (op != '-' && op != '+' && op != '?') {
                throw new IllegalArgumentException("unsupported modifier (" + (colon ? ":" : "") + op + ") in substitution ${" + name);
            }
            pos++;
            String word = nested();
            String v = lookupUsed(name);
            boolean set = colon ? v != null && !v.isEmpty() : v != null;
            return switch (op) {
                case '-' -> set ? v : word;
                case '+' -> set ? word : "";
                default -> {
                    if (!set) {
                        throw new IllegalArgumentException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    }
                    yield v;
                }
            };
        }
        if (isNameChar(c) && !Character.isDigit(c)) {
            int start = pos;
            while (pos < text.length() && isNameChar(text.charAt(pos))) {
                pos++;
            }
            return value(text.substring(start, pos));
        }
        return "$";
    }

    /** The word of a {@code ${VAR:-word}} up to its closing brace, itself expanded. */
    private String nested() {
        StringBuilder w = new StringBuilder();
        int depth = 0;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '}' && depth == 0) {
                pos++;
                return w.toString();
            }
            if (c == escape && pos + 1 < text.length()) {
                w.append(text.charAt(pos + 1));
                pos += 2;
            } else if (c == '$') {
                w.append(variable());
            } else if (c == '\'' || c == '"') {
                pos++; // quotes inside the word are removed, their content kept
            } else {
                w.append(c);
                pos++;
            }
        }
        throw new IllegalArgumentException("missing '}' in substitution");
    }

    private String value(String name) {
        String v = lookupUsed(name);
        return v == null ? "" : v;
    }

    private String lookupUsed(String name) {
        used.add(name);
        return lookup.apply(name);
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
