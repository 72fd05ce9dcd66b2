package dev.cwb.network;

import dev.cwb.CwbException;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The host's side of a container's network, in Docker's default shape: one bridge ({@code cwb0}) with the
 * first address of its subnet, a veth pair per container (the host end on the bridge, the other end
 * {@code eth0} in the container's namespace), masquerade and forward rules for the subnet, and a DNAT rule
 * per published port. Links are made with rtnetlink on this JVM's thread ({@link Links}: each request a
 * traced call), rules with {@link Nft}. What each container holds is a {@link Lease} in the host-wide
 * {@link NetState}, changed under its lock; the bridge and the table go when the last lease does.
 */
public final class Bridge {
    public static final String DEFAULT = "cwb0";
    private final Syscalls host;
    private final NetState state;
    private final Nft nft;
    private final String name;

    /** {@code host}: calls of this JVM's thread, in the host's network namespace; {@code rules} sees each nft command. */
    public Bridge(Syscalls host, Consumer<String> rules) {
        this(host, NetState.host(), new Nft(rules), System.getenv().getOrDefault("CWB_BRIDGE", DEFAULT));
    }

    Bridge(Syscalls host, NetState state, Nft nft, String name) {
        this.host = host;
        this.state = state;
        this.nft = nft;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The bridge as it is now (subnet, NAT), if the workbench made it. */
    public Optional<NetState.BridgeRecord> record() {
        return state.locked(() -> state.bridge(name));
    }

    /** What {@link #join} did: the bridge's record and whether this call made it. */
    public record Joined(NetState.BridgeRecord bridge, boolean made, Lease lease) {
    }

    /**
     * {@code net bridge}: the bridge exists (made now if not: RTM_NEWLINK, RTM_NEWADDR of the gateway,
     * RTM_NEWLINK up; with {@code nat} the masquerade and forward rules too) and the container has a lease
     * on it, held by process {@code ownerPid} (the one whose network namespace the container has).
     */
    public Joined join(Path home, String container, int ownerPid, Subnet requested, boolean nat) {
        return state.locked(() -> {
            reclaimStale();
            boolean made = false;
            Optional<NetState.BridgeRecord> rec = state.bridge(name);
            NetState.BridgeRecord b;
            try (Links links = Links.open(host)) {
                int index = links.index(name);
                if (rec.isEmpty() && index != 0) {
                    throw CwbException.badInput("a link named " + name + " exists that no workbench made (ip link show " + name + ")",
                            "remove it (ip link del " + name + ") or pick another bridge: CWB_BRIDGE=NAME");
                }
                if (rec.isPresent() && requested != null && !rec.get().subnet().equals(requested)) {
                    throw CwbException.badInput("bridge " + name + " already has subnet " + rec.get().subnet() + ", not " + requested,
                            "leave --subnet out, or rm the containers on it first");
                }
                if (rec.isEmpty()) {
                    Subnet s = requested != null ? requested : defaultSubnet();
                    index = links.addBridge(name);
                    links.addAddress(name, index, s.gateway(), s.prefix());
                    links.up(name, index, null, 0);
                    b = new NetState.BridgeRecord(name, s, false);
                    made = true;
                } else {
                    b = rec.get();
                    if (index == 0) { // the record outlived its link (deleted by hand): make it again
                        index = links.addBridge(name);
                        links.addAddress(name, index, b.subnet().gateway(), b.subnet().prefix());
                        links.up(name, index, null, 0);
                        made = true;
                    }
                }
            } catch (SyscallException e) {
                throw failed("bridge " + name, e);
            }
            if (nat && !b.nat()) {
                nft.addBridgeRules(name, b.subnet());
                b = new NetState.BridgeRecord(name, b.subnet(), true);
            }
            state.save(b);
            Lease lease = state.lease(home, container).orElse(null);
            long start = ProcessHandle.of(ownerPid).flatMap(p -> p.info().startInstant()).map(java.time.Instant::toEpochMilli).orElse(0L);
            if (lease == null) {
                lease = new Lease(0, home.toAbsolutePath().toString(), container, ownerPid, start, "", List.of(), "");
            } else {
                lease = lease.withOwner(ownerPid, start);
            }
            state.save(lease);
            return new Joined(b, made, lease);
        });
    }

    private static Subnet defaultSubnet() {
        String env = System.getenv("CWB_BRIDGE_SUBNET");
        return env != null && !env.isBlank() ? Subnet.parse(env.trim()) : Subnet.free(Subnet.hostRoutes());
    }

    /** {@code net nat}: the masquerade and forward rules of the bridge, if it has none yet. Returns false when it had them. */
    public boolean nat() {
        return state.locked(() -> {
            NetState.BridgeRecord b = state.bridge(name).orElseThrow(() -> CwbException.badInput("there is no bridge " + name + " yet",
                    "make it first: net bridge"));
            if (b.nat()) {
                return false;
            }
            nft.addBridgeRules(name, b.subnet());
            state.save(new NetState.BridgeRecord(name, b.subnet(), true));
            return true;
        });
    }

    /** The name of a container's host-side veth end: {@code veth} and 7 hex digits of its lease (IFNAMSIZ is 16). */
    public static String vethName(Path home, String container) {
        return "veth" + NetState.key(home, container).substring(0, 7);
    }

    /**
     * {@code net veth}: {@code ip link add vethXXXXXXX type veth peer name eth0 netns PID}, then the host end
     * onto the bridge and up. The container end stays down until {@code net up}.
     */
    public Lease veth(Path home, String container, int pid) {
        return state.locked(() -> {
            Lease lease = requireLease(home, container);
            String veth = vethName(home, container);
            try (Links links = Links.open(host)) {
                int bridge = links.index(name);
                if (bridge == 0) {
                    throw CwbException.badInput("there is no bridge " + name, "make it first: net bridge");
                }
                if (links.index(veth) != 0) {
                    links.delete(veth); // the last one of this container's (a step done again)
                }
                links.addVeth(veth, "eth0", pid);
                links.up(veth, links.index(veth), name, bridge);
            } catch (SyscallException e) {
                throw failed("veth " + veth, e);
            }
            Lease l = new Lease(lease.address(), lease.home(), container, lease.ownerPid(), lease.ownerStart(), veth, lease.ports(),
                    lease.hostsFile());
            state.save(l);
            return l;
        });
    }

    /** An address for the container: {@code wanted} if it is free and in the subnet, else (0) the lowest free one. */
    public Lease address(Path home, String container, int wanted) {
        return state.locked(() -> {
            reclaimStale();
            Lease lease = requireLease(home, container);
            Subnet s = state.bridge(name).orElseThrow().subnet();
            List<Integer> taken = new ArrayList<>();
            for (Lease l : state.leases()) {
                if (!l.of(home, container) && l.address() != 0) {
                    taken.add(l.address());
                }
            }
            int a;
            if (wanted != 0) {
                if (!s.contains(wanted) || wanted == s.gateway() || wanted == s.network() || wanted == (s.network() | ~Subnet.mask(s.prefix()))) {
                    throw CwbException.badInput(Subnet.dotted(wanted) + " is no container address of " + s,
                            "pick one from " + Subnet.dotted(s.host(0)) + " on, or leave it out");
                }
                if (taken.contains(wanted)) {
                    throw CwbException.badInput(Subnet.dotted(wanted) + " is taken by another container", "leave it out: the workbench picks a free one");
                }
                a = wanted;
            } else if (lease.address() != 0) {
                a = lease.address();
            } else {
                a = 0;
                for (int n = 0; n < s.capacity(); n++) {
                    if (!taken.contains(s.host(n))) {
                        a = s.host(n);
                        break;
                    }
                }
                if (a == 0) {
                    throw CwbException.badInput("every address of " + s + " is taken", "rm some containers, or give the bridge a larger subnet");
                }
            }
            Lease l = new Lease(a, lease.home(), container, lease.ownerPid(), lease.ownerStart(), lease.veth(), lease.ports(), lease.hostsFile());
            state.save(l);
            return l;
        });
    }

    /**
     * Publishes ports: each host port is checked against every other live lease (two workbenches never
     * publish one port twice) and against the host (a socket bound there now is a port in use), a port 0
     * becomes a free one the kernel picks, and the DNAT rules are added. All or nothing.
     */
    public Lease publish(Path home, String container, List<PortMapping> wanted) {
        if (wanted.isEmpty()) {
            return state.locked(() -> requireLease(home, container));
        }
        return state.locked(() -> {
            reclaimStale();
            Lease lease = requireLease(home, container);
            if (lease.address() == 0) {
                throw CwbException.badInput("container " + container + " has no address on " + name + " yet", "net addr first");
            }
            List<PortMapping> others = new ArrayList<>();
            for (Lease l : state.leases()) {
                if (!l.of(home, container)) {
                    others.addAll(l.ports());
                }
            }
            List<PortMapping> chosen = new ArrayList<>(lease.ports());
            for (PortMapping p : wanted) {
                PortMapping q = p.hostPort() == 0 ? p.withHostPort(freePort(p)) : p;
                for (PortMapping o : others) {
                    if (o.clashes(q)) {
                        throw CwbException.badInput("host port " + q.hostPort() + "/" + q.protocol() + " is already published by another container",
                                "pick another host port, or rm that container (ps, port NAME)");
                    }
                }
                for (PortMapping o : chosen) {
                    if (o.clashes(q)) {
                        throw CwbException.badInput("host port " + q.hostPort() + "/" + q.protocol() + " is given twice", "publish each host port once");
                    }
                }
                if (p.hostPort() != 0) {
                    checkFree(q);
                }
                chosen.add(q);
            }
            Lease l = lease.withPorts(chosen);
            state.save(l); // before the rules: a workbench killed between the two leaves a lease cleanup finds
            for (PortMapping p : chosen.subList(lease.ports().size(), chosen.size())) {
                nft.addPortRules(tag(home, container), name, p, l.address());
            }
            return l;
        });
    }

    static String tag(Path home, String container) {
        return "cwb " + NetState.key(home, container);
    }

    /** A host port the kernel calls free now (bind to port 0). */
    private static int freePort(PortMapping p) throws IOException {
        InetSocketAddress any = new InetSocketAddress(p.listenAddress(), 0);
        if (p.protocol().equals("udp")) {
            try (DatagramChannel ch = DatagramChannel.open()) {
                return ((InetSocketAddress) ch.bind(any).getLocalAddress()).getPort();
            }
        }
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            return ((InetSocketAddress) ch.bind(any).getLocalAddress()).getPort();
        }
    }

