package dev.cwb.build;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code .dockerignore}: which files of the build context COPY and ADD never see (docs.docker.com
 * "Build context", moby {@code patternmatcher}). One pattern a line, {@code #} comments, each cleaned and
 * relative to the context's root; {@code *} and {@code ?} match within one path component, {@code **}
 * any number of them; a pattern also matches everything below a directory it matches; a line starting
 * with {@code !} brings matching files back. The last pattern that matches a path decides.
 */
public final class DockerIgnore {
    private record Rule(Pattern regex, boolean exception, String text) {
    }

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    public static final DockerIgnore NONE = new DockerIgnore(List.of());

    public static DockerIgnore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exception = line.startsWith("!");
            if (exception) {
                line = line.substring(1).strip();
            }
            String clean = clean(line);
            if (clean.isEmpty()) {
                continue;
            }
            rules.add(new Rule(Pattern.compile(toRegex(clean)), exception, line));
        }
        return new DockerIgnore(rules);
    }

    /** True when {@code path} (relative to the context, {@code /}-separated) is excluded. */
    public boolean excludes(String path) {
        if (rules.isEmpty()) {
            return false;
        }
        String p = clean(path);
        boolean excluded = false;
        for (Rule r : rules) {
            if (matchesOrParent(r, p)) {
                excluded = !r.exception();
            }
        }
        return excluded;
    }

    /** Whether any exception rule could bring back something below {@code dir}: then its walk must go on. */
    public boolean mayIncludeBelow(String dir) {
        for (Rule r : rules) {
            if (r.exception()) {
                return true;
            }
        }
        return !excludes(dir);
    }

    private static boolean matchesOrParent(Rule r, String p) {
        if (r.regex().matcher(p).matches()) {
            return true;
        }
        // a pattern that matches a directory excludes what is in it (moby's MatchesOrParentMatches)
        int slash = p.lastIndexOf('/');
        while (slash > 0) {
            p = p.substring(0, slash);
            if (r.regex().matcher(p).matches()) {
                return true;
            }
            slash = p.lastIndexOf('/');
        }
        return false;
    }

    /** Go's filepath.Clean, then no leading {@code /} or {@code ./}. */
    static String clean(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /** The pattern as a regular expression over the whole path (moby patternmatcher's compile). */
    static String toRegex(String pattern) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    i += 2;
                    if (i < pattern.length() && pattern.charAt(i) == '/') {
                        i++;
                        re.append("(.*/)?"); // **/ : any number of directories, none included
                    } else {
                        re.append(".*");
                    }
                    continue;
                }
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '[') {
                int end = pattern.indexOf(']', i + 1);
                if (end < 0) {
                    re.append("\\[");
                } else {
                    String cls = pattern.substring(i + 1, end);
                    if (cls.startsWith("^") || cls.startsWith("!")) {
                        cls = "^" + cls.substring(1);
                    }
                    re.append('[').append(cls.replace("\\", "\\\\")).append(']');
                    i = end;
                }
            } else if (c == '\\' && i + 1 < pattern.length()) {
                re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
            i++;
        }
        return re.toString();
    }
}
