package dev.cwb.build;

import dev.cwb.CwbException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The stages of a Dockerfile and which of them a build needs: the ARGs before the first FROM (usable in
 * FROM lines, and re-declared inside a stage to be used there), each stage's base with those ARGs
 * substituted, its name ({@code AS name}, case-insensitive), and — as BuildKit does — only the stages the
 * target needs: the target itself (the last stage unless {@code --target}), and every stage it is built
 * FROM or copies from, transitively.
 */
final class StagePlan {
    /** One stage: name (or null), base image or stage, and its instructions, FROM first. */
    static final class PlannedStage {
        private final String name;
        private final String base;
        private final boolean baseIsStage;
        private final List<Dockerfile.Instruction> instructions;
        private final StagePlan plan;

        PlannedStage(String name, String base, boolean baseIsStage, List<Dockerfile.Instruction> instructions, StagePlan plan) {
            this.name = name;
            this.base = base;
            this.baseIsStage = baseIsStage;
            this.instructions = new ArrayList<>(instructions);
            this.plan = plan;
        }

        String name() {
            return name;
        }

        String base() {
            return base;
        }

        boolean baseIsStage() {
            return baseIsStage;
        }

        List<Dockerfile.Instruction> instructions() {
            return instructions;
        }

        /** The base image's ONBUILD triggers, run right after FROM as if written there (Docker). */
        void addTriggers(List<String> triggers, Dockerfile.Instruction from) {
            List<Dockerfile.Instruction> parsed = new ArrayList<>();
            for (String t : triggers) {
                Dockerfile.Instruction ins = Dockerfile.parseLine("ONBUILD trigger of " + base, t);
                parsed.add(new Dockerfile.Instruction(ins.keyword(), from.line(), from.endLine(), ins.flags(), ins.args(), ins.execForm(),
                        ins.heredocs(), t + "  (ONBUILD of " + base + ")"));
            }
            instructions.addAll(1, parsed); // counted from here on by stepCount()
        }

        /** An ARG line's names and values: a --build-arg wins, then the line's default, then a global ARG's default. */
        List<String[]> argsOf(Dockerfile.Instruction ins, Function<String, String> vars) {
            return plan.declare(ins, vars, plan.globalArgs);
        }
    }

    private final Map<String, String> buildArgs;
    private final Map<String, String> globalArgs = new LinkedHashMap<>();
    private final List<PlannedStage> stages = new ArrayList<>();
    private final Set<String> consumed = new HashSet<>();
    private final char escape;

    private StagePlan(Map<String, String> buildArgs, char escape) {
        this.buildArgs = buildArgs;
        this.escape = escape;
    }

    static StagePlan of(Dockerfile df, Map<String, String> buildArgs, String target) {
        StagePlan plan = new StagePlan(buildArgs, df.escape());
        List<List<Dockerfile.Instruction>> groups = new ArrayList<>();
        for (Dockerfile.Instruction ins : df.instructions()) {
            if (ins.keyword().equals("FROM")) {
                groups.add(new ArrayList<>(List.of(ins)));
            } else if (groups.isEmpty()) {
                if (!ins.keyword().equals("ARG")) {
                    throw CwbException.badInput(ins.where(df.file()) + ": " + ins.keyword() + " before the first FROM",
                            "a Dockerfile starts with FROM (only ARG may come before it)");
                }
                for (String[] kv : plan.declare(ins, plan.globalArgs::get, Map.of())) {
                    plan.globalArgs.put(kv[0], kv[1]);
                }
            } else {
                groups.get(groups.size() - 1).add(ins);
            }
        }
        if (groups.isEmpty()) {
            throw CwbException.badInput(df.file() + ": no FROM: the Dockerfile has no stage", "start it with FROM IMAGE (or FROM scratch)");
        }
        List<PlannedStage> all = new ArrayList<>();
        Map<String, Integer> names = new LinkedHashMap<>();
        for (List<Dockerfile.Instruction> g : groups) {
            Dockerfile.Instruction from = g.get(0);
            List<String> words = ShellWords.words(from.args(), df.escape(), plan.globalArgs::get);
            if (words.isEmpty()) {
                throw CwbException.badInput(from.where(df.file()) + ": FROM requires an image", "write FROM IMAGE, or FROM scratch");
            }
            String name = null;
            if (words.size() == 3 && words.get(1).equalsIgnoreCase("AS")) {
                name = words.get(2).toLowerCase(Locale.ROOT);
                if (!name.matches("[a-z][a-z0-9._-]*")) {
                    throw CwbException.badInput(from.where(df.file()) + ": invalid stage name '" + words.get(2) + "'",
                            "start it with a letter; then letters, digits, '.', '_' and '-'");
                }
                if (names.containsKey(name)) {
                    throw CwbException.badInput(from.where(df.file()) + ": the stage name " + name + " is used twice", "give each stage its own name");
                }
            } else if (words.size() != 1) {
                throw CwbException.badInput(from.where(df.file()) + ": FROM takes IMAGE [AS NAME], got '" + from.args() + "'", null);
            }
            String base = words.get(0);
            boolean isStage = names.containsKey(base.toLowerCase(Locale.ROOT));
            if (isStage) {
                base = base.toLowerCase(Locale.ROOT);
            }
            for (Dockerfile.Instruction ins : g) {
                String ref = ins.flag("from");
                if (ref != null && !names.containsKey(ref.toLowerCase(Locale.ROOT)) && !ref.matches("\\d+")) {
                    int later = indexOfLater(groups, ref, df.escape(), plan.globalArgs);
                    if (later >= 0) {
                        throw CwbException.badInput(ins.where(df.file()) + ": " + ins.keyword() + " --from=" + ref
                                + ": the stage " + ref + " is defined later (line " + groups.get(later).get(0).line() + ")",
                                "a stage can only use stages defined above it: move it up");
                    }
                }
            }
            PlannedStage ps = new PlannedStage(name, base, isStage, g, plan);
            all.add(ps);
            if (name != null) {
                names.put(name, all.size() - 1);
            }
        }
        int targetIndex = all.size() - 1;
        if (target != null) {
            Integer t = names.get(target.toLowerCase(Locale.ROOT));
            if (t == null) {
                throw CwbException.notFound("--target " + target + ": no stage of that name in " + df.file()
                        + (names.isEmpty() ? " (its stages have no names)" : " (its stages: " + String.join(", ", names.keySet()) + ")"),
                        "name a stage with FROM IMAGE AS NAME");
            }
            targetIndex = t;
        }
        Set<Integer> needed = new HashSet<>();
        need(all, names, targetIndex, needed);
        for (int i = 0; i <= targetIndex; i++) {
            if (needed.contains(i)) {
                plan.stages.add(all.get(i));
            }
        }
        return plan;
    }

