package dev.cwb.seccomp;

import dev.cwb.kernel.Capabilities;
import dev.cwb.kernel.ClassicBpf;
import dev.cwb.seccomp.SeccompProfile.Action;
import dev.cwb.seccomp.SeccompProfile.Arg;
import dev.cwb.seccomp.SeccompProfile.Condition;
import dev.cwb.seccomp.SeccompProfile.Rule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A profile compiled for one architecture and one set of capabilities: which rule applies to each system
 * call, and the classic-BPF program that says so ({@link ClassicBpf}).
 *
 * <p><b>Which entries count</b> is decided as Docker decides when it turns its profile into the OCI
 * config runc is given (moby {@code profiles/seccomp/seccomp_linux.go}): an entry is skipped when its
 * {@code excludes.arches} has this architecture or its {@code includes.arches} does not; when any of its
 * {@code excludes.caps} is in the container's capabilities, or one of its {@code includes.caps} is not; and
 * by {@code minKernel}. A name this architecture has no call for is skipped, as runc skips it. So the
 * filter of a container that keeps CAP_SYS_ADMIN allows {@code mount} and {@code unshare}, and one that
 * drops it does not.
 *
 * <p><b>The program</b> checks {@code seccomp_data.arch} first — another architecture's numbers mean other
 * calls, so such a call (i386's {@code int 0x80}, or an x32 number on x86_64) kills the process; Docker's
 * profile also allows those ABIs, the workbench compiles only the native table — then finds the call's
 * number by binary search over the ranges of numbers with one outcome ({@code jge}, and a {@code ja} where a
 * subtree is longer than a conditional jump reaches), and for a call with argument rules tests them in the
 * profile's order: each rule a conjunction of 64-bit comparisons made of two 32-bit halves (as libseccomp
 * does on 64-bit machines), the first rule that holds giving its action, then the call's unconditional rule
 * if it has one, else the default. Rules with the same argument index twice are alternatives, as runc
 * makes them.
 */
