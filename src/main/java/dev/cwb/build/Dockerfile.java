package dev.cwb.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Dockerfile as its parser leaves it (docs.docker.com "Dockerfile reference"; moby/buildkit
 * {@code frontend/dockerfile/parser}): the parser directives found at its top, then one
 * {@link Instruction} per instruction with the line it starts on, continuation lines joined and comments
 * dropped, heredocs attached. Nothing is substituted yet: which arguments are expanded, and with which
 * variables, depends on the instruction and the stage ({@link StagePlan}).
 */
public record Dockerfile(String file, char escape, String syntax, List<Instruction> instructions, List<String> warnings) {

    /**
     * One instruction: its keyword (upper case), the {@code --name=value} flags it began with, its
     * arguments as written (after the flags; continuation lines joined with nothing between), whether they
     * are an exec-form JSON array (then {@link #execForm()} holds its strings), and its heredocs.
     */
    public record Instruction(String keyword, int line, int endLine, Map<String, List<String>> flags, String args,
                              List<String> execForm, List<Heredoc> heredocs, String original) {
        public boolean isExecForm() {
            return execForm != null;
        }

        /** The last value of flag {@code name} ({@code --from=builder} gives "builder"), or null. */
        public String flag(String name) {
            List<String> v = flags.get(name);
            return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
        }

        /** {@code file:line} for messages. */
        public String where(String file) {
            return file + ":" + line;
        }
    }

    /** {@code <<EOF} ... {@code EOF}: its name, content, whether tabs were stripped ({@code <<-}) and whether it expands variables (unquoted name). */
    public record Heredoc(String name, String content, boolean expand, boolean chomp) {
    }

    /** The instructions Docker knows; anything else is refused with the line. */
    static final List<String> KEYWORDS = List.of("FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
            "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");

    public Dockerfile {
        instructions = List.copyOf(instructions);
        warnings = List.copyOf(warnings);
    }

    /** Parses {@code text}; a line that is no instruction is refused with {@code file:line}. */
    public static Dockerfile parse(String file, String text) {
        return new Parser(file, text).parse();
    }

    /** Parses one instruction line (commit's {@code --change 'CMD ["sh"]'}, ONBUILD's trigger). */
    public static Instruction parseLine(String where, String line) {
        Dockerfile d = parse(where, line);
        if (d.instructions().size() != 1) {
            throw dev.cwb.CwbException.badInput(where + ": expected one instruction, found " + d.instructions().size(), null);
        }
        return d.instructions().get(0);
    }

    private static final class Parser {
        private final String file;
        private final String[] lines;
        private char escape = '\\';
        private String syntax;
        private final List<String> warnings = new ArrayList<>();

        Parser(String file, String text) {
            this.file = file;
            String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
            this.lines = t.split("\r?\n", -1);
        }

        Dockerfile parse() {
            int i = directives();
            List<Instruction> result = new ArrayList<>();
            while (i < lines.length) {
                String line = lines[i];
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    i++;
                    continue;
                }
                int start = i;
                StringBuilder joined = new StringBuilder();
                StringBuilder original = new StringBuilder(line);
                String current = line;
                while (true) {
                    String body = stripTrailing(current);
                    if (endsWithEscape(body)) {
                        joined.append(body, 0, body.length() - 1);
                        i++;
                        // comment and blank lines inside a continuation are skipped (BuildKit warns on blanks)
                        while (i < lines.length && (lines[i].strip().startsWith("#") || lines[i].strip().isEmpty())) {
                            if (lines[i].strip().isEmpty()) {
                                warnings.add(file + ":" + (i + 1) + ": empty continuation line (BuildKit warns: it will be an error)");
                            }
                            i++;
                        }
                        if (i >= lines.length) {
                            break;
                        }
                        current = lines[i];
                        original.append('\n').append(current);
                    } else {
                        joined.append(current);
                        break;
                    }
                }
                int end = i;
                i++;
                Instruction ins = instruction(joined.toString(), start + 1, end + 1, original.toString());
                List<Heredoc> heredocs = new ArrayList<>();
                if (takesHeredocs(ins.keyword())) {
                    for (HeredocStart h : heredocStarts(ins.args())) {
                        StringBuilder content = new StringBuilder();
                        boolean closed = false;
                        while (i < lines.length) {
                            String l = lines[i++];
                            String cmp = h.chomp ? l.replaceFirst("^\t+", "") : l;
                            if (cmp.equals(h.name)) {
                                closed = true;
                                break;
                            }
                            content.append(h.chomp ? l.replaceFirst("^\t+", "") : l).append('\n');
                        }
                        if (!closed) {
                            throw dev.cwb.CwbException.badInput(file + ":" + ins.line() + ": " + ins.keyword() + ": the heredoc <<" + h.name
                                    + " is never closed", "end it with a line that is exactly " + h.name);
                        }
                        heredocs.add(new Heredoc(h.name, content.toString(), h.expand, h.chomp));
                    }
                }
                result.add(heredocs.isEmpty() ? ins : new Instruction(ins.keyword(), ins.line(), i, ins.flags(), ins.args(),
                        ins.execForm(), heredocs, ins.original()));
            }
            return new Dockerfile(file, escape, syntax, result, warnings);
        }

