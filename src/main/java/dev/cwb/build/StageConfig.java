package dev.cwb.build;

import dev.cwb.CwbException;
import dev.cwb.image.ImageConfig.RunConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The run settings an image's config carries, being changed instruction by instruction: what Docker's
 * builder does for ENV, LABEL, CMD, ENTRYPOINT, USER, WORKDIR, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK,
 * ONBUILD, SHELL and MAINTAINER (moby/buildkit {@code frontend/dockerfile/dockerfile2llb}), and what
 * {@code commit --change} applies. Each method returns the text of the history's {@code created_by} for
 * the instruction, as BuildKit writes it.
 */
public final class StageConfig {
    public static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

    String user;
    final List<String> env = new ArrayList<>();
    List<String> entrypoint;
    List<String> cmd;
    String workingDir;
    final Map<String, String> labels = new TreeMap<>();
    final Map<String, Object> exposedPorts = new TreeMap<>();
    final Map<String, Object> volumes = new TreeMap<>();
    String stopSignal;
    Map<String, Object> healthcheck;
    final List<String> onBuild = new ArrayList<>();
    List<String> shell;
    String author;

    /** The settings of a base image (empty for scratch). */
    public static StageConfig of(RunConfig c) {
        StageConfig s = new StageConfig();
        if (c == null) {
            return s;
        }
        s.user = c.user();
        if (c.env() != null) {
            s.env.addAll(c.env());
        }
        s.entrypoint = c.entrypoint();
        s.cmd = c.cmd();
        s.workingDir = c.workingDir();
        if (c.labels() != null) {
            s.labels.putAll(c.labels());
        }
        if (c.exposedPorts() != null) {
            s.exposedPorts.putAll(c.exposedPorts());
        }
        if (c.volumes() != null) {
            s.volumes.putAll(c.volumes());
        }
        s.stopSignal = c.stopSignal();
        s.healthcheck = c.healthcheck();
        s.shell = c.shell();
        // a base image's ONBUILD triggers run in the stage built FROM it and are not inherited (Docker)
        return s;
    }

    public RunConfig toRunConfig() {
        return new RunConfig(empty(user), env.isEmpty() ? null : List.copyOf(env), entrypoint, cmd, empty(workingDir),
                labels.isEmpty() ? null : new TreeMap<>(labels), exposedPorts.isEmpty() ? null : new TreeMap<>(exposedPorts),
                volumes.isEmpty() ? null : new TreeMap<>(volumes), stopSignal, healthcheck,
                onBuild.isEmpty() ? null : List.copyOf(onBuild), shell);
    }

    public String author() {
        return author;
    }

    /** The shell RUN, CMD and ENTRYPOINT use in shell form. */
    public List<String> shell() {
        return shell != null && !shell.isEmpty() ? shell : DEFAULT_SHELL;
    }

    public String workingDir() {
        return workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
    }

    public String user() {
        return user;
    }

