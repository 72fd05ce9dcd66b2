package dev.cwb.cli;

import dev.cwb.WorkbenchHome;
import dev.cwb.container.Container;
import dev.cwb.container.ContainerRun;
import dev.cwb.container.ProcessSpec;
import dev.cwb.container.Stdio;
import dev.cwb.image.Image;
import dev.cwb.layer.LayerCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code run IMAGE [CMD...]}: every step at once, the way runc does them, then removal. */
@Command(name = "run", description = "Run a command in a new container with runc's defaults: all namespaces, a cgroup, overlay, /proc /dev /sys, pivot_root.",
        footer = {"", "The command is PID 1 (with --init its child). The container is removed when it exits. --trace prints every system call.",
                "-v and --mount are bind mounts PID 1 makes before pivot_root; a named volume is",
                "one of $CWB_HOME/volumes/NAME/_data (volume ls), kept after the container.",
                "Example: run busybox    run --memory 64M --pids 20 busybox sh    run --trace hello",
                "         run -v $PWD:/www:ro busybox ls /www    run -v data:/data busybox sh",
                "",
                "-d: a shim (a workbench process of its own, in its own session, subreaper) runs the container and keeps",
                "it after this command returns; its output goes to a log (logs NAME). Then ps, exec NAME, stop, start, rm.",
                "Example: run -d --name web -p 127.0.0.1:8080:80 busybox httpd -f -p 80",
                "",
                "--init: PID 1 is cwb-pid1 (read-only at /sbin/cwb-pid1), the command its child.",
                "The kernel drops each signal PID 1 has no handler for; cwb-pid1 takes them all,",
                "passes them on to the command and reaps orphans. stop then takes no 10 s.",
                "Example: run -d --init --name s busybox sleep 1000    stop s   (exit 143)"})
