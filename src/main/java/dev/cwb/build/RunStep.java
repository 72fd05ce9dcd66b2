package dev.cwb.build;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.ContainerRun;
import dev.cwb.container.ProcessSpec;
import dev.cwb.container.Stdio;
import dev.cwb.image.Image;
import dev.cwb.kernel.SyscallException;
import dev.cwb.layer.LayerCache;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * RUN: the command runs in a container of the workbench, made as {@code run} makes one (runc's order:
 * namespaces — a network namespace of its own with nothing but loopback, so no network — a cgroup, the
 * overlay of the layers built so far under an empty upper directory, /proc /dev /sys, pivot_root, the
 * capabilities Docker leaves), with the stage's Env (and its ARGs), WorkingDir, User and SHELL. Its output
 * streams as it comes, each line prefixed. When it exits 0, the upper directory is the step's layer —
 * without the mount points the run made for itself.
 */
final class RunStep {
    private RunStep() {
    }

    static boolean run(Builder b, Builder.Request r, Dockerfile df, Builder.Stage s, Dockerfile.Instruction ins, String head)
            throws IOException {
        for (String flag : ins.flags().keySet()) {
            if (!flag.equals("network")) {
                throw CwbException.badInput("RUN --" + flag + " is not supported by this builder", "leave it out"
                        + (flag.equals("mount") ? ": cache, bind and secret mounts are not made here" : ""));
            }
        }
        String network = ins.flag("network");
        if (network != null && !network.equals("none") && !network.equals("default")) {
            throw CwbException.badInput("RUN --network=" + network + ": a build here has no network; every RUN has its own empty network namespace",
                    "use --network=none (or leave it out)");
        }
        List<String> argv = new ArrayList<>();
        if (ins.isExecForm()) {
            argv.addAll(ins.execForm());
            if (argv.isEmpty()) {
                throw CwbException.badInput("RUN [] names no command", "write RUN [\"program\", \"arg\"] or RUN command");
            }
        } else {
            argv.addAll(s.config.shell());
            argv.add(script(ins));
        }
        Map<String, String> env = new java.util.LinkedHashMap<>();
        Map<String, String> usedArgs = new TreeMap<>();
        s.args.forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
                usedArgs.put(k, v);
            }
        });
        r.buildArgs().forEach((k, v) -> {
            if (Builder.PROXY_ARGS.contains(k)) {
                env.put(k, v); // predefined: in the environment, never in the history (Docker)
            }
        });
        env.putAll(s.config.envMap());
        usedArgs.keySet().removeIf(k -> s.config.envMap().containsKey(k));
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        if (envList.stream().noneMatch(e -> e.startsWith("PATH="))) {
            envList.add(0, "PATH=" + ProcessSpec.DEFAULT_PATH);
        }
        // BuildKit's runCommandString: the build args the command sees, as |N K=V..., then the command
        StringBuilder by = new StringBuilder("RUN ");
        if (!usedArgs.isEmpty()) {
            by.append('|').append(usedArgs.size());
            usedArgs.forEach((k, v) -> by.append(' ').append(k).append('=').append(v));
            by.append(' ');
        }
        by.append(String.join(" ", argv)).append(" # buildkit");
        String createdBy = by.toString();
        String key = Builder.StepKey.of(s.key, createdBy + "\nenv " + String.join("\0", envList) + "\nuser " + s.config.user()
                + "\nworkdir " + s.config.workingDir());
        BuildCache.Entry hit = r.noCache() ? null : b.cache().find(key, b.store());
        PrintWriter out = b.out();
        if (hit != null) {
            out.println(head + "CACHED " + Builder.shown(ins) + "  · key " + key.substring(0, 12));
            b.apply(s, hit, key);
            b.printLayer(hit);
            return true;
        }
        out.println(head + Builder.shown(ins) + "  · key " + key.substring(0, 12));
        out.println("      a container of the workbench over " + s.layers.size() + " layers · network: none (its own network namespace, "
                + "only lo) · user " + (s.config.user() == null || s.config.user().isEmpty() ? "root" : s.config.user())
                + " · workdir " + s.config.workingDir());
        out.flush();
        BuildCache.Entry[] made = new BuildCache.Entry[1];
        IOException[] failed = new IOException[1];
        Tail tail = new Tail(out, "      | ");
        Image image = s.asImage();
        List<LayerCache.Unpacked> layers = b.unpackedLayers(s);
        List<java.nio.file.Path> lowers = layers.stream().map(LayerCache.Unpacked::fs).toList();
        ProcessSpec spec = new ProcessSpec(List.copyOf(argv), List.copyOf(envList), s.config.workingDir(),
                s.config.user() == null ? "" : s.config.user());
        ContainerRun.Options base = r.runOptions();
        ContainerRun.Options o = new ContainerRun.Options(null, "buildkitsandbox", base.memory(), base.pids(), base.cpus(), base.userNamespace(),
                base.security(),
                dev.cwb.container.NetworkStep.Spec.ISOLATED, line -> { }, line -> { }); // no network: BuildKit's RUN default here

        Container.Tracer tracer = b.containers().newTracer();
        Map<String, Integer> calls = new TreeMap<>();
        tracer.printTo(rec -> {
            synchronized (calls) {
                calls.merge(rec.name(), 1, Integer::sum);
            }
            if (r.trace()) {
                tail.note("[pid " + rec.tid() + "] " + rec.straceLine());
            }
        });
        ContainerRun.Result result;
        long t0 = System.nanoTime();
        Stdio stdio = null;
        try {
            stdio = Stdio.pipes(tail.stream(), tail.stream());
            result = ContainerRun.run(b.containers(), image, layers, o, spec, stdio, tracer, (c, status, oom) -> {
                if (status.exited() && status.exitCode() == 0 && !oom) {
                    try {
                        made[0] = b.writeLayer(r, s, ins, key, createdBy, c.dirs().upper(), mountPoints(lowers),
                                dev.cwb.container.UnshareStep.rootIsForeign(c));
                    } catch (IOException e) {
                        failed[0] = e;
                    }
                }
            });
        } catch (SyscallException e) {
            throw new CwbException(CwbException.IO, "RUN: the container could not be made: " + e.getMessage(),
                    dev.cwb.WorkbenchHome.isRoot() ? "run again with --trace to see every call" : "a RUN needs root: sudo ./cwb, or build --rootless");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CwbException(130, "RUN " + Builder.shown(ins) + ": cancelled", "the container was removed; nothing was tagged");
        } finally {
            tracer.stopPrinting();
            if (stdio != null) {
                stdio.close();
            }
            tail.finish();
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.println("      syscalls: " + summary(calls) + (r.trace() ? "" : " (every call: build --trace)"));
        result.problems().forEach(p -> out.println("      warning: " + p));
        if (result.cancelled()) {
            throw new CwbException(130, "RUN " + Builder.shown(ins) + ": cancelled (Ctrl-C)", "the container was removed; nothing was tagged");
        }
        if (!result.status().exited() || result.status().exitCode() != 0 || result.oomKilled()) {
            String how = result.oomKilled() ? "was killed by the kernel's OOM killer: the memory limit"
                    + (base.memory() != null ? " (--memory " + (base.memory() % (1 << 20) == 0 ? base.memory() / (1 << 20) + "M" : base.memory() + " bytes") + ")" : "") + " was reached"
                    : result.status().exited() ? "exited with status " + result.status().exitCode() : "ended by " + result.status();
            throw CwbException.badInput("RUN " + String.join(" ", argv.subList(ins.isExecForm() ? 0 : argv.size() - 1, argv.size()))
                    + " " + how + (tail.last().isEmpty() ? " (it printed nothing)" : "; its last output: " + String.join(" ⏎ ", tail.last())),
                    "the steps after it were not run and nothing was tagged; fix the command and build again (the steps before are cached)");
        }
        out.printf(java.util.Locale.ROOT, "      exit 0 · %.2f s%n", seconds);
        b.apply(s, made[0], key);
        b.printLayer(made[0]);
        return false;
    }

    /** The script a shell-form RUN hands its shell; with heredocs, as BuildKit runs them. */
    static String script(Dockerfile.Instruction ins) {
        if (ins.heredocs().isEmpty()) {
            return ins.args();
        }
        Dockerfile.Heredoc first = ins.heredocs().get(0);
        if (ins.args().strip().matches("<<-?([\"']?)" + java.util.regex.Pattern.quote(first.name()) + "\\1") && ins.heredocs().size() == 1) {
            return first.content(); // RUN <<EOF ... EOF: the heredoc is the script
        }
        StringBuilder b = new StringBuilder(ins.args());
        for (Dockerfile.Heredoc h : ins.heredocs()) {
            b.append('\n').append(h.content()).append(h.name());
        }
        return b.toString();
    }

    /** The mount points a run makes ({@code /proc}, {@code /dev}, {@code /sys}) that the layers below lack: no layer keeps them. */
    private static Set<String> mountPoints(List<java.nio.file.Path> lowers) {
        Set<String> result = new LinkedHashSet<>();
        for (String m : List.of("proc", "dev", "sys")) {
            if (!ContainerCommit.inAnyLower(lowers, m)) {
                result.add(m);
            }
        }
        return result;
    }

    private static String summary(Map<String, Integer> calls) {
        int total = calls.values().stream().mapToInt(Integer::intValue).sum();
        List<Map.Entry<String, Integer>> top = new ArrayList<>(calls.entrySet());
        top.sort((a, b) -> b.getValue() - a.getValue());
        StringBuilder s = new StringBuilder(total + " calls by the container's processes to set it up");
        if (!top.isEmpty()) {
            s.append(" (");
            for (int i = 0; i < Math.min(6, top.size()); i++) {
                s.append(i > 0 ? ", " : "").append(top.get(i).getKey()).append(' ').append(top.get(i).getValue());
            }
            s.append(top.size() > 6 ? ", ...)" : ")");
        }
        return s.toString();
    }

    /**
     * The command's output, each line prefixed (a build's output is read as lines, as BuildKit's plain
     * progress shows it, not passed on as bytes like {@code run}'s), the last few lines kept for an error
     * message. Standard output and error each get a stream of their own, so a line half-written on one is
     * never spliced into a line of the other; a trace line is a note, never one of the last lines.
     */
    static final class Tail {
        private final PrintWriter to;
        private final String prefix;
        private final Deque<String> last = new ArrayDeque<>();
        private final List<LineStream> streams = new ArrayList<>();

        Tail(PrintWriter to, String prefix) {
            this.to = to;
            this.prefix = prefix;
        }

        /** A new stream whose bytes become prefixed lines (one per file descriptor of the command). */
        synchronized java.io.OutputStream stream() {
            LineStream s = new LineStream();
            streams.add(s);
            return s;
        }

        /** A line of the workbench's own (a traced call) among the command's. */
        synchronized void note(String line) {
            to.println(prefix + line);
            to.flush();
        }

        private synchronized void emit(byte[] bytes, int len) {
            String l = new String(bytes, 0, len, java.nio.charset.StandardCharsets.UTF_8);
            if (l.endsWith("\r")) {
                l = l.substring(0, l.length() - 1);
            }
            to.println(prefix + dev.cwb.view.Printable.of(l));
            to.flush();
            last.addLast(l);
            if (last.size() > 5) {
                last.removeFirst();
            }
        }

        /** Prints what is left of an unfinished last line of each stream. */
        synchronized void finish() {
            for (LineStream s : streams) {
                s.finishLine();
            }
        }

        synchronized List<String> last() {
            return List.copyOf(last);
        }

        private final class LineStream extends java.io.OutputStream {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (Tail.this) {
                    for (int i = off; i < off + len; i++) {
                        if (b[i] == '\n') {
                            emit(line.toByteArray(), line.size());
                            line.reset();
                        } else {
                            line.write(b[i]);
                        }
                    }
                }
            }

            void finishLine() {
                if (line.size() > 0) {
                    emit(line.toByteArray(), line.size());
                    line.reset();
                }
            }

            @Override
            public void flush() {
                to.flush();
            }
        }
    }
}
