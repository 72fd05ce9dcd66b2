package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.Container;
import dev.cwb.container.Namespace;
import dev.cwb.network.Bridge;
import dev.cwb.network.Lease;
import dev.cwb.network.Links;
import dev.cwb.network.NetState;
import dev.cwb.network.Subnet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code net bridge | veth | addr | up | route | nat | show}: the container's network by hand, in the order
 * Docker's bridge driver does it. Links, addresses and routes are rtnetlink requests (each a traced
 * sendto/recvfrom with the message decoded as strace shows it); the host's are made by this workbench's
 * thread, the container's by the container's own process, in its network namespace. NAT rules are
 * nftables rules, each shown as the {@code nft} line that adds it.
 */
@Command(name = "net", description = "The container's network by hand: net bridge, net veth, net addr, net up, net route, net nat, net show.",
        footer = {"", "In Docker's order: a bridge on the host (cwb0, with the subnet's first address), a veth pair with one end (eth0) in the",
                "container's network namespace, an address and the links up inside, a default route via the bridge, then NAT for the subnet.",
                "Each link, address and route is an rtnetlink message (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE), shown decoded.",
                "rm removes the veth, the rules, and the bridge when no container uses it."})
public final class NetCommand extends ContainerCommand {
    @Parameters(index = "0", paramLabel = "ACTION", completionCandidates = NetCommand.Actions.class,
            description = "bridge, veth, addr, up, route, nat or show.")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ADDRESS", description = "addr: the container's address (default: the lowest free one).")
    String address;

    @Option(names = "--subnet", paramLabel = "CIDR", description = "bridge: the bridge's subnet (default: 172.30.0.0/16, or the next one no host route overlaps).")
    String subnet;

    /** The actions, for Tab. */
    static final class Actions implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("bridge", "veth", "addr", "up", "route", "nat", "show").iterator();
        }
    }

    @Override
    protected int run() throws Exception {
        Container c = container();
        Path home = workbench.home().root();
        Bridge bridge = new Bridge(c.hostCalls(), nftPrinter(out()));
        if (!action.equals("show") && !action.equals("nat") && !c.has(Namespace.NET)) {
            throw CwbException.badInput("container " + c.name() + " shares the host's network namespace: its links would be the host's",
                    "unshare net first");
        }
        if (address != null && !action.equals("addr")) {
            throw CwbException.badInput("net " + action + " takes no address", "net addr ADDRESS gives one");
        }
        switch (action) {
            case "bridge" -> {
                Subnet s = subnet == null ? null : Subnet.parse(subnet);
                Bridge.Joined j = traced(c, () -> bridge.join(home, c.name(), c.current().pid(), s, false));
                said(j.made() ? "Bridge " + bridge.name() + " made on the host: " + Subnet.dotted(j.bridge().subnet().gateway()) + "/"
                        + j.bridge().subnet().prefix() + ", up. It is the containers' switch, and their gateway."
                        : "Bridge " + bridge.name() + " is there already (" + j.bridge().subnet() + "): " + c.name() + " will use it.");
            }
            case "veth" -> {
                Lease l = traced(c, () -> bridge.veth(home, c.name(), c.current().pid()));
                said("A veth pair: " + l.veth() + " on the host, on " + bridge.name() + " and up; eth0 in " + c.name()
                        + "'s network namespace (down until net up). What goes in one end comes out of the other.");
            }
            case "addr" -> {
                Lease l = bridge.address(home, c.name(), address == null ? 0 : Subnet.address(address));
                Subnet s = bridge.record().orElseThrow().subnet();
                traced(c, () -> {
                    try (Links inside = Links.open(c.calls())) {
                        int eth0 = inside.index("eth0");
                        if (eth0 == 0) {
                            throw CwbException.badInput("container " + c.name() + " has no eth0", "net veth first");
                        }
                        inside.addAddress("eth0", eth0, l.address(), s.prefix());
                    }
                    return null;
                });
                said("eth0 of " + c.name() + " has " + l.addressText() + "/" + s.prefix() + " (the lease is kept in "
                        + NetState.host().dir() + ": no other workbench gets it).");
            }
            case "up" -> {
                traced(c, () -> {
                    try (Links inside = Links.open(c.calls())) {
                        inside.up("lo", inside.index("lo"), null, 0);
                        int eth0 = inside.index("eth0");
                        if (eth0 != 0) {
                            inside.up("eth0", eth0, null, 0);
                        }
                    }
                    return null;
                });
                said("lo and eth0 are up inside " + c.name() + ".");
            }
            case "route" -> {
                Subnet s = bridge.record().orElseThrow(() -> CwbException.badInput("there is no bridge " + bridge.name(), "net bridge first")).subnet();
                try {
                    traced(c, () -> {
                        try (Links inside = Links.open(c.calls())) {
                            inside.defaultRoute(s.gateway());
                        }
                        return null;
                    });
                } catch (CwbException e) {
                    if (e.getCause() instanceof dev.cwb.kernel.SyscallException se && se.errno() == dev.cwb.kernel.Errno.ENETUNREACH) {
                        throw new CwbException(CwbException.IO, se.getMessage() + ": the gateway " + Subnet.dotted(s.gateway())
                                + " is on no link that is up inside " + c.name(), "net up first (and net addr before it)", se);
                    }
                    throw e;
                }
                said("Default route inside " + c.name() + ": via " + Subnet.dotted(s.gateway()) + " (the bridge).");
            }
            case "nat" -> {
                boolean added = bridge.nat();
                said(added ? "Masquerade for " + bridge.record().orElseThrow().subnet() + " and forward rules for " + bridge.name()
                        + " are in table ip cwb." + forwarding() : "The NAT rules of " + bridge.name() + " are there already (nft list table ip cwb).");
            }
            case "show" -> show(c, bridge, home);
            default -> throw CwbException.badInput("no net action '" + action + "'", "use bridge, veth, addr, up, route, nat or show");
        }
        return 0;
    }

    private static String forwarding() {
        try {
            String v = java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
            return v.equals("1") ? "" : " The host forwards no packets (net.ipv4.ip_forward = 0), so nothing leaves for other "
                    + "machines; the workbench leaves that host setting alone.";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void show(Container c, Bridge bridge, Path home) {
        var rec = bridge.record();
        if (rec.isEmpty()) {
            out().println("No bridge " + bridge.name() + " yet (net bridge makes it).");
        } else {
            out().println("Bridge " + bridge.name() + ": " + rec.get().subnet() + ", gateway " + Subnet.dotted(rec.get().subnet().gateway())
                    + (rec.get().nat() ? ", NAT rules in table ip cwb" : ", no NAT rules yet"));
        }
        var lease = bridge.lease(home, c.name());
        if (lease.isEmpty()) {
            out().println(c.name() + " is not on it.");
            return;
        }
        Lease l = lease.get();
        out().println(c.name() + ": " + (l.address() == 0 ? "no address yet" : l.addressText()) + (l.veth().isEmpty() ? ", no veth yet" : ", veth " + l.veth()));
        l.ports().forEach(p -> out().println("  " + p.shown()));
    }

    /** Each nftables rule, as the line that adds it, as a comment (like the cgroup steps' {@code # shell:} lines). */
    private java.util.function.Consumer<String> nftPrinter(java.io.PrintWriter to) {
        boolean color = workbench.color();
        return line -> {
            String shown = "  # " + line;
            to.println(color ? "\u001b[2m" + shown + "\u001b[0m" : shown);
            to.flush();
        };
    }
}