    /** Refuses a host port some program of the host listens on already. */
    static void checkFree(PortMapping p) {
        InetSocketAddress at = new InetSocketAddress(p.listenAddress(), p.hostPort());
        try {
            if (p.protocol().equals("udp")) {
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.bind(at);
                }
            } else {
                try (ServerSocketChannel ch = ServerSocketChannel.open()) {
                    ch.bind(at);
                }
            }
        } catch (java.net.BindException e) {
            throw CwbException.badInput("host port " + p.listenAddress() + ":" + p.hostPort() + "/" + p.protocol()
                    + " is already in use on this host", "pick another host port (ss -ltnp shows who holds it)");
        } catch (IOException e) {
            throw CwbException.io("checking host port " + p.hostPort(), e, "pick another host port");
        }
    }

    private Lease requireLease(Path home, String container) throws IOException {
        return state.lease(home, container).orElseThrow(() -> CwbException.badInput("container " + container + " is not on bridge " + name,
                "net bridge first"));
    }

    /** The lease of a container, if it has one. */
    public Optional<Lease> lease(Path home, String container) {
        return state.locked(() -> state.lease(home, container));
    }

    /** A container's lease, read without taking the lock (a look, for checks); empty without the host's network state. */
    public static Optional<Lease> leaseOf(Path home, String container) {
        NetState st = NetState.host();
        try {
            return java.nio.file.Files.isDirectory(st.dir().resolve("leases")) ? st.lease(home, container) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Every lease on the host (for tests and {@code net show}). */
    public List<Lease> leases() {
        return state.locked(state::leases);
    }

    /** Remembers the file that is the container's /etc/hosts, which {@link #writeHosts} keeps current. */
    public void hostsFile(Path home, String container, Path file) {
        state.locked(() -> {
            Lease l = requireLease(home, container);
            state.save(l.withHostsFile(file.toString()));
            return null;
        });
    }

    /**
     * Takes a container off the bridge: its DNAT rules, its veth's host end (already gone with the namespace
     * when its processes ended: deleting either end deletes both), its lease; then the bridge, its rules and
     * the table if no lease is left. Returns what could not be removed.
     */
    public List<String> release(Path home, String container) {
        PortProxy.stopAll(home, container);
        return state.locked(() -> {
            List<String> problems = new ArrayList<>();
            Optional<Lease> lease = state.lease(home, container);
            if (lease.isEmpty()) {
                return problems;
            }
            releaseLease(lease.get(), problems);
            removeIfUnused(problems);
            return problems;
        });
    }

    /**
     * {@link #release} for a container that may have no network at all: nothing is touched (not even the
     * state directory) unless the host's network state has a lease for it.
     */
    public static List<String> releaseIfAny(Syscalls host, Path home, String container) {
        PortProxy.stopAll(home, container);
        Slirp.stop(home, container);
        NetState st = NetState.host();
        if (!java.nio.file.Files.isRegularFile(st.dir().resolve("leases").resolve(NetState.key(home, container)))) {
            return List.of();
        }
        try {
            return new Bridge(host, st, new Nft(line -> { }), System.getenv().getOrDefault("CWB_BRIDGE", DEFAULT)).release(home, container);
        } catch (CwbException e) {
            return List.of("network of " + container + ": " + e.getMessage());
        }
    }

    private void releaseLease(Lease l, List<String> problems) throws IOException {
        try {
            if (!l.ports().isEmpty()) {
                nft.deleteTagged(tag(Path.of(l.home()), l.container()));
            }
        } catch (CwbException e) {
            problems.add("DNAT rules of " + l.container() + ": " + e.getMessage());
        }
        if (!l.veth().isEmpty()) {
            try (Links links = Links.open(host)) {
                links.delete(l.veth());
            } catch (SyscallException e) {
                problems.add("veth " + l.veth() + ": " + e.getMessage());
            }
        }
        state.remove(l);
        rewriteHosts();
    }

    private void removeIfUnused(List<String> problems) throws IOException {
        if (!state.leases().isEmpty()) {
            return;
        }
        Optional<NetState.BridgeRecord> b = state.bridge(name);
        if (b.isEmpty()) {
            return;
        }
        try (Links links = Links.open(host)) {
            links.delete(name);
        } catch (SyscallException e) {
            problems.add("bridge " + name + ": " + e.getMessage());
        }
        if (b.get().nat()) {
            try {
                nft.deleteTagged(name);
            } catch (CwbException e) {
                problems.add("rules of " + name + ": " + e.getMessage());
            }
        }
        state.removeBridge(name);
        try {
            if (!hasOtherBridges()) {
                nft.deleteTable();
            }
        } catch (CwbException e) {
            problems.add("table " + Nft.TABLE + ": " + e.getMessage());
        }
    }

    private boolean hasOtherBridges() throws IOException {
        try (var files = java.nio.file.Files.list(state.dir())) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("bridge-"));
        }
    }

    /**
     * Leases whose process is gone (a killed workbench, a killed shim, a container that ended without its
     * workbench removing it) are released, whichever workbench made them: their namespace, veth and address
     * went with that process; their rules did not. Returns the containers they named.
     */
    public List<String> cleanupStale() {
        return state.locked(() -> {
            List<String> gone = reclaimStale();
            removeIfUnused(new ArrayList<>());
            return gone;
        });
    }

    /** The leases whose process is gone, for {@code cleanup --dry-run}; none without the host's network state. */
    public static List<Lease> stale() {
        NetState st = NetState.host();
        if (!java.nio.file.Files.isDirectory(st.dir().resolve("leases"))) {
            return List.of();
        }
        return st.locked(() -> st.leases().stream().filter(l -> !l.alive()).toList());
    }

    private List<String> reclaimStale() throws IOException {
        List<String> gone = new ArrayList<>();
        for (Lease l : state.leases()) {
            if (!l.alive()) {
                releaseLease(l, new ArrayList<>());
                gone.add(l.container());
            }
        }
        return gone;
    }

    /**
     * Every container's /etc/hosts lists the others on the bridge (name and address), as Docker's legacy
     * links did, so containers reach each other by name; rewritten in place (the file is bind-mounted into
     * the container) whenever one joins or leaves.
     */
    public void writeHosts() {
        state.locked(() -> {
            rewriteHosts();
            return null;
        });
    }

    private void rewriteHosts() throws IOException {
        List<Lease> all = state.leases();
        for (Lease l : all) {
            if (l.hostsFile().isEmpty() || !java.nio.file.Files.isRegularFile(Path.of(l.hostsFile()))) {
                continue;
            }
            EtcFiles.rewriteHosts(Path.of(l.hostsFile()), l, all);
        }
    }

    private static CwbException failed(String what, SyscallException e) {
        return new CwbException(CwbException.IO, what + ": " + e.getMessage(),
                e.errno() == dev.cwb.kernel.Errno.EPERM ? "the host's links need root (CAP_NET_ADMIN): sudo ./cwb, or --network none"
                        : "see ip link show; cleanup removes what a killed workbench left", e);
    }
}
