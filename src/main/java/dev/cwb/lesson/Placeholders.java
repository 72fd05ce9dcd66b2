package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.container.Container;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageStore;
import dev.cwb.layer.LayerCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names a lesson may write in braces in its commands and checks, replaced when the step is shown or
 * run. Digests differ from one machine to the next (each builds its busybox from its own host's binary),
 * so a lesson never writes one out: it writes {@code {manifest:busybox}} and the learner sees this
 * machine's value.
 *
 * <pre>
 * {work}              this lesson's own directory, $CWB_HOME/lessons/work/N (:reset empties it)
 * {home}              $CWB_HOME
 * {manifest:IMAGE}    the hex of IMAGE's manifest digest (the blob's file name in blobs/sha256)
 * {config:IMAGE}      the hex of IMAGE's config digest (the image id)
 * {diff-id:IMAGE:N}   the hex of layer N's diff_id
 * {layer-dir:IMAGE:N} the layer cache directory of layer N (…/layers/DIFF_ID/fs)
 * {pid:NAME}          the host pid of container NAME's process (cwb-init, or PID 1 after unshare pid)
 * {upper:NAME}        container NAME's overlay upper directory (…/run/containers/NAME/upper)
 * {rootfs:NAME}       container NAME's root file system mount point (…/run/containers/NAME/rootfs)
 * {ip:NAME}           container NAME's address on the bridge (its lease in /run/cwb/net)
 * {kernel-release}    the running kernel's release, what uname -r prints
 * </pre>
 */
public final class Placeholders {
    static final Pattern PATTERN = Pattern.compile("\\{([a-z-]+)((?::[^}:]+)*)}");
    private static final List<String> NAMES = List.of("work", "home", "manifest", "config", "diff-id", "layer-dir", "pid", "upper",
            "rootfs", "ip", "kernel-release");

    private final Workbench workbench;
    private final Path work;

    public Placeholders(Workbench workbench, Path work) {
        this.workbench = workbench;
        this.work = work;
    }

    /** Null when {@code {name args}} is a placeholder written correctly, else what is wrong with it. */
    static String problemWith(String name, String args) {
        int count = args.isEmpty() ? 0 : args.substring(1).split(":").length;
        int wanted = switch (name) {
            case "work", "home", "kernel-release" -> 0;
            case "manifest", "config", "pid", "upper", "rootfs", "ip" -> 1;
            case "diff-id", "layer-dir" -> 2;
            default -> -1;
        };
        if (wanted < 0) {
            return "unknown placeholder '{" + name + args + "}' — the placeholders are {work}, {home}, {manifest:IMAGE}, {config:IMAGE}, "
                    + "{diff-id:IMAGE:N}, {layer-dir:IMAGE:N}, {pid:NAME}, {upper:NAME}, {rootfs:NAME}, {ip:NAME}, {kernel-release}";
        }
        if (count != wanted) {
            return "placeholder '{" + name + args + "}' takes " + wanted + " value" + (wanted == 1 ? "" : "s") + " after '" + name + "'";
        }
        return null;
    }

    /** {@code text} with every placeholder replaced; a placeholder naming a missing image is an error saying so. */
    public String expand(String text) {
        Matcher m = PATTERN.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (!NAMES.contains(m.group(1))) {
                continue; // not ours (parsing refuses these in commands and checks; prose may hold JSON)
            }
            String[] args = m.group(2).isEmpty() ? new String[0] : m.group(2).substring(1).split(":");
            m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), args)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@link #expand}, but a placeholder that cannot be filled in now (its container is made later) stays as written. */
    public String expandQuietly(String text) {
        return fill(text).text();
    }

    /** Text with the placeholders that can be filled now filled in, and those that cannot, as written. */
    public record Filled(String text, List<String> unfilled) {
    }

    /** Fills each placeholder on its own: one that cannot be filled yet leaves the others filled. */
    public Filled fill(String text) {
        Matcher m = PATTERN.matcher(text);
        StringBuilder out = new StringBuilder();
        List<String> unfilled = new java.util.ArrayList<>();
        while (m.find()) {
            if (!NAMES.contains(m.group(1))) {
                continue;
            }
            String[] args = m.group(2).isEmpty() ? new String[0] : m.group(2).substring(1).split(":");
            String value;
            try {
                value = value(m.group(1), args);
            } catch (CwbException | IllegalStateException e) {
                value = m.group();
                if (!unfilled.contains(m.group())) {
                    unfilled.add(m.group());
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return new Filled(out.toString(), List.copyOf(unfilled));
    }

    public List<String> expand(List<String> texts) {
        return texts.stream().map(this::expand).toList();
    }

    private String value(String name, String[] args) {
        return switch (name) {
            case "work" -> work.toString();
            case "home" -> workbench.home().root().toString();
            case "manifest" -> image(args[0]).manifestDescriptor().digest().encoded();
            case "config" -> image(args[0]).id().encoded();
            case "diff-id" -> diffId(args[0], args[1]).encoded();
            case "layer-dir" -> new LayerCache(workbench.images(), workbench.home().layers(), false).fsOf(diffId(args[0], args[1])).toString();
            case "pid" -> Integer.toString(container(args[0]).current().pid());
            case "upper" -> container(args[0]).dirs().upper().toString();
            case "rootfs" -> container(args[0]).dirs().rootfs().toString();
            case "ip" -> dev.cwb.network.Bridge.leaseOf(workbench.home().root(), args[0]).filter(l -> l.address() != 0)
                    .map(dev.cwb.network.Lease::addressText).orElseThrow(() -> CwbException.notFound(
                            "this step names the address of " + args[0] + ", which has none on the bridge yet", "do the net addr step first"));
            case "kernel-release" -> kernelRelease();
            default -> throw new IllegalStateException(name);
        };
    }

    private Container container(String name) {
        return workbench.containers().find(name).orElseThrow(() -> CwbException.notFound(
                "this step names container " + name + ", which this session does not have",
                "go back a step (:back) to make it, or :reset to start the lesson again"));
    }

    /** uname(2)'s release, as the kernel also gives it in /proc/sys/kernel/osrelease. */
    private static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    private Image image(String name) {
        ImageStore store = workbench.images();
        try {
            return store.image(store.find(name));
        } catch (CwbException e) {
            throw CwbException.notFound("this step names image " + name + ", which is not in the store",
                    "build the samples with 'samples build', or go back a step (:back) to make it");
        }
    }

    private Digest diffId(String name, String layer) {
        List<Digest> ids = image(name).config().diffIds();
        int n;
        try {
            n = Integer.parseInt(layer);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > ids.size()) {
            throw CwbException.badInput("this step names layer " + layer + " of " + name + ", which has " + ids.size() + " layers", null);
        }
        return ids.get(n - 1);
    }
}