public record SeccompFilter(String source, SeccompArch arch, Action defaultAction, Map<Integer, Call> calls,
                            List<String> skipped, ClassicBpf.Program program) {
    /** What the filter does with one call: argument rules in order, then {@code otherwise}. */
    public record Call(int nr, String name, List<Conditional> conditional, Action otherwise) {
        /** One line: {@code personality: ALLOW if args[0] == 0x0; ... otherwise ERRNO(1)}. */
        public String describe() {
            if (conditional.isEmpty()) {
                return name + ": " + otherwise;
            }
            List<String> parts = new ArrayList<>();
            for (Conditional c : conditional) {
                List<String> conds = c.args().stream().map(Arg::toString).toList();
                parts.add(c.action() + " if " + String.join(" && ", conds));
            }
            return name + ": " + String.join("; ", parts) + "; otherwise " + otherwise;
        }
    }

    /** A conjunction of argument comparisons and what it leads to. */
    public record Conditional(List<Arg> args, Action action) {
    }

    private static final Map<String, SeccompFilter> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code profile} for {@code arch}, for a process whose bounding set is {@code caps} (a bit per capability),
     * on a kernel of version {@code kernel} ({@code 6.1}). Compiled filters are kept: a profile is a value.
     */
    public static SeccompFilter compile(SeccompProfile profile, SeccompArch arch, long caps, String kernel) {
        String key = System.identityHashCode(profile) + "/" + arch + "/" + caps + "/" + kernel;
        SeccompFilter f = CACHE.get(key);
        if (f != null && f.source().equals(profile.source())) {
            return f;
        }
        f = build(profile, arch, caps, kernel);
        if (profile == SeccompProfile.dockerDefault()) {
            CACHE.put(key, f);
        }
        return f;
    }

    /** {@link #compile} for this machine's architecture and kernel. */
    public static SeccompFilter compile(SeccompProfile profile, long caps) {
        return compile(profile, SeccompArch.current(), caps, System.getProperty("os.version", "0.0"));
    }

    private static SeccompFilter build(SeccompProfile profile, SeccompArch arch, long caps, String kernel) {
        SyscallTable table = SyscallTable.of(arch);
        Set<String> capNames = new LinkedHashSet<>();
        for (int i = 0; i < 64; i++) {
            if ((caps & (1L << i)) != 0) {
                capNames.add(Capabilities.name(i));
            }
        }
        Map<Integer, List<Conditional>> conditional = new TreeMap<>();
        Map<Integer, Action> unconditional = new TreeMap<>();
        Set<String> skipped = new LinkedHashSet<>();
        for (Rule r : profile.rules()) {
            if (!applies(r, arch, capNames, kernel)) {
                continue;
            }
            for (String name : r.names()) {
                int nr = table.number(name);
                if (nr < 0) {
                    skipped.add(name);
                    continue;
                }
                if (r.args().isEmpty()) {
                    unconditional.putIfAbsent(nr, r.action());
                } else {
                    List<Conditional> list = conditional.computeIfAbsent(nr, k -> new ArrayList<>());
                    if (repeatsAnIndex(r.args())) {
                        r.args().forEach(a -> list.add(new Conditional(List.of(a), r.action())));
                    } else {
                        list.add(new Conditional(r.args(), r.action()));
                    }
                }
            }
        }
        Map<Integer, Call> calls = new TreeMap<>();
        Set<Integer> nrs = new java.util.TreeSet<>(unconditional.keySet());
        nrs.addAll(conditional.keySet());
        for (int nr : nrs) {
            Action otherwise = unconditional.getOrDefault(nr, profile.defaultAction());
            List<Conditional> conds = unconditional.containsKey(nr) ? List.of() : conditional.getOrDefault(nr, List.of());
            if (conds.isEmpty() && otherwise.equals(profile.defaultAction())) {
                continue; // the same as no rule
            }
            calls.put(nr, new Call(nr, table.name(nr), List.copyOf(conds), otherwise));
        }
        ClassicBpf.Program program = assemble(arch, profile.defaultAction(), calls);
        return new SeccompFilter(profile.source(), arch, profile.defaultAction(), java.util.Collections.unmodifiableMap(calls),
                List.copyOf(skipped), program);
    }

    private static boolean applies(Rule r, SeccompArch arch, Set<String> caps, String kernel) {
        Condition in = r.includes();
        Condition ex = r.excludes();
        if (ex.arches().contains(arch.goArch()) || (!in.arches().isEmpty() && !in.arches().contains(arch.goArch()))) {
            return false;
        }
        for (String c : ex.caps()) {
            if (caps.contains(c)) {
                return false;
            }
        }
        for (String c : in.caps()) {
            if (!caps.contains(c)) {
                return false;
            }
        }
        if (ex.minKernel() != null && compareKernel(kernel, ex.minKernel()) >= 0) {
            return false;
        }
        return in.minKernel() == null || compareKernel(kernel, in.minKernel()) >= 0;
    }

    /** Compares "6.18.44-foo" with "4.8" by major, then minor. */
    static int compareKernel(String running, String wanted) {
        int[] a = majorMinor(running);
        int[] b = majorMinor(wanted);
        return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
    }

    private static int[] majorMinor(String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(v);
        return m.find() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : new int[] {0, 0};
    }

    private static boolean repeatsAnIndex(List<Arg> args) {
        Set<Integer> seen = new java.util.HashSet<>();
        for (Arg a : args) {
            if (!seen.add(a.index())) {
                return true;
            }
        }
        return false;
    }

    /** The number of the call a program's return decides, the outcome of each range of numbers. */
    private record Segment(long start, Call call, Action action) {
    }

    private static ClassicBpf.Program assemble(SeccompArch arch, Action defaultAction, Map<Integer, Call> calls) {
        List<Segment> segments = new ArrayList<>();
        long next = 0;
        for (Call c : calls.values()) {
            if (c.nr() > next) {
                add(segments, new Segment(next, null, defaultAction));
            }
            add(segments, c.conditional().isEmpty() ? new Segment(c.nr(), null, c.otherwise()) : new Segment(c.nr(), c, null));
            next = c.nr() + 1L;
        }
        add(segments, new Segment(next, null, defaultAction));
        ClassicBpf.Builder b = new ClassicBpf.Builder();
        b.load(4); // seccomp_data.arch
        b.jump(ClassicBpf.JEQ, arch.audit(), "native", null);
        b.ret(Action.KILL_PROCESS.encoded());
        b.label("native");
        b.load(0); // seccomp_data.nr
        if (arch == SeccompArch.X86_64) {
            b.jump(ClassicBpf.JGE, SeccompArch.X32_SYSCALL_BIT, null, "not-x32");
            b.ret(Action.KILL_PROCESS.encoded());
            b.label("not-x32");
        }
        append(b, tree(segments, 0, segments.size() - 1, defaultAction));
        ClassicBpf.Program p = b.build();
        if (p.size() > ClassicBpf.MAX_INSNS) {
            throw dev.cwb.CwbException.badInput("the seccomp filter would be " + p.size() + " instructions; the kernel takes at most "
                    + ClassicBpf.MAX_INSNS, "make the profile smaller");
        }
        return p;
    }

    private static void add(List<Segment> segments, Segment s) {
        if (!segments.isEmpty()) {
            Segment last = segments.get(segments.size() - 1);
            if (last.call() == null && s.call() == null && last.action().equals(s.action())) {
                return; // the range goes on
            }
        }
        segments.add(s);
    }

    /** The search over segments lo..hi, with the number in A, as a program of its own (relative jumps). */
    private static ClassicBpf.Program tree(List<Segment> segments, int lo, int hi, Action defaultAction) {
        if (lo == hi) {
            return leaf(segments.get(lo), defaultAction);
        }
        int mid = (lo + hi + 1) / 2;
        ClassicBpf.Program right = tree(segments, mid, hi, defaultAction);
        ClassicBpf.Program left = tree(segments, lo, mid - 1, defaultAction);
        ClassicBpf.Builder b = new ClassicBpf.Builder();
        int k = (int) segments.get(mid).start();
        if (right.size() <= 255) {
            b.jump(ClassicBpf.JGE, k, null, "left");
        } else {
            b.jump(ClassicBpf.JGE, k, "right", null);
            b.jumpTo("left");
            b.label("right");
        }
        append(b, right);
        b.label("left");
        append(b, left);
        return b.build();
    }

    private static ClassicBpf.Program leaf(Segment s, Action defaultAction) {
        ClassicBpf.Builder b = new ClassicBpf.Builder();
        if (s.call() == null) {
            return b.ret(s.action().encoded()).build();
        }
        for (Conditional c : s.call().conditional()) {
            String fail = b.newLabel("next");
            for (Arg a : c.args()) {
                compare(b, a, fail);
            }
            b.ret(c.action().encoded());
            b.label(fail);
        }
        b.ret(s.call().otherwise().encoded());
        return b.build();
    }

    /** Falls through when {@code a} holds for the 64-bit argument, jumps to {@code fail} when not. */
    private static void compare(ClassicBpf.Builder b, Arg a, String fail) {
        int lo = 16 + 8 * a.index();
        int hi = lo + 4;
        int vHi = (int) (a.value() >>> 32);
        int vLo = (int) a.value();
        String pass = b.newLabel("pass");
        switch (a.op()) {
            case EQ -> {
                b.load(hi).jump(ClassicBpf.JEQ, vHi, null, fail);
                b.load(lo).jump(ClassicBpf.JEQ, vLo, null, fail);
            }
            case NE -> {
                b.load(hi).jump(ClassicBpf.JEQ, vHi, null, pass);
                b.load(lo).jump(ClassicBpf.JEQ, vLo, fail, null);
            }
            case MASKED_EQ -> {
                b.load(hi).and(vHi).jump(ClassicBpf.JEQ, (int) (a.valueTwo() >>> 32), null, fail);
                b.load(lo).and(vLo).jump(ClassicBpf.JEQ, (int) a.valueTwo(), null, fail);
            }
            case GT, GE -> {
                b.load(hi).jump(ClassicBpf.JGT, vHi, pass, null).jump(ClassicBpf.JEQ, vHi, null, fail);
                b.load(lo).jump(a.op() == Arg.Op.GT ? ClassicBpf.JGT : ClassicBpf.JGE, vLo, null, fail);
            }
            case LT, LE -> {
                b.load(hi).jump(ClassicBpf.JGT, vHi, fail, null).jump(ClassicBpf.JEQ, vHi, null, pass);
                b.load(lo).jump(a.op() == Arg.Op.LT ? ClassicBpf.JGE : ClassicBpf.JGT, vLo, fail, null);
            }
        }
        b.label(pass);
    }

    private static void append(ClassicBpf.Builder b, ClassicBpf.Program p) {
        b.append(p);
    }

    /** What the filter does with number {@code nr} and these arguments, read from the rules (not the program). */
    public Action decide(int nr, long... args) {
        Call c = calls.get(nr);
        if (c == null) {
            return defaultAction;
        }
        for (Conditional cond : c.conditional()) {
            boolean all = true;
            for (Arg a : cond.args()) {
                long v = a.index() < args.length ? args[a.index()] : 0;
                all &= switch (a.op()) {
                    case EQ -> v == a.value();
                    case NE -> v != a.value();
                    case MASKED_EQ -> (v & a.value()) == a.valueTwo();
                    case GT -> Long.compareUnsigned(v, a.value()) > 0;
                    case GE -> Long.compareUnsigned(v, a.value()) >= 0;
                    case LT -> Long.compareUnsigned(v, a.value()) < 0;
                    case LE -> Long.compareUnsigned(v, a.value()) <= 0;
                };
            }
            if (all) {
                return cond.action();
            }
        }
        return c.otherwise();
    }

    /** The calls the filter allows outright, by name. */
    public List<String> allowed() {
        return calls.values().stream().filter(c -> c.conditional().isEmpty() && c.otherwise().equals(Action.ALLOW))
                .map(Call::name).toList();
    }

    /**
     * The filter as rules a person reads: the default, the calls allowed outright (wrapped), every other rule
     * on a line of its own, and the names skipped because this architecture lacks them.
     */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("Seccomp filter from " + source + ", for " + arch.name().toLowerCase(java.util.Locale.ROOT) + ": "
                + program.size() + " BPF instructions.");
        lines.add("  other architectures (i386, x32 on x86_64): KILL_PROCESS");
        List<String> allowed = allowed();
        if (defaultAction.equals(Action.ALLOW)) {
            lines.add("  default: ALLOW");
        } else {
            lines.add("  ALLOW (" + allowed.size() + " calls):");
            StringBuilder line = new StringBuilder("   ");
            for (String n : allowed) {
                if (line.length() + n.length() + 1 > 100) {
                    lines.add(line.toString());
                    line = new StringBuilder("   ");
                }
                line.append(' ').append(n);
            }
            if (line.length() > 3) {
                lines.add(line.toString());
            }
        }
        Map<String, List<String>> others = new LinkedHashMap<>();
        for (Call c : calls.values()) {
            if (!(c.conditional().isEmpty() && c.otherwise().equals(Action.ALLOW))) {
                lines.add("  " + c.describe());
            }
        }
        others.clear();
        if (!defaultAction.equals(Action.ALLOW)) {
            lines.add("  every other call: " + defaultAction + describeErrno(defaultAction));
        }
        if (!skipped.isEmpty()) {
            lines.add("  not on " + arch.name().toLowerCase(java.util.Locale.ROOT) + " (skipped): " + String.join(" ", skipped));
        }
        return lines;
    }

    private static String describeErrno(Action a) {
        return a.kind() == Action.Kind.ERRNO ? " (" + dev.cwb.kernel.Errno.name(a.data()) + ")" : "";
    }

    /** A load's offset in {@code struct seccomp_data}, by name. */
    public static String offsetName(int offset) {
        if (offset == 0) {
            return "sys_number";
        }
        if (offset == 4) {
            return "arch";
        }
        if (offset == 8 || offset == 12) {
            return offset == 8 ? "instruction_pointer" : "instruction_pointer >> 32";
        }
        int i = (offset - 16) / 8;
        return (offset % 8 == 0) ? "args[" + i + "]" : "args[" + i + "] >> 32";
    }

    /** The program, instruction by instruction ({@code seccomp show --bpf}). */
    public List<String> listing() {
        return program.listing(SeccompFilter::offsetName, Action::describe);
    }
}
