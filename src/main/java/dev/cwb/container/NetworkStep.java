package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.kernel.InRoot;
import dev.cwb.kernel.MountFlags;
import dev.cwb.kernel.OpenFlags;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;
import dev.cwb.network.Bridge;
import dev.cwb.network.EtcFiles;
import dev.cwb.network.Lease;
import dev.cwb.network.Links;
import dev.cwb.network.PortMapping;
import dev.cwb.network.PortProxy;
import dev.cwb.network.Subnet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code run}'s network, in the order Docker's bridge driver (libnetwork) sets it up once the container's
 * namespace exists: the bridge (made if need be, with its NAT rules), a veth pair with {@code eth0} born in
 * PID 1's namespace, an address from the lease, {@code lo} and {@code eth0} up and a default route — those
 * three requests made by PID 1 itself — then the published ports (DNAT rules and a proxy each), and the
 * files Docker bind-mounts over the image's: {@code /etc/hosts}, {@code /etc/resolv.conf}, {@code /etc/hostname}.
 */
public final class NetworkStep {
    /** {@code --network MODE}, {@code --network-alias}, {@code -p}, {@code -P}. */
    public record Spec(String mode, String joined, List<String> aliases, List<PortMapping> ports, boolean publishAll,
                       boolean defaulted) {
        public Spec {
            aliases = List.copyOf(aliases);
            ports = List.copyOf(ports);
        }

        /**
         * A network namespace of its own with its {@code lo} left down, no call made: what {@code compare} and
         * {@code build}'s RUN steps get (and what every {@code run} got before it had networks).
         */
        public static final Spec ISOLATED = new Spec("isolated", null, List.of(), List.of(), false, false);

        /** What the learner typed; the default is the bridge, as Docker's is. */
        public static Spec parse(String network, List<String> aliases, List<String> publish, boolean publishAll) {
            String mode = network == null ? "bridge" : network;
            String joined = null;
            if (mode.startsWith("container:")) {
                joined = mode.substring("container:".length());
                mode = "container";
                if (joined.isEmpty()) {
                    throw CwbException.badInput("--network container: needs a name", "--network container:NAME");
                }
            } else if (!List.of("bridge", "none", "host", "slirp4netns").contains(mode)) {
                throw CwbException.badInput("no network '" + network + "'",
                        "use --network bridge (the default), none, host, slirp4netns (rootless) or container:NAME");
            }
            List<PortMapping> ports = new ArrayList<>();
            for (String p : publish) {
                ports.add(PortMapping.parse(p));
            }
            if ((!ports.isEmpty() || publishAll) && !mode.equals("bridge") && !mode.equals("slirp4netns")) {
                throw CwbException.badInput("-p publishes a port of the bridge network, and this container is on --network " + network,
                        "leave out --network, or -p");
            }
            return new Spec(mode, joined, aliases, ports, publishAll, network == null);
        }

        /** The same network, marked as the workbench's choice ({@code run} without {@code --network}) or the learner's. */
        public Spec defaulted(boolean byTheWorkbench) {
            return new Spec(mode, joined, aliases, ports, publishAll, byTheWorkbench);
        }

        /** True when the container gets a network namespace of its own. */
        public boolean ownNamespace() {
            return mode.equals("bridge") || mode.equals("none") || mode.equals("isolated") || mode.equals("slirp4netns");
        }
    }

    private NetworkStep() {
    }

