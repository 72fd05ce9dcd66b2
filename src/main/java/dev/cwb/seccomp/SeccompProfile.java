package dev.cwb.seccomp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.cwb.CwbException;
import dev.cwb.cli.EditDistance;
import dev.cwb.kernel.Capabilities;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A seccomp profile in Docker's JSON format (moby's {@code profiles/seccomp/default.json}, and what
 * {@code docker run --security-opt seccomp=FILE.json} reads): {@code defaultAction} (with
 * {@code defaultErrnoRet}), {@code architectures} or {@code archMap}, and {@code syscalls[]}, each with
 * {@code names}, {@code action} ({@code errnoRet}), {@code args} (index, value, valueTwo, op) and
 * {@code includes} / {@code excludes} ({@code caps}, {@code arches}, {@code minKernel}). Docker's own
 * default profile is data in the workbench ({@link #dockerDefault()}), not code. Every field is checked
 * when the file is read: a mistake is one line naming the field.
 */
public record SeccompProfile(String source, Action defaultAction, List<String> architectures, List<Rule> rules) {
    /** What a filter does with a call (seccomp(2), "Filter return values"; libseccomp's SCMP_ACT_*). */
    public record Action(Kind kind, int data) {
        public enum Kind { ALLOW, ERRNO, KILL_THREAD, KILL_PROCESS, TRAP, TRACE, LOG }

        public static final Action ALLOW = new Action(Kind.ALLOW, 0);
        public static final Action KILL_PROCESS = new Action(Kind.KILL_PROCESS, 0);

        public static Action errno(int e) {
            return new Action(Kind.ERRNO, e);
        }

        /** The value the filter's {@code ret} returns ({@code SECCOMP_RET_*}, include/uapi/linux/seccomp.h). */
        public int encoded() {
            return switch (kind) {
                case ALLOW -> 0x7fff0000;
                case ERRNO -> 0x00050000 | (data & 0xffff);
                case KILL_THREAD -> 0;
                case KILL_PROCESS -> 0x80000000;
                case TRAP -> 0x00030000 | (data & 0xffff);
                case TRACE -> 0x7ff00000 | (data & 0xffff);
                case LOG -> 0x7ffc0000;
            };
        }

        /** {@code ALLOW}, {@code ERRNO(1)}, as seccomp-tools prints a return value. */
        @Override
        public String toString() {
            return kind == Kind.ERRNO || kind == Kind.TRACE ? kind + "(" + data + ")" : kind.name();
        }

        /** The name of an encoded return value. */
        public static String describe(int ret) {
            int action = ret & 0xffff0000;
            int data = ret & 0xffff;
            return switch (action) {
                case 0x7fff0000 -> "ALLOW";
                case 0x00050000 -> "ERRNO(" + data + ")";
                case 0x00000000 -> "KILL_THREAD";
                case 0x80000000 -> "KILL_PROCESS";
                case 0x00030000 -> "TRAP";
                case 0x7ff00000 -> "TRACE(" + data + ")";
                case 0x7ffc0000 -> "LOG";
                default -> "0x" + Integer.toHexString(ret);
            };
        }
    }

    /** A comparison of one argument (libseccomp's {@code SCMP_CMP_*}; MASKED_EQ: (arg &amp; value) == valueTwo). */
    public record Arg(int index, long value, long valueTwo, Op op) {
        public enum Op { NE, LT, LE, EQ, GE, GT, MASKED_EQ }

        @Override
        public String toString() {
            String a = "args[" + index + "]";
            return switch (op) {
                case MASKED_EQ -> "(" + a + " & 0x" + Long.toHexString(value) + ") == 0x" + Long.toHexString(valueTwo);
                case NE -> a + " != 0x" + Long.toHexString(value);
                case LT -> a + " < 0x" + Long.toHexString(value);
                case LE -> a + " <= 0x" + Long.toHexString(value);
                case EQ -> a + " == 0x" + Long.toHexString(value);
                case GE -> a + " >= 0x" + Long.toHexString(value);
                case GT -> a + " > 0x" + Long.toHexString(value);
            };
        }
    }

    /** {@code includes} or {@code excludes}: capabilities, architectures (Go's names), a kernel version. */
    public record Condition(List<String> caps, List<String> arches, String minKernel) {
        static final Condition NONE = new Condition(List.of(), List.of(), null);
    }

    /** One entry of {@code syscalls[]}. */
    public record Rule(int index, List<String> names, Action action, List<Arg> args, Condition includes,
                       Condition excludes) {
    }

    private static final String[] ACTIONS = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG"};
    private static final String[] ARCHES = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"};
    private static SeccompProfile dockerDefault;

    /** Docker's default profile, as the workbench keeps it (resource {@code default.json}). */
    public static synchronized SeccompProfile dockerDefault() {
        if (dockerDefault == null) {
            try (InputStream in = SeccompProfile.class.getResourceAsStream("default.json")) {
                dockerDefault = parse("Docker's default profile", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return dockerDefault;
    }

    /** A profile read from a file. */
    public static SeccompProfile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw CwbException.io("read seccomp profile " + file, e, "give the path of a JSON file in Docker's seccomp format");
        }
        return parse(file.toString(), text);
    }

    /** Everything allowed but {@code names}, which fail with EPERM (step mode's {@code seccomp load deny ...}). */
    public static SeccompProfile denying(List<String> names) {
        for (String n : names) {
            try {
                checkName(n, "");
            } catch (IllegalArgumentException e) {
                throw CwbException.badInput("seccomp load deny: " + e.getMessage(), "name system calls as strace prints them: mkdir, unshare, keyctl");
            }
        }
        return new SeccompProfile("deny " + String.join(" ", names), Action.ALLOW, List.of(),
                List.of(new Rule(0, List.copyOf(names), Action.errno(1), List.of(), Condition.NONE, Condition.NONE)));
    }

    /** The profile in {@code json}; {@code source} names it in errors. */
    public static SeccompProfile parse(String source, String json) {
        Object tree;
        try (JsonParser p = new JsonFactory().createParser(json)) {
            p.nextToken();
            tree = value(p);
            if (p.nextToken() != null) {
                throw bad(source, "(top)", "text after the JSON object");
            }
        } catch (JsonParseException e) {
            throw CwbException.badInput("seccomp profile " + source + " is not JSON: line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), "check the file's syntax");
        } catch (IOException e) {
            throw CwbException.io("read seccomp profile " + source, e, "check the file");
        }
        if (!(tree instanceof Map<?, ?> top)) {
            throw bad(source, "(top)", "a profile is a JSON object");
        }
        Action defaultAction = action(source, top, "defaultAction", "defaultErrnoRet", "", true);
        List<String> arches = new ArrayList<>();
        for (Object a : list(source, top.get("architectures"), "architectures")) {
            arches.add(arch(source, a, "architectures"));
        }
        List<Object> archMap = list(source, top.get("archMap"), "archMap");
        for (int i = 0; i < archMap.size(); i++) {
            String at = "archMap[" + i + "]";
            Map<?, ?> m = object(source, archMap.get(i), at);
            arches.add(arch(source, m.get("architecture"), at + ".architecture"));
            List<Object> subs = list(source, m.get("subArchitectures"), at + ".subArchitectures");
            for (int j = 0; j < subs.size(); j++) {
                arches.add(arch(source, subs.get(j), at + ".subArchitectures[" + j + "]"));
            }
        }
        SeccompArch host = SeccompArch.current();
        if (!arches.isEmpty() && !arches.contains(host.scmp())) {
            throw bad(source, top.containsKey("architectures") ? "architectures" : "archMap", "this host is "
                    + host.scmp() + ", the profile lists only " + String.join(", ", new java.util.LinkedHashSet<>(arches)));
        }
        List<Rule> rules = new ArrayList<>();
        List<Object> calls = list(source, top.get("syscalls"), "syscalls");
        for (int i = 0; i < calls.size(); i++) {
            String at = "syscalls[" + i + "]";
            Map<?, ?> m = object(source, calls.get(i), at);
            List<String> names = new ArrayList<>();
            if (m.get("name") != null) {
                names.add(string(source, m.get("name"), at + ".name"));
            }
            List<Object> ns = list(source, m.get("names"), at + ".names");
            for (int j = 0; j < ns.size(); j++) {
                names.add(string(source, ns.get(j), at + ".names[" + j + "]"));
            }
            for (int j = 0; j < names.size(); j++) {
                try {
                    checkName(names.get(j), "");
                } catch (IllegalArgumentException e) {
                    throw bad(source, at + ".names[" + j + "]", e.getMessage());
                }
            }
            if (names.isEmpty()) {
                throw bad(source, at + ".names", "names no system call");
            }
            Action action = action(source, m, "action", "errnoRet", at + ".", false);
            List<Arg> args = new ArrayList<>();
            List<Object> as = list(source, m.get("args"), at + ".args");
            for (int j = 0; j < as.size(); j++) {
                args.add(arg(source, as.get(j), at + ".args[" + j + "]"));
            }
            rules.add(new Rule(i, List.copyOf(names), action, List.copyOf(args), condition(source, m.get("includes"), at + ".includes"),
                    condition(source, m.get("excludes"), at + ".excludes")));
        }
        return new SeccompProfile(source, defaultAction, List.copyOf(arches), List.copyOf(rules));
    }

    private static void checkName(String name, String field) {
        if (SyscallTable.known(name)) {
            return;
        }
        String best = null;
        int bestDistance = 3;
        for (String n : SyscallTable.allNames()) {
            int d = EditDistance.between(name, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        throw new IllegalArgumentException("no system call '" + name + "' on any architecture"
                + (best != null ? " (did you mean " + best + "?)" : ""));
    }

    private static Action action(String source, Map<?, ?> m, String field, String errnoField, String at, boolean required) {
        Object v = m.get(field);
        if (v == null) {
            throw bad(source, at + field, "missing (one of " + String.join(", ", ACTIONS) + ")");
        }
        String name = string(source, v, at + field);
        Object e = m.get(errnoField);
        int errno = e == null ? 1 : (int) number(source, e, at + errnoField, 0, 4095);
        return switch (name) {
            case "SCMP_ACT_ALLOW" -> Action.ALLOW;
            case "SCMP_ACT_ERRNO" -> Action.errno(errno);
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> new Action(Action.Kind.KILL_THREAD, 0);
            case "SCMP_ACT_KILL_PROCESS" -> Action.KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> new Action(Action.Kind.TRAP, 0);
            case "SCMP_ACT_TRACE" -> new Action(Action.Kind.TRACE, errno);
            case "SCMP_ACT_LOG" -> new Action(Action.Kind.LOG, 0);
            case "SCMP_ACT_NOTIFY" -> throw bad(source, at + field, "SCMP_ACT_NOTIFY needs a supervisor listening on the "
                    + "filter's descriptor, which the workbench does not run");
            default -> throw bad(source, at + field, "unknown action '" + name + "' (one of " + String.join(", ", ACTIONS) + ")");
        };
    }

    private static Arg arg(String source, Object v, String at) {
        Map<?, ?> m = object(source, v, at);
        int index = (int) number(source, m.get("index"), at + ".index", 0, 5);
        long value = m.get("value") == null ? 0 : number(source, m.get("value"), at + ".value", Long.MIN_VALUE, Long.MAX_VALUE);
        long two = m.get("valueTwo") == null ? 0 : number(source, m.get("valueTwo"), at + ".valueTwo", Long.MIN_VALUE, Long.MAX_VALUE);
        String op = string(source, m.get("op"), at + ".op");
        if (!op.startsWith("SCMP_CMP_")) {
            throw bad(source, at + ".op", "unknown comparison '" + op + "' (SCMP_CMP_EQ, NE, LT, LE, GE, GT, MASKED_EQ)");
        }
        try {
            return new Arg(index, value, two, Arg.Op.valueOf(op.substring("SCMP_CMP_".length())));
        } catch (IllegalArgumentException e) {
            throw bad(source, at + ".op", "unknown comparison '" + op + "' (SCMP_CMP_EQ, NE, LT, LE, GE, GT, MASKED_EQ)");
        }
    }

    private static Condition condition(String source, Object v, String at) {
        if (v == null) {
            return Condition.NONE;
        }
        Map<?, ?> m = object(source, v, at);
        List<String> caps = new ArrayList<>();
        List<Object> cs = list(source, m.get("caps"), at + ".caps");
        for (int i = 0; i < cs.size(); i++) {
            String c = string(source, cs.get(i), at + ".caps[" + i + "]");
            if (Capabilities.number(c) < 0) {
                throw bad(source, at + ".caps[" + i + "]", "unknown capability '" + c + "'");
            }
            caps.add(c.toUpperCase(Locale.ROOT).startsWith("CAP_") ? c.toUpperCase(Locale.ROOT) : "CAP_" + c.toUpperCase(Locale.ROOT));
        }
        List<String> arches = new ArrayList<>();
        List<Object> as = list(source, m.get("arches"), at + ".arches");
        for (int i = 0; i < as.size(); i++) {
            arches.add(string(source, as.get(i), at + ".arches[" + i + "]"));
        }
        String minKernel = m.get("minKernel") == null ? null : string(source, m.get("minKernel"), at + ".minKernel");
        if (minKernel != null && !minKernel.matches("\\d+\\.\\d+")) {
            throw bad(source, at + ".minKernel", "a kernel version is MAJOR.MINOR, like 4.8");
        }
        return new Condition(List.copyOf(caps), List.copyOf(arches), minKernel);
    }

    private static String arch(String source, Object v, String at) {
        String a = string(source, v, at);
        for (String known : ARCHES) {
            if (known.equals(a)) {
                return a;
            }
        }
        throw bad(source, at, "unknown architecture '" + a + "' (SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, ...)");
    }

    private static Map<?, ?> object(String source, Object v, String at) {
        if (v instanceof Map<?, ?> m) {
            return m;
        }
        throw bad(source, at, "must be an object");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(String source, Object v, String at) {
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw bad(source, at, "must be a list");
    }

    private static String string(String source, Object v, String at) {
        if (v instanceof String s) {
            return s;
        }
        throw bad(source, at, v == null ? "missing" : "must be a string");
    }

    private static long number(String source, Object v, String at, long min, long max) {
        if (v instanceof Long n && n >= min && n <= max) {
            return n;
        }
        if (v instanceof java.math.BigInteger b && b.bitLength() <= 64 && min == Long.MIN_VALUE) {
            return b.longValue(); // values up to 2^64-1, as Go's uint64 reads them
        }
        throw bad(source, at, v == null ? "missing" : "must be a whole number" + (min == 0 ? " from 0 to " + max : ""));
    }

    private static CwbException bad(String source, String field, String why) {
        return CwbException.badInput("seccomp profile " + source + ": " + field + ": " + why,
                "see Docker's format: defaultAction, syscalls[] with names, action, args, includes, excludes");
    }

    /** A JSON value as Map, List, String, Long (or BigInteger), Boolean or null, read with the streaming API. */
    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new JsonParseException(p, "no JSON value");
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    m.put(k, value(p));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return t == JsonToken.VALUE_TRUE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new JsonParseException(p, "unexpected " + t);
        }
    }
}
