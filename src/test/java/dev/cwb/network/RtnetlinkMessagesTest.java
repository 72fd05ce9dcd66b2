package dev.cwb.network;

import dev.cwb.kernel.Rtnetlink;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bytes of the requests, against what iproute2 sends for the same command (strace -X raw of ip 6.1). */
class RtnetlinkMessagesTest {
    @Test
    void aBridgeRequestIsIpsBytes() {
        byte[] m = Rtnetlink.newBridge("h14x").encode(7);
        // ip link add h14x type bridge: nlmsghdr (60, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 7), ifinfomsg, IFLA_IFNAME, IFLA_LINKINFO{IFLA_INFO_KIND}
        String hex = HexFormat.of().formatHex(m);
        assertEquals(60, m.length);
        assertTrue(hex.startsWith("3c0000001000050607000000" + "00000000" + "00000000000000000000000000000000"), hex);
        assertTrue(hex.contains("0900030068313478"), "IFLA_IFNAME \"h14x\": " + hex);
        assertTrue(hex.contains("0b0001006272696467650000"), "IFLA_INFO_KIND \"bridge\" padded to 12: " + hex);
        String shown = Rtnetlink.describe(m, m.length);
        assertEquals("[{nlmsg_len=60, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE, nlmsg_seq=7, "
                + "nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=0, ifi_flags=0, ifi_change=0}, "
                + "[[{nla_len=9, nla_type=IFLA_IFNAME}, \"h14x\"], [{nla_len=16, nla_type=IFLA_LINKINFO}, "
                + "[{nla_len=11, nla_type=IFLA_INFO_KIND}, \"bridge\"]]]]", shown);
    }

    @Test
    void anAddressRequestCarriesLocalAddressAndBroadcast() {
        byte[] m = Rtnetlink.newAddress(5, "cwb0", new byte[] {(byte) 172, 30, 0, 1}, 16).encode(1);
        assertEquals(48, m.length, "ip addr add 172.30.0.1/16 brd + dev cwb0 sends 48 bytes too");
        String shown = Rtnetlink.describe(m, m.length);
        assertTrue(shown.contains("{ifa_family=AF_INET, ifa_prefixlen=16, ifa_flags=0, ifa_scope=RT_SCOPE_UNIVERSE, ifa_index=5}"), shown);
        assertTrue(shown.contains("[{nla_len=8, nla_type=IFA_BROADCAST}, inet_addr(\"172.30.255.255\")]"), shown);
    }

    @Test
    void aVethRequestNamesItsPeerAndThePeersNamespace() {
        byte[] m = Rtnetlink.newVeth("veth1234567", "eth0", 4242).encode(1);
        String shown = Rtnetlink.describe(m, m.length);
        assertTrue(shown.contains("[{nla_len=9, nla_type=IFLA_INFO_KIND}, \"veth\"]"), shown);
        assertTrue(shown.contains("nla_type=VETH_INFO_PEER}, {ifi_family=AF_UNSPEC, ifi_index=0}, [[{nla_len=9, nla_type=IFLA_IFNAME}, \"eth0\"], "
                + "[{nla_len=8, nla_type=IFLA_NET_NS_PID}, 4242]]"), shown);
        assertEquals("ip link add veth1234567 type veth peer name eth0 netns 4242", Rtnetlink.newVeth("veth1234567", "eth0", 4242).what());
    }

    @Test
    void portsAreParsedAsDockerSaysThem() {
        assertEquals("127.0.0.1:8080:80/tcp", PortMapping.parse("127.0.0.1:8080:80").toString());
        assertEquals("5353:53/udp", PortMapping.parse("5353:53/udp").toString());
        assertEquals("0:80/tcp", PortMapping.parse("80").toString());
        assertEquals("80/tcp -> 0.0.0.0:8080", PortMapping.parse("0.0.0.0:8080:80").shown());
        for (String bad : new String[] {"70000:80", "8080:0", "8080:80/sctp", "a:80", "1.2.3:80:80", "1:2:3:4"}) {
            dev.cwb.CwbException e = org.junit.jupiter.api.Assertions.assertThrows(dev.cwb.CwbException.class, () -> PortMapping.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad) || e.getMessage().contains("IPv4"), e.getMessage());
        }
        assertTrue(PortMapping.parse("8080:80").clashes(PortMapping.parse("127.0.0.1:8080:81")), "every address includes loopback");
        assertTrue(!PortMapping.parse("8080:80").clashes(PortMapping.parse("8080:80/udp")), "tcp and udp ports are apart");
    }

    @Test
    void subnetsAvoidTheHostsRoutes() {
        Subnet s = Subnet.parse("172.30.5.7/16");
        assertEquals("172.30.0.0/16", s.toString());
        assertEquals("172.30.0.1", Subnet.dotted(s.gateway()));
        assertEquals("172.30.0.2", Subnet.dotted(s.host(0)));
        assertEquals("172.31.0.0/16", Subnet.free(java.util.List.of(Subnet.parse("172.30.128.0/24"))).toString());
        assertEquals("172.30.0.0/16", Subnet.free(java.util.List.of(Subnet.parse("192.0.2.0/24"))).toString());
    }
}