    /**
     * {@code --network container:NAME}: PID 1 joins the network namespace of another container of this
     * session (open its /proc/PID/ns/net, setns(2)), as Docker's container mode does.
     */
    static void join(Containers containers, Container c, String other) throws SyscallException {
        Container o = containers.find(other).orElseThrow(() -> CwbException.notFound("no container " + other + " in this session",
                "ps lists them; --network container:NAME joins a running one"));
        if (!o.has(Namespace.NET)) {
            throw CwbException.badInput("container " + other + " has no network namespace of its own", "unshare net in it first, or --network host");
        }
        int pid = o.pid1() != 0 ? o.pid1() : o.current().pid();
        int fd = c.calls().open("/proc/" + pid + "/ns/net", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        c.calls().setns(fd, dev.cwb.kernel.CloneFlags.CLONE_NEWNET);
        c.calls().close(fd);
        c.markUnshared(Namespace.NET);
    }

    /** The image's EXPOSE ports ({@code 80/tcp}) as {@code -P} publishes them: each on a free host port. */
    public static List<PortMapping> exposed(java.util.Map<String, Object> exposedPorts) {
        List<PortMapping> out = new ArrayList<>();
        if (exposedPorts != null) {
            for (String k : exposedPorts.keySet()) {
                out.add(PortMapping.parse(k));
            }
        }
        return out;
    }

    /**
     * With PID 1 in its new network namespace: {@code lo} up (also for {@code none}, as Docker does); on the
     * bridge everything else. Returns the lease (null without the bridge).
     *
     * <p>A kernel built without the bridge driver answers {@code ip link add ... type bridge} with
     * {@code EOPNOTSUPP}. When the bridge was only {@code run}'s default (no {@code --network}, no {@code -p}),
     * the container then goes on with {@code lo} alone, as {@code --network none} gives, and {@code notes} says
     * so; a bridge the learner asked for fails the run.
     */
    static Lease attach(Containers containers, Container c, Spec spec, Consumer<String> rules, Consumer<String> notes)
            throws SyscallException {
        Syscalls pid1 = c.calls();
        if (!spec.ownNamespace() || spec.mode().equals("isolated")) {
            return null;
        }
        if (spec.mode().equals("none") || spec.mode().equals("slirp4netns")) {
            try (Links inside = Links.open(pid1)) {
                inside.up("lo", inside.index("lo"), null, 0);
            }
            if (spec.mode().equals("slirp4netns")) {
                List<PortMapping> ports = new ArrayList<>();
                for (PortMapping p : spec.ports()) {
                    if (p.hostPort() == 0) {
                        throw CwbException.badInput("-p " + p.containerPort() + " without a host port: slirp4netns needs one",
                                "-p HOST_PORT:" + p.containerPort());
                    }
                    ports.add(p);
                }
                dev.cwb.network.Slirp.start(containers.home().root(), c.name(), c.pid1(), c.dirs().dir().resolve("slirp.sock"), ports, rules);
            }
            return null;
        }
        Path home = containers.home().root();
        Bridge bridge = new Bridge(c.hostCalls(), rules);
        Bridge.Joined joined;
        try {
            joined = bridge.join(home, c.name(), c.pid1(), null, true);
        } catch (CwbException e) {
            if (!spec.defaulted() || !spec.ports().isEmpty() || spec.publishAll() || !noBridgeInKernel(e)) {
                throw e;
            }
            notes.accept("note: this kernel has no bridge driver (ip link add " + bridge.name() + " type bridge: EOPNOTSUPP), so "
                    + c.name() + " has only lo, as with --network none; modprobe bridge veth gives it one, --network none says it is meant");
            try (Links inside = Links.open(pid1)) {
                inside.up("lo", inside.index("lo"), null, 0);
            }
            return null;
        }
        bridge.veth(home, c.name(), c.pid1());
        Lease lease = bridge.address(home, c.name(), 0);
        Subnet s = joined.bridge().subnet();
        try (Links inside = Links.open(pid1)) {
            inside.up("lo", inside.index("lo"), null, 0);
            int eth0 = inside.index("eth0");
            inside.addAddress("eth0", eth0, lease.address(), s.prefix());
            inside.up("eth0", eth0, null, 0);
            inside.defaultRoute(s.gateway());
        }
        lease = bridge.publish(home, c.name(), spec.ports());
        PortProxy.startAll(lease);
        return lease;
    }

    private static boolean noBridgeInKernel(CwbException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SyscallException s && s.errno() == dev.cwb.kernel.Errno.ENOTSUP) {
                return true;
            }
        }
        return false;
    }

    /**
     * Before pivot_root: the three files, written in the workspace and bind-mounted by PID 1 over the image's
     * (made first where the image has none, as Docker makes mount points). A link in the image at one of
     * these paths is left alone: following it from here would resolve against the host's root.
     */
    static void etcFiles(Containers containers, Container c, Spec spec, Lease lease, String hostname) throws SyscallException {
        if (spec.mode().equals("container") || spec.mode().equals("isolated")) {
            return; // isolated: the image's own files, as before; container: the other container's files would be the right ones; Docker shares them too (not done here)
        }
        Path dir = c.dirs().dir();
        String hosts;
        String resolv = EtcFiles.resolvConf(EtcFiles.hostResolvConf());
        if (spec.mode().equals("host")) {
            hosts = readOr(Path.of("/etc/hosts"), EtcFiles.hosts(null, hostname, List.of()));
        } else {
            List<String> aliases = new ArrayList<>(spec.aliases());
            if (!c.name().equals(hostname)) {
                aliases.add(c.name());
            }
            String own = lease != null ? lease.addressText() : spec.mode().equals("slirp4netns") ? dev.cwb.network.Slirp.ADDRESS : null;
            hosts = EtcFiles.hosts(own, hostname, aliases);
            if (spec.mode().equals("slirp4netns")) {
                resolv = "nameserver " + dev.cwb.network.Slirp.DNS + "\n"; // slirp4netns's own DNS forwarder, as rootless podman writes it
            }
        }
        try {
            Files.writeString(dir.resolve("hosts"), hosts);
            Files.writeString(dir.resolve("resolv.conf"), resolv);
            Files.writeString(dir.resolve("hostname"), hostname + "\n");
        } catch (IOException e) {
            throw CwbException.io("writing the container's /etc files in " + dir, e, "check that " + dir + " is writable");
        }
        for (String f : List.of("hosts", "resolv.conf", "hostname")) {
            bind(c, dir.resolve(f), "/etc/" + f);
        }
        if (lease != null) {
            Bridge bridge = new Bridge(c.hostCalls(), line -> { });
            bridge.hostsFile(containers.home().root(), c.name(), dir.resolve("hosts"));
            bridge.writeHosts(); // this container into the others' files, and theirs into its
        }
    }

    private static String readOr(Path p, String fallback) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return fallback;
        }
    }

    private static void bind(Container c, Path source, String path) throws SyscallException {
        InRoot.Kind etc;
        InRoot.Kind file;
        Path top = c.rootSeenFromHost().resolve(c.dirs().rootfs().toString().substring(1));
        try (InRoot inside = InRoot.open(top)) {
            etc = inside.kind("/etc");
            file = inside.kind(path);
        } catch (SyscallException e) {
            throw e;
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot look at " + path + " inside the container: " + CwbException.reason(e),
                    "run cleanup, then try again");
        }
        if (etc == InRoot.Kind.SYMLINK || file == InRoot.Kind.SYMLINK || file == InRoot.Kind.DIRECTORY || file == InRoot.Kind.OTHER) {
            return;
        }
        String target = c.pathInside(path);
        if (etc == InRoot.Kind.MISSING) {
            c.calls().mkdir(c.pathInside("/etc"), 0755);
        }
        if (file == InRoot.Kind.MISSING) {
            int fd = c.calls().openat(dev.cwb.kernel.StraceText.AT_FDCWD, target,
                    OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0644);
            c.calls().close(fd);
        }
        MountStep.bindFromHost(c, source.toString(), target, false);
    }
}