public final class RunCommand extends SessionCommand implements TakesACommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    String image;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD", description = "The command (default: the image's Entrypoint + Cmd).")
    List<String> command = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", description = "The container's name (default: IMAGE-N).")
    String name;

    @Option(names = "--hostname", paramLabel = "NAME", description = "Host name inside (default: the container's name).")
    String hostname;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", description = "Memory limit, e.g. 64M.")
    String memory;

    @Option(names = "--pids", paramLabel = "N", description = "Most processes at once.")
    String pids;

    @Option(names = "--cpus", paramLabel = "CPUS", description = "CPU time, e.g. 0.5 for half a CPU.")
    String cpus;

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user instead of the image's.")
    String user;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Add or replace an environment variable.")
    List<String> env = new ArrayList<>();

    @Option(names = {"-i", "--interactive", "-t", "--tty"}, description = "Accepted as docker's -it: at a terminal the command always gets one of "
            + "its own (a pty of the container, TERM as the host's); in a script or a pipe it has none.")
    boolean[] interactiveTty = {}; // an array: -it is -i and -t, both of them this one option

    @Option(names = "--trace", description = "Print every system call as it is made.")
    boolean trace;

    @Option(names = "--rootless", description = "Give the container a user namespace first (root inside = you outside).")
    boolean rootless;

    @Option(names = "--security-opt", paramLabel = "OPT", description = "seccomp=unconfined | seccomp=FILE.json (Docker's format; default: Docker's profile), no-new-privileges.")
    List<String> securityOpts = new ArrayList<>();

    @Option(names = "--cap-add", paramLabel = "CAP", description = "Keep a capability Docker's default set lacks (SYS_ADMIN, NET_ADMIN..., or ALL).")
    List<String> capAdd = new ArrayList<>();

    @Option(names = "--cap-drop", paramLabel = "CAP", description = "Drop a capability of the default set (CHOWN, NET_RAW..., or ALL).")
    List<String> capDrop = new ArrayList<>();

    @Option(names = "--privileged", description = "Every capability, no seccomp filter, no masked or read-only paths, every device: root inside is root.")
    boolean privileged;

    @Option(names = "--read-only", description = "Mount the container's root read-only (give it --tmpfs /tmp where it must write).")
    boolean readOnly;

    @Option(names = "--tmpfs", paramLabel = "PATH[:OPTS]", description = "An empty tmpfs at PATH inside (nosuid, nodev, noexec, mode 1777); OPTS as Docker's: size=64m,mode=1770,exec...")
    List<String> tmpfs = new ArrayList<>();

    @Option(names = "--group-add", paramLabel = "GROUP", description = "A supplementary group for the command (a name in the image's /etc/group, or a gid).")
    List<String> groupAdd = new ArrayList<>();

    @Option(names = "--network", paramLabel = "MODE", description = "bridge (default: an address on cwb0, NAT), none (only lo), host (the host's), container:NAME (another's), slirp4netns (--rootless's default: a userspace stack).")
    String network;

    @Option(names = "--network-alias", paramLabel = "NAME", description = "Another name the container has on the bridge (in the others' /etc/hosts).")
    List<String> aliases = new ArrayList<>();

    @Option(names = {"-p", "--publish"}, paramLabel = "[HOST_IP:]HOST_PORT:CTR_PORT[/udp]", description = "Publish a port: a DNAT rule and a proxy on the host.")
    List<String> publish = new ArrayList<>();

    @Option(names = {"-P", "--publish-all"}, description = "Publish every port the image EXPOSEs, each on a free host port.")
    boolean publishAll;

    @Option(names = {"-v", "--volume"}, paramLabel = "SRC:CTR_PATH[:ro]", description = "A bind mount (-v /host/path:/data[:ro]), a named volume (-v NAME:/data[:ro,nocopy]) or an anonymous one (-v /data).")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--mount", paramLabel = "type=bind|volume|tmpfs,...", description = "A mount spelled out: type=bind,source=/host/path,target=/data[,readonly], type=volume[,source=NAME],target=/data, type=tmpfs,target=/tmp[,tmpfs-size=64m,tmpfs-mode=1770]; bind-propagation=rprivate|private|rslave|slave.")
    List<String> mountSpecs = new ArrayList<>();

    @Option(names = {"-d", "--detach"}, description = "Run it in the background, kept by a shim: prints the container's name at once (then: ps, logs, exec, stop, rm).")
    boolean detach;

    @Option(names = "--rm", description = "With -d: remove the container when its command exits (without -d it always is).")
    boolean autoRemove;

    @Option(names = "--init", description = "PID 1 is a tiny init (cwb-pid1, read-only at /sbin/cwb-pid1, like docker's /sbin/docker-init): "
            + "it runs the command as its child, forwards signals to it (stop's SIGTERM, Ctrl-C), reaps zombies and exits with its status.")
    boolean init;

    /** Set by {@code run -d} on the command line of the shim it starts: this JVM is that shim. */
    @Option(names = "--shim", hidden = true)
    boolean shim;

    /** Set by {@code start NAME} for its shim: take the exited container's kept workspace again. */
    @Option(names = "--restart", hidden = true)
    boolean restart;

    @Override
    protected int run() throws Exception {
        if (autoRemove && !detach) {
            throw dev.cwb.CwbException.badInput("'--rm' is docker's: run always removes its container when the command ends",
                    "leave it out (with -d, --rm removes the detached container when its command exits)");
        }
        if (detach && !shim) {
            return startShim();
        }
        long start = System.nanoTime(); // the learner waits from here: image lookup and layer check included
        Image img = workbench.images().image(image);
        LayerCache cache = new LayerCache(workbench.images(), workbench.home().layers(), WorkbenchHome.isRoot());
        List<LayerCache.Unpacked> layers = cache.unpack(img, (u, n) -> { });
        ProcessSpec process = ProcessSpecs.withOverrides(ProcessSpec.of(img.config().runConfig(), command), user, null, env);
        boolean userNs = rootless || workbench.rootless();
        List<String> tmpfsPaths = new ArrayList<>(tmpfs);
        List<dev.cwb.volume.MountRequest> mounts = mounts(img, tmpfsPaths);
        ContainerRun.Options o = ContainerRun.options(name, hostname, memory, pids, cpus, userNs,
                security(securityOpts, capAdd, capDrop, privileged, readOnly, tmpfsPaths, groupAdd))
                .withNetwork(network(img, userNs), line -> {
                    if (trace) {
                        notes().println("  # " + line);
                        notes().flush();
                    }
                }, line -> {
                    notes().println(line);
                    notes().flush();
                }).withMounts(mounts).withInit(init);
        if (privileged) {
            notes().println("warning: --privileged: the container's root keeps every capability, no seccomp filter, no masked or "
                    + "read-only /proc and /sys paths, and may open every device: it can do to this machine whatever root can");
        }
        Container.Tracer tracer = containers().newTracer();
        if (trace) {
            tracer.printTo(printer(notes()));
            containers().cgroups().trace().onWrite(cgroupPrinter(notes()));
        }
        dev.cwb.container.ContainerLog log = null;
        ContainerRun.Detach kept = null;
        Stdio stdio;
        if (shim) {
            dev.cwb.container.Shim.becomeShim(dev.cwb.kernel.SyscallListener.NONE);
            // the workbench that started this shim reserved the container's name for it: taken over, not refused
            ProcessHandle.current().parent().ifPresent(p -> containers().takeNameFrom(p.pid()));
            if (restart) {
                containers().allowRestart(name);
            }
            log = dev.cwb.container.ContainerLog.in(containers().directory().resolve(name));
            stdio = Stdio.pipes(log.stream(1), log.stream(2));
            dev.cwb.container.Detached record = detachedRecord(img, process, o.security());
            kept = new ContainerRun.Detach() {
                @Override
                public void started(Container c) {
                    dev.cwb.container.Shim.announce(c, record, dev.cwb.kernel.SyscallListener.NONE);
                }

                @Override
                public boolean keepWorkspace() {
                    return !autoRemove;
                }
            };
        } else {
            stdio = stdio();
        }
        long prepared = System.nanoTime();
        ContainerRun.Result r;
        try {
            r = ContainerRun.run(containers(), img, layers, o, process, stdio, tracer, null, kept);
        } catch (dev.cwb.kernel.SyscallException e) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.IO, "run " + image + ": " + e.getMessage(),
                    hintFor(e, img), e);
        } finally {
            tracer.stopPrinting();
            if (trace) {
                containers().cgroups().trace().onWrite(null);
            }
            stdio.close();
        }
        if (shim) {
            log.close();
            java.nio.file.Path dir = containers().directory().resolve(r.name());
            dev.cwb.container.Detached d = dev.cwb.container.Detached.load(dir);
            if (!autoRemove && d != null) {
                d.ended(r.status()).save(dir); // ps -a: Exited (N) ... ago
            }
            containers().release(r.name());
        }
        long total = System.nanoTime() - start;
        r.problems().forEach(p -> notes().println("warning: " + p));
        String ending = ProcessSpecs.ending(String.join(" ", process.argv()) + " in " + r.name(), r.pid1(), 1, r.status(),
                r.oomKilled(), r.oomUnknown(), r.cancelled(), null);
        // set-up counts from the command's start: finding the image and its layers is part of what the learner waits for
        notes().printf(Locale.ROOT, "%s · %.1f ms (set-up %.1f, running %.1f, removal %.1f)%n", ending.substring(0, ending.length() - 1),
                total / 1e6, (prepared - start) / 1e6 + ms(r.setUp()), ms(r.running()), ms(r.tearDown()));
        notes().flush();
        return r.status().shellStatus();
    }

    /**
     * The mounts asked for with {@code -v} and {@code --mount}, checked before anything is made, and an anonymous
     * volume for each of the image's {@code VOLUME}s no other mount covers (as {@code docker run} makes them).
     * A {@code type=tmpfs} joins {@code tmpfs}: the same mount as {@code --tmpfs}.
     */
    private List<dev.cwb.volume.MountRequest> mounts(Image img, List<String> tmpfsPaths) {
        List<dev.cwb.volume.MountRequest> requests = new ArrayList<>();
        volumes.forEach(v -> requests.add(dev.cwb.volume.MountRequest.parseVolumeFlag(v)));
        mountSpecs.forEach(m -> requests.add(dev.cwb.volume.MountRequest.parseMountFlag(m)));
        java.util.Set<String> targets = new java.util.HashSet<>();
        tmpfsPaths.forEach(t -> targets.add(java.nio.file.Path.of(t.contains(":") ? t.substring(0, t.indexOf(':')) : t).normalize().toString()));
        List<dev.cwb.volume.MountRequest> result = new ArrayList<>();
        for (dev.cwb.volume.MountRequest r : requests) {
            if (!targets.add(java.nio.file.Path.of(r.target()).normalize().toString())) {
                throw dev.cwb.CwbException.badInput("duplicate mount point: " + r.target(), "give each path inside the container one mount");
            }
            r.checkSource(); // a --mount source that is missing, a read-write /: refused before anything exists
            if (r.type() == dev.cwb.volume.MountRequest.Type.TMPFS) {
                tmpfsPaths.add(r.tmpfsSpec()); // --tmpfs PATH:OPTIONS
            } else {
                result.add(r);
            }
        }
        java.util.Map<String, Object> imageVolumes = img.config().runConfig() == null ? null : img.config().runConfig().volumes();
        if (imageVolumes != null) {
            for (String path : new java.util.TreeSet<>(imageVolumes.keySet())) {
                if (targets.add(java.nio.file.Path.of(path).normalize().toString())) {
                    result.add(dev.cwb.volume.MountRequest.anonymous(path));
                }
            }
        }
        return result;
    }

    /**
     * {@code run -d}: the container's name chosen now (so it can be printed at once), then a shim started to
     * run it ({@link dev.cwb.container.Shim}): this command returns once PID 1 has exec'd its command, and
     * the container outlives it.
     */
    private int startShim() throws Exception {
        Image img = workbench.images().image(image); // an unknown image is this command's error, before any JVM starts
        String chosen = name != null ? dev.cwb.container.Containers.checkName(name) : containers().freeName(img);
        if (containers().find(chosen).isPresent() || java.nio.file.Files.exists(containers().directory().resolve(chosen))) {
            throw dev.cwb.CwbException.badInput("there is already a container called " + chosen, "pick another name, or rm -f " + chosen);
        }
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        int at = args.indexOf("run");
        args = new ArrayList<>(args.subList(at + 1, args.size()));
        if (name == null) {
            args.addAll(0, List.of("--name", chosen));
        }
        List<String> global = globalOptions(workbench);
        notes().flush();
        int code;
        try {
            code = dev.cwb.container.Shim.start(workbench.home(), global, args, notes());
        } finally {
            containers().releaseName(chosen); // the shim took it over, or failed: either way not this process's any more
        }
        if (code != 0) {
            return code;
        }
        out().println(chosen); // as docker run -d prints the id: a script can take it
        out().flush();
        return 0;
    }

    /** The workbench's global options a shim it starts must have too. */
    static List<String> globalOptions(dev.cwb.Workbench workbench) {
        List<String> global = new ArrayList<>();
        if (workbench.rootless()) {
            global.add("--rootless");
        }
        if (workbench.debug()) {
            global.add("--debug");
        }
        global.add("--no-color");
        return global;
    }

    /** What the shim records for {@code ps}, {@code exec}, {@code stop} and {@code start}. */
    private dev.cwb.container.Detached detachedRecord(Image img, ProcessSpec process, ContainerRun.Security security) {
        String stop = img.config().runConfig().stopSignal();
        String seccomp = security.seccomp() == null ? "unconfined" : "default";
        for (String opt : securityOpts) {
            if (opt.startsWith("seccomp") && security.seccomp() != null && !opt.endsWith("=default") && !opt.endsWith("=builtin")) {
                seccomp = java.nio.file.Path.of(opt.substring(8)).toAbsolutePath().toString();
            }
        }
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        args = new ArrayList<>(args.subList(args.indexOf("run") + 1, args.size()));
        args.remove("--shim");
        args.remove("--restart");
        ProcessHandle self = ProcessHandle.current();
        return new dev.cwb.container.Detached(self.pid(), self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L),
                String.join(" ", process.argv()), System.currentTimeMillis(), false, 0, 0, autoRemove,
                stop == null || stop.isEmpty() ? "SIGTERM" : stop, seccomp, security.noNewPrivileges(), security.capabilities(), user, args,
                init ? dev.cwb.kernel.Pid1Program.PATH_INSIDE : null);
    }

    /** Docker's {@code --security-opt} values: {@code seccomp=unconfined|FILE}, {@code no-new-privileges[=true|false]}. */
    static ContainerRun.Security security(List<String> opts, List<String> capAdd, List<String> capDrop, boolean privileged,
                                          boolean readOnly, List<String> tmpfs, List<String> groupAdd) {
        // Docker: --privileged turns the default filter off, a profile named with --security-opt still loads
        dev.cwb.seccomp.SeccompProfile seccomp = privileged ? null : dev.cwb.seccomp.SeccompProfile.dockerDefault();
        boolean nnp = false;
        for (String opt : opts) {
            String[] kv = opt.split("[=:]", 2);
            String value = kv.length > 1 ? kv[1] : null;
            switch (kv[0]) {
                case "seccomp" -> {
                    if (value == null || value.isEmpty()) {
                        throw dev.cwb.CwbException.badInput("--security-opt seccomp needs a value", "seccomp=unconfined or seccomp=FILE.json");
                    }
                    seccomp = value.equals("unconfined") ? null
                            : value.equals("builtin") || value.equals("default") ? dev.cwb.seccomp.SeccompProfile.dockerDefault()
                            : dev.cwb.seccomp.SeccompProfile.read(java.nio.file.Path.of(value));
                }
                case "no-new-privileges" -> {
                    if (value != null && !value.equals("true") && !value.equals("false")) {
                        throw dev.cwb.CwbException.badInput("--security-opt no-new-privileges=" + value + ": true or false", "no-new-privileges");
                    }
                    nnp = value == null || value.equals("true");
                }
                case "apparmor", "label" -> throw new dev.cwb.CwbException(dev.cwb.CwbException.UNSUPPORTED, "--security-opt " + kv[0]
                        + ": the workbench sets up no Linux security module (AppArmor, SELinux)", "use seccomp=... or no-new-privileges");
                default -> throw dev.cwb.CwbException.badInput("--security-opt: unknown option '" + opt + "'",
                        "seccomp=unconfined, seccomp=FILE.json or no-new-privileges");
            }
        }
        long caps = privileged ? dev.cwb.container.CapabilityOptions.all()
                : dev.cwb.container.CapabilityOptions.tweak(dev.cwb.container.RuncDefaults.capabilitySet(), capAdd, capDrop);
        return new ContainerRun.Security(seccomp, nnp, caps, privileged, readOnly, List.copyOf(tmpfs), List.copyOf(groupAdd));
    }

    /**
     * The network the learner asked for. Docker's default is the bridge; a bridge needs root on the host
     * (veths, the bridge, nftables), so a rootless container gets none unless it asks, and is refused the bridge.
     */
    private dev.cwb.container.NetworkStep.Spec network(Image img, boolean userNs) {
        String mode = network;
        if (mode == null && userNs) {
            String missing = dev.cwb.network.Slirp.missing();
            mode = missing == null ? "slirp4netns" : "none"; // rootless podman's default
            if (missing != null && (!publish.isEmpty() || publishAll)) {
                throw new dev.cwb.CwbException(dev.cwb.CwbException.UNSUPPORTED, "a --rootless container gets its network (and -p) from slirp4netns, and "
                        + missing, "scripts/install-packages run (apt-get install slirp4netns), modprobe tun, or leave out -p");
            }
            if (missing != null) {
                notes().println("note: " + missing + ", so this --rootless container has only lo, as with --network none "
                        + "(--network none says it is meant)");
            }
        }
        if ("slirp4netns".equals(mode) && !userNs) {
            throw dev.cwb.CwbException.badInput("--network slirp4netns is the rootless network: it enters the container's user namespace",
                    "add --rootless, or use the bridge (the default as root)");
        }
        if ("bridge".equals(mode) && userNs && !WorkbenchHome.isRoot()) {
            throw new dev.cwb.CwbException(dev.cwb.CwbException.UNSUPPORTED, "a --rootless container cannot be on the bridge: "
                    + "veths, the bridge and NAT rules are the host's, and only root may change them", "--network slirp4netns (the default for --rootless), or none");
        }
        if (mode == null && !WorkbenchHome.isRoot()) {
            mode = "none";
        }
        List<String> ports = new ArrayList<>(publish);
        if (publishAll) {
            dev.cwb.container.NetworkStep.exposed(img.config().runConfig().exposedPorts()).forEach(p -> ports.add(p.toString()));
        }
        return dev.cwb.container.NetworkStep.Spec.parse(mode, aliases, ports, false).defaulted(network == null);
    }

    private static double ms(java.time.Duration d) {
        return d.toNanos() / 1e6;
    }

    private String hintFor(dev.cwb.kernel.SyscallException e, Image img) {
        if (e.errno() == dev.cwb.kernel.Errno.EPERM && !WorkbenchHome.isRoot()) {
            return "containers need root: run sudo ./cwb, or run --rootless";
        }
        if (e.errno() == dev.cwb.kernel.Errno.ENOEXEC) {
            return ProcessSpecs.notRunnableHere(img);
        }
        return "run again with --trace to see every call";
    }
}