    private static int indexOfLater(List<List<Dockerfile.Instruction>> groups, String ref, char escape, Map<String, String> global) {
        for (int i = 0; i < groups.size(); i++) {
            List<String> w = ShellWords.words(groups.get(i).get(0).args(), escape, global::get);
            if (w.size() == 3 && w.get(2).equalsIgnoreCase(ref)) {
                return i;
            }
        }
        return -1;
    }

    private static void need(List<PlannedStage> all, Map<String, Integer> names, int i, Set<Integer> needed) {
        if (!needed.add(i)) {
            return;
        }
        PlannedStage s = all.get(i);
        if (s.baseIsStage()) {
            need(all, names, names.get(s.base()), needed);
        }
        for (Dockerfile.Instruction ins : s.instructions()) {
            String from = ins.flag("from");
            if (from == null || !(ins.keyword().equals("COPY") || ins.keyword().equals("ADD"))) {
                continue;
            }
            Integer j = from.matches("\\d+") ? Integer.valueOf(from) : names.get(from.toLowerCase(Locale.ROOT));
            if (j != null && j < i) {
                need(all, names, j, needed);
            }
        }
    }

    List<PlannedStage> stages() {
        return stages;
    }

    /** The steps the build shows: every instruction of the needed stages (FROM included), and base images' triggers. */
    int stepCount() {
        int n = 0;
        for (PlannedStage s : stages) {
            n += s.instructions().size();
        }
        return n;
    }

    /** The --build-arg names no ARG declared (Docker warns about them). */
    List<String> unconsumed() {
        List<String> left = new ArrayList<>();
        for (String k : buildArgs.keySet()) {
            if (!consumed.contains(k) && !Builder.PROXY_ARGS.contains(k) && !k.equals("SOURCE_DATE_EPOCH")) {
                left.add(k);
            }
        }
        return left;
    }

    private List<String[]> declare(Dockerfile.Instruction ins, Function<String, String> vars, Map<String, String> globals) {
        List<String[]> result = new ArrayList<>();
        for (String word : StageConfig.splitKeepingQuotes(ins.args(), escape)) {
            int eq = word.indexOf('=');
            String name = eq < 0 ? word : word.substring(0, eq);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw CwbException.badInput("ARG: '" + name + "' is not a variable name", "write ARG NAME or ARG NAME=DEFAULT");
            }
            String value;
            if (buildArgs.containsKey(name)) {
                value = buildArgs.get(name);
                consumed.add(name);
            } else if (eq >= 0) {
                value = ShellWords.word(word.substring(eq + 1), escape, vars);
            } else {
                value = globals.get(name);
            }
            result.add(new String[] {name, value});
        }
        if (result.isEmpty()) {
            throw CwbException.badInput("ARG requires at least one argument", "write ARG NAME or ARG NAME=DEFAULT");
        }
        return result;
    }
}
