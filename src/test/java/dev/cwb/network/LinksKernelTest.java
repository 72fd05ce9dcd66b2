package dev.cwb.network;

import dev.cwb.kernel.CloneFlags;
import dev.cwb.kernel.Errno;
import dev.cwb.kernel.NamespaceThread;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.SyscallLog;
import dev.cwb.kernel.SyscallRecord;
import dev.cwb.kernel.Syscalls;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rtnetlink requests of {@link Links}, made in a private network namespace (a namespace thread that
 * unshared CLONE_NEWNET: nothing appears on the host), checked with {@code ip} run inside that namespace.
 */
class LinksKernelTest {
    @Test
    void bridgeVethAddressAndRouteAreWhatIpShows() throws Exception {
        Requirements.requireRoot();
        Requirements.requireCommand("ip", "iproute2");
        Requirements.requireCommand("nsenter", "util-linux");
        SyscallLog log = new SyscallLog();
        Syscalls sys = new Syscalls(log);
        try (NamespaceThread ns = NamespaceThread.start("cwb-links-test", sys)) {
            String netns = ns.call(() -> {
                sys.unshare(CloneFlags.CLONE_NEWNET);
                return "/proc/" + ProcessHandle.current().pid() + "/task/" + ns.tid() + "/ns/net";
            });
            ns.call(() -> {
                try (Links links = Links.open(sys)) {
                    int br = links.addBridge("br-test");
                    assertTrue(br > 0);
                    links.addAddress("br-test", br, Subnet.address("10.77.0.1"), 24);
                    links.up("br-test", br, null, 0);
                    links.addVeth("vt-host", "vt-peer", 0);
                    links.up("vt-host", links.index("vt-host"), "br-test", br);
                    int peer = links.index("vt-peer");
                    links.addAddress("vt-peer", peer, Subnet.address("10.77.0.2"), 24);
                    links.up("vt-peer", peer, null, 0);
                    links.up("lo", links.index("lo"), null, 0);
                    assertEquals(0, links.index("no-such-link"), "an unknown link has no index (ENODEV)");
                    SyscallException twice = assertThrows(SyscallException.class, () -> links.addBridge("br-test"));
                    assertEquals(Errno.EEXIST, twice.errno(), twice.getMessage());
                    assertTrue(twice.getMessage().contains("ip link add br-test type bridge"), twice.getMessage());
                }
                return null;
            });
            String addrs = ip(netns, "-br", "-4", "addr");
            assertTrue(addrs.matches("(?s).*br-test\\s+(UP|UNKNOWN)\\s+10\\.77\\.0\\.1/24.*"), addrs);
            assertTrue(addrs.matches("(?s).*vt-peer@vt-host\\s+UP\\s+10\\.77\\.0\\.2/24.*"), addrs);
            assertTrue(ip(netns, "-br", "link", "show", "master", "br-test").contains("vt-host@vt-peer"), "the host end is on the bridge");

            // a route needs its gateway reachable: through vt-peer's subnet
            ns.call(() -> {
                try (Links links = Links.open(sys)) {
                    links.defaultRoute(Subnet.address("10.77.0.1"));
                }
                return null;
            });
            assertTrue(ip(netns, "-4", "route").contains("default via 10.77.0.1"), ip(netns, "-4", "route"));
            ns.call(() -> {
                try (Links links = Links.open(sys)) {
                    assertTrue(links.delete("vt-host"));
                    assertTrue(!links.delete("vt-host"), "deleting a link that is gone says so (ENODEV)");
                }
                return null;
            });
            assertTrue(!ip(netns, "-br", "link").contains("vt-peer"), "deleting one end of a veth deletes both");

            List<String> trace = log.recordsOf(ns.tid()).stream().map(SyscallRecord::straceLine).toList();
            assertTrue(trace.stream().anyMatch(l -> l.startsWith("socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = ")), trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.startsWith("sendto(") && l.contains("nlmsg_type=RTM_NEWLINK")
                    && l.contains("[{nla_len=11, nla_type=IFLA_INFO_KIND}, \"bridge\"]")), trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.contains("nlmsg_type=RTM_NEWADDR") && l.contains("inet_addr(\"10.77.0.2\")")
                    && l.contains("[{nla_len=8, nla_type=IFA_BROADCAST}, inet_addr(\"10.77.0.255\")]")), trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.contains("nlmsg_type=RTM_NEWROUTE") && l.contains("RTA_GATEWAY}, inet_addr(\"10.77.0.1\")")),
                    trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.startsWith("recvfrom(") && l.contains("{error=-EEXIST, msg={nlmsg_len=60, nlmsg_type=RTM_NEWLINK")),
                    "the kernel's refusal is decoded: " + trace);
            assertTrue(trace.stream().anyMatch(l -> l.contains("VETH_INFO_PEER") && l.contains("\"vt-peer\"")), trace.toString());
        }
        assertTrue(!new String(new ProcessBuilder("ip", "-br", "link").start().getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .contains("br-test"), "nothing reached the host's namespace");
    }

    private static String ip(String netns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("nsenter", "--net=" + netns, "ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