    /** The environment as a map, later entries winning. */
    public Map<String, String> envMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            m.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return m;
    }

    public List<String> env() {
        return List.copyOf(env);
    }

    public void setEnv(String name, String value) {
        String prefix = name + "=";
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).startsWith(prefix) || env.get(i).equals(name)) {
                env.set(i, prefix + value);
                return;
            }
        }
        env.add(prefix + value);
    }

    /**
     * Applies a config instruction; {@code vars} answers the variables substitution may use (the stage's
     * ENV and its ARGs), null for unset ones. Returns BuildKit's {@code created_by} for it.
     */
    public String apply(Dockerfile.Instruction ins, char escape, Function<String, String> vars) {
        String k = ins.keyword();
        switch (k) {
            case "ENV" -> {
                List<String[]> pairs = pairs(ins, escape, vars, true);
                StringBuilder by = new StringBuilder("ENV");
                for (String[] p : pairs) {
                    setEnv(p[0], p[1]);
                    by.append(' ').append(p[0]).append('=').append(p[1]);
                }
                return by.toString();
            }
            case "LABEL" -> {
                StringBuilder by = new StringBuilder("LABEL");
                for (String[] p : pairs(ins, escape, vars, false)) {
                    labels.put(p[0], p[1]);
                    by.append(' ').append(p[0]).append('=').append(p[1]);
                }
                return by.toString();
            }
            case "MAINTAINER" -> {
                author = ShellWords.word(ins.args(), escape, vars);
                return "MAINTAINER " + author;
            }
            case "CMD" -> {
                cmd = command(ins);
                return "CMD " + goQuoted(cmd);
            }
            case "ENTRYPOINT" -> {
                entrypoint = command(ins);
                cmd = null; // Docker: a new ENTRYPOINT drops the CMD the base image set
                return "ENTRYPOINT " + goQuoted(entrypoint);
            }
            case "USER" -> {
                user = ShellWords.word(ins.args(), escape, vars);
                requireValue(ins, user);
                return "USER " + user;
            }
            case "WORKDIR" -> {
                String dir = ShellWords.word(ins.args(), escape, vars);
                requireValue(ins, dir);
                workingDir = resolveWorkdir(workingDir(), dir);
                return "WORKDIR " + workingDir;
            }
            case "EXPOSE" -> {
                List<String> ports = new ArrayList<>();
                for (String p : ShellWords.words(ins.args(), escape, vars)) {
                    String port = p.contains("/") ? p.toLowerCase(Locale.ROOT) : p + "/tcp";
                    if (!port.matches("\\d+(-\\d+)?/(tcp|udp|sctp)")) {
                        throw CwbException.badInput("EXPOSE: invalid port '" + p + "'", "write a port such as 80 or 53/udp");
                    }
                    exposedPorts.put(port, Map.of());
                    ports.add(port);
                }
                return "EXPOSE map[" + String.join(" ", ports.stream().map(x -> x + ":{}").toList()) + "]";
            }
            case "VOLUME" -> {
                List<String> vs = ins.isExecForm() ? expandEach(ins.execForm(), escape, vars) : ShellWords.words(ins.args(), escape, vars);
                for (String v : vs) {
                    volumes.put(v, Map.of());
                }
                return "VOLUME [" + String.join(" ", vs) + "]";
            }
            case "STOPSIGNAL" -> {
                stopSignal = ShellWords.word(ins.args(), escape, vars);
                requireValue(ins, stopSignal);
                return "STOPSIGNAL " + stopSignal;
            }
            case "SHELL" -> {
                if (!ins.isExecForm() || ins.execForm().isEmpty()) {
                    throw CwbException.badInput("SHELL requires the arguments to be in JSON form", "write e.g. SHELL [\"/bin/sh\", \"-c\"]");
                }
                shell = List.copyOf(ins.execForm());
                return "SHELL [" + String.join(" ", shell) + "]";
            }
            case "ONBUILD" -> {
                Dockerfile.Instruction trigger = Dockerfile.parseLine("ONBUILD", ins.args());
                if (List.of("ONBUILD", "FROM", "MAINTAINER").contains(trigger.keyword())) {
                    throw CwbException.badInput(trigger.keyword() + " isn't allowed as an ONBUILD trigger", null);
                }
                onBuild.add(ins.args());
                return "ONBUILD " + ins.args();
            }
            case "HEALTHCHECK" -> {
                healthcheck = healthcheck(ins);
                return "HEALTHCHECK " + describeHealthcheck();
            }
            default -> throw new IllegalArgumentException(k + " is not a config instruction");
        }
    }

    /** CMD / ENTRYPOINT: the exec form as it is, the shell form through the stage's shell. */
    private List<String> command(Dockerfile.Instruction ins) {
        if (ins.isExecForm()) {
            return List.copyOf(ins.execForm());
        }
        List<String> c = new ArrayList<>(shell());
        c.add(ins.args());
        return c;
    }

    private Map<String, Object> healthcheck(Dockerfile.Instruction ins) {
        String args = ins.args();
        if (args.equalsIgnoreCase("NONE")) {
            return new LinkedHashMap<>(Map.of("Test", List.of("NONE")));
        }
        if (!args.toUpperCase(Locale.ROOT).startsWith("CMD")) {
            throw CwbException.badInput("HEALTHCHECK: expected NONE or CMD, got '" + args + "'", "write HEALTHCHECK [OPTIONS] CMD command");
        }
        String rest = args.substring(3).strip();
        List<String> exec = rest.startsWith("[") ? Dockerfile.JsonArray.parse(rest) : null;
        List<String> test = new ArrayList<>();
        if (exec != null) {
            test.add("CMD");
            test.addAll(exec);
        } else {
            test.add("CMD-SHELL");
            test.add(rest);
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("Test", test);
        putDuration(h, "Interval", ins.flag("interval"));
        putDuration(h, "Timeout", ins.flag("timeout"));
        putDuration(h, "StartPeriod", ins.flag("start-period"));
        putDuration(h, "StartInterval", ins.flag("start-interval"));
        if (ins.flag("retries") != null) {
            h.put("Retries", Integer.parseInt(ins.flag("retries")));
        }
        return h;
    }

    private String describeHealthcheck() {
        @SuppressWarnings("unchecked")
        List<String> test = (List<String>) healthcheck.get("Test");
        return goQuoted(test);
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 500ms}) as nanoseconds, as Docker stores it. */
    private static void putDuration(Map<String, Object> h, String key, String value) {
        if (value == null) {
            return;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)").matcher(value);
        double ns = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            ns += n * switch (m.group(2)) {
                case "ns" -> 1;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            end = m.end();
        }
        if (end != value.length() || value.isEmpty()) {
            throw CwbException.badInput("HEALTHCHECK: '" + value + "' is not a duration", "write e.g. 30s, 1m30s or 500ms");
        }
        h.put(key, (long) ns);
    }

    /** {@code KEY=VALUE ...}, or the legacy {@code ENV KEY VALUE} (one pair, the rest of the line the value). */
    private static List<String[]> pairs(Dockerfile.Instruction ins, char escape, Function<String, String> vars, boolean legacyAllowed) {
        List<String[]> result = new ArrayList<>();
        String args = ins.args();
        List<String> raw = ShellWords.words(args, escape, name -> null); // split first, to see the shape
        if (raw.isEmpty()) {
            throw CwbException.badInput(ins.keyword() + " requires at least one argument", null);
        }
        if (!raw.get(0).contains("=")) {
            if (!legacyAllowed) {
                throw CwbException.badInput(ins.keyword() + " requires KEY=VALUE pairs, got '" + raw.get(0) + "'", "write "
                        + ins.keyword() + " key=value");
            }
            String[] kv = args.strip().split("\\s+", 2);
            if (kv.length < 2) {
                throw CwbException.badInput("ENV must have two arguments: ENV " + args, "write ENV NAME=VALUE");
            }
            result.add(new String[] {kv[0], ShellWords.word(kv[1].strip(), escape, vars)});
            return result;
        }
        for (String w : splitKeepingQuotes(args, escape)) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw CwbException.badInput(ins.keyword() + ": '" + w + "' is not KEY=VALUE", "write " + ins.keyword() + " key=value");
            }
            String key = ShellWords.word(w.substring(0, eq), escape, vars);
            // ENV a=1 b=$a: every value is substituted with the variables as they were before this line, so b
            // gets the old a (the Dockerfile reference's "ENV abc=bye def=$abc" example)
            String value = ShellWords.word(w.substring(eq + 1), escape, vars);
            result.add(new String[] {key, value});
        }
        return result;
    }

    /** Splits at blanks outside quotes, keeping the quotes and escapes for {@link ShellWords#word}. */
    static List<String> splitKeepingQuotes(String s, char escape) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == escape && i + 1 < s.length() && quote != '\'') {
                w.append(c).append(s.charAt(++i));
                continue;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                w.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                w.append(c);
            } else if (Character.isWhitespace(c)) {
                if (w.length() > 0) {
                    out.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(c);
            }
        }
        if (w.length() > 0) {
            out.add(w.toString());
        }
        return out;
    }

    static List<String> expandEach(List<String> words, char escape, Function<String, String> vars) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            out.add(ShellWords.word(w, escape, vars));
        }
        return out;
    }

    /** WORKDIR's path: absolute as given, or relative to the one before (Docker), cleaned. */
    public static String resolveWorkdir(String current, String dir) {
        String joined = dir.startsWith("/") ? dir : (current.endsWith("/") ? current : current + "/") + dir;
        java.nio.file.Path p = java.nio.file.Path.of(joined).normalize();
        String s = p.toString();
        return s.isEmpty() ? "/" : s;
    }

    private static void requireValue(Dockerfile.Instruction ins, String v) {
        if (v == null || v.isEmpty()) {
            throw CwbException.badInput(ins.keyword() + " requires exactly one argument", null);
        }
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * A list as Go's {@code fmt.Sprintf("%q", list)} prints it, which is how BuildKit writes CMD and
     * ENTRYPOINT into the history: {@code ["sh"]}, {@code ["/bin/sh" "-c" "echo hi"]}.
     */
    static String goQuoted(List<String> list) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                b.append(' ');
            }
            b.append('"');
            for (int j = 0; j < list.get(i).length(); j++) {
                char c = list.get(i).charAt(j);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    case '\r' -> b.append("\\r");
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            b.append(String.format("\\x%02x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }
        return b.append(']').toString();
    }
}
