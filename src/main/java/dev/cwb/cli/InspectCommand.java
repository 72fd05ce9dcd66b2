package dev.cwb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Descriptor;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Json;
import dev.cwb.view.Printable;
import dev.cwb.view.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code inspect IMAGE}: the manifest and the config of an image, every part with a line saying what it
 * is for. The learner sees that an image is not a zip file but a few content-addressed JSON documents
 * pointing at layer tars.
 */
@Command(name = "inspect", description = "Show an image's manifest and config, each part explained; or a detached container's state (inspect NAME). 'inspect layers IMAGE' for its layers.",
        subcommands = InspectLayersCommand.class)
public final class InspectCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    // Optional for picocli (a parent's required parameter would be demanded by 'inspect layers X' too).
    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", description = "The image (name:tag or image id).")
    String image;

    @Override
    protected int run() throws IOException {
        if (image == null) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.USAGE, "inspect needs an image",
                    "type 'inspect IMAGE' or 'inspect layers IMAGE'; 'images' lists them");
        }
        dev.cwb.container.DetachedContainers.Entry detached = detachedNamed(image);
        if (detached != null) {
            return inspectContainer(detached);
        }
        ImageStore store = workbench.images();
        Image img = store.image(image);
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reference", img.reference().toString());
            m.put("id", img.id().toString());
            m.put("manifestDescriptor", img.manifestDescriptor());
            m.put("manifest", raw(store, img.manifestDescriptor(), "manifest"));
            m.put("config", raw(store, img.manifest().config(), "config"));
            out().println(Json.pretty(m));
            return 0;
        }
        PrintWriter out = out();
        ImageConfig config = img.config();
        ImageConfig.RunConfig run = config.runConfig();
        out.println("Image " + img.reference().familiar() + "   (" + img.reference() + ")");
        field(out, "Image id", img.id().toString(), "the digest of the config blob; 'images' shows its first 12 characters");
        out.println();
        Descriptor md = img.manifestDescriptor();
        out.println("Manifest " + md.digest() + "   " + Sizes.human(md.size()));
        note(out, "The table of contents. It names the config and each layer by digest; its own digest is the");
        note(out, "most exact name the image has (alpine@sha256:...).");
        field(out, "Media type", Printable.of(md.mediaType()), mediaTypeNote(md.mediaType()));
        field(out, "Config", img.manifest().config().digest() + "  " + Sizes.human(img.manifest().config().size()),
                Printable.of(img.manifest().config().mediaType()));
        field(out, "Layers", img.layers().size() + " (bottom first)", "see 'inspect layers " + image + "'");
        out.println();
        out.println("Config " + img.manifest().config().digest());
        note(out, "How to run the image, what it was built for, and how it was built.");
        field(out, "Platform", Printable.of(config.platform().toString()), "the OS and CPU the programs in the layers were built for");
        field(out, "Created", Printable.of(orNone(config.created())), "when the last step ran");
        field(out, "Entrypoint", list(run.entrypoint()), "the program a container always starts (CMD becomes its arguments)");
        field(out, "Cmd", list(run.cmd()), "the default command, replaced by what you type after the image name");
        field(out, "Env", run.env() == null || run.env().isEmpty() ? "(none)" : String.join("\n" + " ".repeat(16), run.env().stream().map(Printable::of).toList()),
                "variables every process in the container starts with");
        field(out, "WorkingDir", run.workingDir() == null || run.workingDir().isEmpty() ? "/ (default)" : Printable.of(run.workingDir()),
                "the directory the command starts in");
        field(out, "User", run.user() == null || run.user().isEmpty() ? "root (default)" : Printable.of(run.user()),
                "the user (and group) the command runs as");
        if (run.exposedPorts() != null && !run.exposedPorts().isEmpty()) {
            field(out, "ExposedPorts", Printable.of(String.join(" ", run.exposedPorts().keySet())), "documentation only: publishing a port is a run-time choice");
        }
        if (run.volumes() != null && !run.volumes().isEmpty()) {
            field(out, "Volumes", Printable.of(String.join(" ", run.volumes().keySet())), "paths meant to be mounted from outside");
        }
        if (run.labels() != null && !run.labels().isEmpty()) {
            StringBuilder labels = new StringBuilder();
            run.labels().forEach((k, v) -> labels.append(labels.length() == 0 ? "" : "\n" + " ".repeat(16)).append(Printable.of(k)).append('=').append(Printable.of(v)));
            field(out, "Labels", labels.toString(), "free-form metadata");
        }
        field(out, "History", config.history().size() + " steps", "see 'history " + image + "'");
        field(out, "diff_ids", config.diffIds().size() + " layers",
                "sha256 of each layer's uncompressed tar; the layer blobs' digests are of the compressed bytes");
        out.println();
        out.println("What 'run " + image + "' adds (not in the image: runc's and Docker's defaults)");
        field(out, "Masked", String.join("\n" + " ".repeat(16), dev.cwb.container.RuncDefaults.MASKED),
                "covered, files by /dev/null, directories by an empty read-only tmpfs (--privileged: none)");
        field(out, "Read-only", String.join("\n" + " ".repeat(16), dev.cwb.container.RuncDefaults.READ_ONLY),
                "bind-mounted on themselves, then remounted read-only");
        field(out, "Capabilities", String.join(" ", dev.cwb.container.RuncDefaults.CAPABILITIES.stream()
                .map(n -> n.replaceFirst("^CAP_", "")).toList()), "all that root keeps; --cap-add / --cap-drop change it");
        field(out, "Seccomp", "Docker's default profile", "every other call fails with EPERM; 'seccomp show' in a container lists it");
        return 0;
    }

    private static JsonNode raw(ImageStore store, Descriptor d, String what) throws IOException {
        return Json.mapper().readTree(store.readBlob(d, what));
    }

    private static void field(PrintWriter out, String name, String value, String why) {
        out.printf("  %-13s %s%n", name, value);
        if (why != null) {
            out.printf("  %-13s   ↳ %s%n", "", why);
        }
    }

    private static void note(PrintWriter out, String text) {
        out.println("  " + text);
    }

    /** {@code [ "a", "b" ]}: the list as JSON on one line (the mapper's pretty form, without the mapper). */
    static String list(List<String> values) {
        if (values == null || values.isEmpty()) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("[ ");
        for (String v : values) {
            b.append(b.length() > 2 ? ", " : "").append('"');
            if (v == null) {
                b.setLength(b.length() - 1);
                b.append("null");
                continue;
            }
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(v, b);
            b.append('"');
        }
        return Printable.of(b.append(" ]").toString());
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? "(not recorded)" : s;
    }

    static String mediaTypeNote(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        return mediaType.contains("docker") ? "Docker's format (v2 schema 2), the ancestor of the OCI one"
                : "the OCI image format (github.com/opencontainers/image-spec)";
    }

    /** A detached container of that name (when no image has it), or null. */
    private dev.cwb.container.DetachedContainers.Entry detachedNamed(String name) {
        if (name.contains(":") || name.contains("/")) {
            return null;
        }
        try {
            return new dev.cwb.container.DetachedContainers(workbench.containers()).find(name);
        } catch (dev.cwb.CwbException e) {
            return null;
        }
    }

    /**
     * {@code inspect NAME} of a detached container: what its shim recorded (detached.json), what cleanup
     * needs (state.json), its network lease, read from disk by this workbench, whichever started it.
     */
    private int inspectContainer(dev.cwb.container.DetachedContainers.Entry e) throws IOException {
        dev.cwb.container.Detached d = e.detached();
        dev.cwb.container.ContainerState s = e.state();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("status", e.status().name().toLowerCase(java.util.Locale.ROOT));
        state.put("text", e.statusText(System.currentTimeMillis()));
        state.put("pid", e.livePid1());
        state.put("exitCode", d.exited() ? d.exitCode() : null);
        state.put("startedAt", java.time.Instant.ofEpochMilli(d.started()).toString());
        state.put("finishedAt", d.exited() ? java.time.Instant.ofEpochMilli(d.finished()).toString() : null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("image", s == null ? null : s.image());
        m.put("command", d.command());
        m.put("state", state);
        m.put("shim", Map.of("pid", d.shimPid(), "alive", e.status() == dev.cwb.container.DetachedContainers.Status.RUNNING));
        m.put("cwbInitPid", s == null ? 0 : s.initPid());
        m.put("cgroup", s == null ? null : s.cgroup());
        m.put("workspace", e.dir().toString());
        m.put("upperDir", e.dir().resolve("upper").toString());
        m.put("log", dev.cwb.container.ContainerLog.file(e.dir()).toString());
        dev.cwb.network.Bridge.leaseOf(workbench.home().root(), e.name()).ifPresent(l -> {
            m.put("ip", l.addressText());
            m.put("ports", l.ports().stream().map(Object::toString).toList());
        });
        Map<String, Object> security = new LinkedHashMap<>();
        security.put("seccomp", d.seccomp());
        security.put("noNewPrivileges", d.noNewPrivileges());
        security.put("capabilities", dev.cwb.kernel.Capabilities.format(d.capabilities()));
        security.put("user", d.user());
        m.put("security", security);
        m.put("init", d.init());
        m.put("stopSignal", d.stopSignal());
        m.put("autoRemove", d.autoRemove());
        m.put("runArgs", d.args());
        if (e.livePid1() > 0) {
            m.put("namespaces", dev.cwb.kernel.NamespaceIds.ofProcess(e.livePid1()));
        }
        if (json.enabled()) {
            out().println(Json.pretty(m));
            return 0;
        }
        PrintWriter out = out();
        out.println("Container " + e.name() + "   (detached, kept by its shim; --json for everything)");
        field(out, "Status", e.statusText(System.currentTimeMillis()), "from detached.json, which the shim writes when PID 1 starts and ends");
        field(out, "Command", Printable.of(d.command()), "PID 1's argv");
        field(out, "PID 1", e.livePid1() == 0 ? "-" : Integer.toString(e.livePid1()), "its pid on the host; a child of cwb-init " + (s == null ? "?" : s.initPid()));
        field(out, "Shim", Long.toString(d.shimPid()), "the workbench process that keeps it: reaps PID 1, holds its output pipes");
        field(out, "Cgroup", s == null || s.cgroup() == null ? "-" : s.cgroup(), "its limits and processes");
        field(out, "Workspace", e.dir().toString(), "upper/ (its changes), container.log, state.json, detached.json");
        if (m.containsKey("ip")) {
            field(out, "Address", (String) m.get("ip"), "on the bridge; ports " + m.get("ports"));
        }
        field(out, "Init", d.init() == null ? "-" : d.init(), d.init() == null ? "no --init: the command is PID 1 itself"
                : "--init: PID 1 is cwb-pid1 (a read-only bind), the command its child; signals are forwarded, zombies reaped");
        field(out, "Stop signal", d.stopSignal(), "what stop sends first; SIGKILL after -t seconds");
        return 0;
    }
}