        /** {@code # escape=`} and {@code # syntax=...} at the very top; returns the first line after them. */
        private int directives() {
            int i = 0;
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (i < lines.length) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$")
                        .matcher(lines[i].strip());
                if (!m.matches()) {
                    return i;
                }
                String key = m.group(1).toLowerCase(java.util.Locale.ROOT);
                String value = m.group(2);
                if (!seen.add(key)) {
                    throw dev.cwb.CwbException.badInput(file + ":" + (i + 1) + ": the parser directive " + key + " is given twice", null);
                }
                switch (key) {
                    case "escape" -> {
                        if (!value.equals("\\") && !value.equals("`")) {
                            throw dev.cwb.CwbException.badInput(file + ":" + (i + 1) + ": invalid escape token '" + value + "' does not match ` or \\",
                                    "use # escape=` or # escape=\\");
                        }
                        escape = value.charAt(0);
                    }
                    case "syntax" -> {
                        syntax = value;
                        warnings.add(file + ":" + (i + 1) + ": # syntax=" + value + " noted and ignored: this builder is the workbench's own");
                    }
                    default -> {
                        return i; // an unknown directive is a comment, and ends the directives
                    }
                }
                i++;
            }
            return i;
        }

        private boolean endsWithEscape(String body) {
            if (body.isEmpty() || body.charAt(body.length() - 1) != escape) {
                return false;
            }
            int n = 0;
            for (int k = body.length() - 1; k >= 0 && body.charAt(k) == escape; k--) {
                n++;
            }
            return n % 2 == 1 || escape == '`';
        }

        private Instruction instruction(String text, int line, int endLine, String original) {
            String t = text.strip();
            int sp = 0;
            while (sp < t.length() && !Character.isWhitespace(t.charAt(sp))) {
                sp++;
            }
            String word = t.substring(0, sp);
            String keyword = word.toUpperCase(java.util.Locale.ROOT);
            if (!KEYWORDS.contains(keyword)) {
                String close = nearKeyword(keyword);
                throw dev.cwb.CwbException.badInput(file + ":" + line + ": unknown instruction: " + dev.cwb.view.Printable.of(word),
                        close != null ? "did you mean " + close + "?" : "see the Dockerfile reference for the instructions");
            }
            String rest = t.substring(sp).strip();
            Map<String, List<String>> flags = new LinkedHashMap<>();
            if (!keyword.equals("ONBUILD")) {
                while (rest.startsWith("--")) {
                    int end = 0;
                    while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) {
                        end++;
                    }
                    String flag = rest.substring(2, end);
                    int eq = flag.indexOf('=');
                    String name = eq < 0 ? flag : flag.substring(0, eq);
                    String value = eq < 0 ? "true" : flag.substring(eq + 1);
                    flags.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                    rest = rest.substring(end).strip();
                }
            }
            List<String> exec = null;
            if (rest.startsWith("[") && !keyword.equals("ONBUILD")) {
                exec = JsonArray.parse(rest);
            }
            return new Instruction(keyword, line, endLine, flags, rest, exec, List.of(), original);
        }

        /** A keyword the typed word is one slip away from: a letter too many, too few, or wrong (RUNN, COPPY, CMDS). */
        private static String nearKeyword(String word) {
            for (String k : KEYWORDS) {
                if (oneSlip(word, k)) {
                    return k;
                }
            }
            return null;
        }

        private static boolean oneSlip(String a, String b) {
            if (Math.abs(a.length() - b.length()) > 1 || a.equals(b)) {
                return false;
            }
            int i = 0;
            while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
                i++;
            }
            if (a.length() == b.length()) {
                return a.substring(i + 1).equals(b.substring(i + 1));
            }
            return a.length() > b.length() ? a.substring(i + 1).equals(b.substring(i)) : a.substring(i).equals(b.substring(i + 1));
        }

        private static String stripTrailing(String s) {
            return s.stripTrailing();
        }

        private static boolean takesHeredocs(String keyword) {
            return keyword.equals("RUN") || keyword.equals("COPY") || keyword.equals("ADD");
        }

        private record HeredocStart(String name, boolean chomp, boolean expand) {
        }

        /** The {@code <<EOF}, {@code <<-EOF}, {@code <<"EOF"} and {@code <<'EOF'} words of an instruction, in order. */
        private static List<HeredocStart> heredocStarts(String args) {
            List<HeredocStart> result = new ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\\2").matcher(args);
            while (m.find()) {
                if (m.start() > 0 && args.charAt(m.start() - 1) == '<') {
                    continue; // <<< is a here-string, not a heredoc
                }
                result.add(new HeredocStart(m.group(3), !m.group(1).isEmpty(), m.group(2).isEmpty()));
            }
            return result;
        }
    }

    /** An exec-form argument list: a JSON array of strings, or null when the text is not one (then it is the shell form). */
    static final class JsonArray {
        private JsonArray() {
        }

        static List<String> parse(String text) {
            try {
                com.fasterxml.jackson.databind.JsonNode node = dev.cwb.image.Json.mapper().readTree(text);
                if (node == null || !node.isArray()) {
                    return null;
                }
                List<String> out = new ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode n : node) {
                    if (!n.isTextual()) {
                        return null;
                    }
                    out.add(n.asText());
                }
                return out;
            } catch (java.io.IOException | RuntimeException e) {
                return null; // Docker: not valid JSON, so the shell form
            }
        }
    }
}
