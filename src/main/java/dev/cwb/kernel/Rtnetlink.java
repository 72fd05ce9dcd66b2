package dev.cwb.kernel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * rtnetlink(7) messages, built and decoded byte by byte: a {@code struct nlmsghdr} (16 bytes), the family
 * header ({@code ifinfomsg} 16, {@code ifaddrmsg} 8, {@code rtmsg} 12 bytes), then attributes
 * ({@code struct rtattr}: length, type, value, padded to 4), nested ones for IFLA_LINKINFO. What {@code ip}
 * sends for {@code ip link add cwb0 type bridge}, {@code ip link add A type veth peer name B netns PID},
 * {@code ip addr add}, {@code ip link set up} and {@code ip route add default via}, and strace's rendering
 * of each for the trace ({@code strace -f} decodes netlink messages the same way).
 * Message layouts: include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, veth.h.
 */
public final class Rtnetlink {
    public static final int AF_NETLINK = 16;
    public static final int NETLINK_ROUTE = 0;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_NEWROUTE = 24;
    public static final int NLM_F_REQUEST = 1;
    public static final int NLM_F_ACK = 4;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int IFF_UP = 1;
    static final int IFF_BROADCAST = 0x2;
    static final int IFF_LOOPBACK = 0x8;
    static final int IFF_RUNNING = 0x40;
    static final int IFF_NOARP = 0x80;
    static final int IFF_MULTICAST = 0x1000;
    static final int IFF_LOWER_UP = 0x10000;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_LINK = 5;
    static final int IFLA_MASTER = 10;
    static final int IFLA_OPERSTATE = 16;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_NET_NS_PID = 19;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_BROADCAST = 4;
    static final int RTA_DST = 1;
    static final int RTA_GATEWAY = 5;

    private static final Map<Integer, String> TYPES = Map.of(RTM_NEWLINK, "RTM_NEWLINK", RTM_DELLINK, "RTM_DELLINK",
            RTM_GETLINK, "RTM_GETLINK", RTM_NEWADDR, "RTM_NEWADDR", RTM_NEWROUTE, "RTM_NEWROUTE", NLMSG_ERROR, "NLMSG_ERROR",
            NLMSG_DONE, "NLMSG_DONE");
    private static final Map<Integer, String> LINK_ATTRS = Map.of(IFLA_ADDRESS, "IFLA_ADDRESS", IFLA_IFNAME, "IFLA_IFNAME",
            IFLA_MTU, "IFLA_MTU", IFLA_LINK, "IFLA_LINK", IFLA_MASTER, "IFLA_MASTER", IFLA_OPERSTATE, "IFLA_OPERSTATE",
            IFLA_LINKINFO, "IFLA_LINKINFO", IFLA_NET_NS_PID, "IFLA_NET_NS_PID");
    private static final FlagTable IFF = new FlagTable("IFF_???").add(IFF_UP, "IFF_UP").add(IFF_BROADCAST, "IFF_BROADCAST")
            .add(IFF_LOOPBACK, "IFF_LOOPBACK").add(IFF_RUNNING, "IFF_RUNNING").add(IFF_NOARP, "IFF_NOARP")
            .add(IFF_MULTICAST, "IFF_MULTICAST").add(IFF_LOWER_UP, "IFF_LOWER_UP");

    private Rtnetlink() {
    }

    /** One attribute: its type and value (raw bytes, or nested attributes). */
    public record Attr(int type, byte[] value, List<Attr> nested) {
        static Attr bytes(int type, byte[] value) {
            return new Attr(type, value, List.of());
        }

        static Attr string(int type, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            byte[] z = new byte[b.length + 1];
            System.arraycopy(b, 0, z, 0, b.length);
            return bytes(type, z);
        }

        static Attr u32(int type, int v) {
            return bytes(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
        }

        static Attr nest(int type, Attr... inner) {
            return new Attr(type, null, List.of(inner));
        }

        byte[] encode() {
            byte[] payload = value;
            if (value == null) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (Attr a : nested) {
                    b.writeBytes(a.encode());
                }
                payload = b.toByteArray();
            }
            int len = 4 + payload.length;
            ByteBuffer buf = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
            buf.putShort((short) len).putShort((short) type).put(payload);
            return buf.array();
        }
    }

    /** A request: the netlink header's type and flags, the family header's bytes, the attributes; {@code what} says it as {@code ip} would. */
    public record Message(int type, int flags, byte[] header, List<Attr> attrs, String what) {
        public byte[] encode(int seq) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(header);
            for (Attr a : attrs) {
                body.writeBytes(a.encode());
            }
            ByteBuffer b = ByteBuffer.allocate(16 + body.size()).order(ByteOrder.nativeOrder());
            b.putInt(16 + body.size()).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
            b.put(body.toByteArray());
            return b.array();
        }
    }

    static byte[] ifinfomsg(int index, int flags, int change) {
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).put((byte) 0).put((byte) 0).putShort((short) 0)
                .putInt(index).putInt(flags).putInt(change).array();
    }

    private static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

    /** {@code ip link add NAME type bridge}. */
    public static Message newBridge(String name) {
        return new Message(RTM_NEWLINK, CREATE, ifinfomsg(0, 0, 0),
                List.of(Attr.string(IFLA_IFNAME, name), Attr.nest(IFLA_LINKINFO, Attr.string(IFLA_INFO_KIND, "bridge"))),
                "ip link add " + name + " type bridge");
    }

    /**
     * {@code ip link add NAME type veth peer name PEER netns PID}: the two ends are made at once, the peer
     * already in the network namespace of process {@code peerPid} (IFLA_NET_NS_PID), so it never appears
     * on the host. {@code peerPid} 0 leaves both ends here.
     */
    public static Message newVeth(String name, String peer, int peerPid) {
        ByteArrayOutputStream peerInfo = new ByteArrayOutputStream();
        peerInfo.writeBytes(ifinfomsg(0, 0, 0));
        peerInfo.writeBytes(Attr.string(IFLA_IFNAME, peer).encode());
        if (peerPid > 0) {
            peerInfo.writeBytes(Attr.u32(IFLA_NET_NS_PID, peerPid).encode());
        }
        return new Message(RTM_NEWLINK, CREATE, ifinfomsg(0, 0, 0),
                List.of(Attr.string(IFLA_IFNAME, name), Attr.nest(IFLA_LINKINFO, Attr.string(IFLA_INFO_KIND, "veth"),
                        Attr.nest(IFLA_INFO_DATA, Attr.bytes(VETH_INFO_PEER, peerInfo.toByteArray())))),
                "ip link add " + name + " type veth peer name " + peer + (peerPid > 0 ? " netns " + peerPid : ""));
    }

    /** {@code ip link set dev NAME up} (and {@code master BRIDGE} when {@code master > 0}). */
    public static Message setUp(int index, String name, int master, String masterName) {
        List<Attr> attrs = master > 0 ? List.of(Attr.u32(IFLA_MASTER, master)) : List.of();
        return new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifinfomsg(index, IFF_UP, IFF_UP), attrs,
                "ip link set dev " + name + (master > 0 ? " master " + masterName : "") + " up");
    }

    /** {@code ip link show NAME}: the kernel answers with the link (an RTM_NEWLINK), its index in it. */
    public static Message getLink(String name) {
        return new Message(RTM_GETLINK, NLM_F_REQUEST, ifinfomsg(0, 0, 0), List.of(Attr.string(IFLA_IFNAME, name)),
                "ip link show " + name);
    }

    /** {@code ip link del dev NAME}: by name (the kernel looks IFLA_IFNAME up when the index is 0). */
    public static Message deleteLink(String name) {
        return new Message(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, ifinfomsg(0, 0, 0), List.of(Attr.string(IFLA_IFNAME, name)),
                "ip link del dev " + name);
    }

    /** {@code ip addr add ADDR/PREFIX brd + dev NAME} (IPv4). */
    public static Message newAddress(int index, String name, byte[] addr, int prefix) {
        byte[] h = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).put((byte) 2).put((byte) prefix).put((byte) 0)
                .put((byte) 0).putInt(index).array();
        byte[] brd = addr.clone();
        int host = 32 - prefix;
        for (int bit = 0; bit < host; bit++) {
            brd[3 - bit / 8] |= (byte) (1 << (bit % 8));
        }
        return new Message(RTM_NEWADDR, CREATE, h, List.of(Attr.bytes(IFA_LOCAL, addr), Attr.bytes(IFA_ADDRESS, addr),
                Attr.bytes(IFA_BROADCAST, brd)), "ip addr add " + inet(addr) + "/" + prefix + " brd + dev " + name);
    }

    /** {@code ip route add default via GATEWAY} (IPv4, main table, static, universe scope). */
    public static Message newDefaultRoute(byte[] gateway) {
        byte[] h = new byte[] {2, 0, 0, 0, (byte) 254 /* RT_TABLE_MAIN */, 4 /* RTPROT_STATIC */, 0 /* RT_SCOPE_UNIVERSE */,
            1 /* RTN_UNICAST */, 0, 0, 0, 0};
        return new Message(RTM_NEWROUTE, CREATE, h, List.of(Attr.bytes(RTA_GATEWAY, gateway)),
                "ip route add default via " + inet(gateway));
    }

    /** The error an {@code NLMSG_ERROR} reply carries (0: the request's acknowledgement), or 1 when it is no such reply. */
    public static int error(byte[] reply, int length) {
        ByteBuffer b = ByteBuffer.wrap(reply, 0, length).order(ByteOrder.nativeOrder());
        if (length < 20 || b.getShort(4) != NLMSG_ERROR) {
            return 1;
        }
        return b.getInt(16);
    }

    /** The ifi_index of an RTM_NEWLINK answer, or 0. */
    public static int linkIndex(byte[] reply, int length) {
        ByteBuffer b = ByteBuffer.wrap(reply, 0, length).order(ByteOrder.nativeOrder());
        return length >= 32 && (b.getShort(4) & 0xffff) == RTM_NEWLINK ? b.getInt(20) : 0;
    }

    /** strace's rendering of the messages in {@code m}: {@code [{nlmsg_len=40, nlmsg_type=RTM_NEWLINK, ...}, {ifi_family=...}, [...]]}. */
    public static String describe(byte[] m, int length) {
        ByteBuffer b = ByteBuffer.wrap(m, 0, length).order(ByteOrder.nativeOrder());
        List<String> messages = new ArrayList<>();
        int at = 0;
        while (at + 16 <= length) {
            int len = b.getInt(at);
            if (len < 16 || at + len > length) {
                break;
            }
            messages.add(one(b, at, len));
            at += (len + 3) & ~3;
        }
        if (messages.isEmpty()) {
            return StraceText.quote(java.util.Arrays.copyOf(m, length));
        }
        return messages.size() == 1 ? messages.get(0) : "[" + String.join(", ", messages) + "]";
    }

    private static String one(ByteBuffer b, int base, int length) {
        int type = b.getShort(base + 4) & 0xffff;
        int flags = b.getShort(base + 6) & 0xffff;
        StringBuilder s = new StringBuilder("[{nlmsg_len=").append(length).append(", nlmsg_type=")
                .append(TYPES.getOrDefault(type, Integer.toString(type))).append(", nlmsg_flags=").append(flags(flags, type))
                .append(", nlmsg_seq=").append(b.getInt(base + 8)).append(", nlmsg_pid=").append(Integer.toUnsignedString(b.getInt(base + 12)))
                .append("}, ");
        if (type == NLMSG_ERROR && length >= 20) {
            int err = b.getInt(base + 16);
            s.append("{error=").append(err == 0 ? "0" : "-" + Errno.name(-err)).append(", msg=");
            if (length >= 36) { // the request's own header, as strace prints it
                int inner = b.getShort(base + 24) & 0xffff;
                s.append("{nlmsg_len=").append(b.getInt(base + 20)).append(", nlmsg_type=")
                        .append(TYPES.getOrDefault(inner, Integer.toString(inner))).append(", nlmsg_flags=")
                        .append(flags(b.getShort(base + 26) & 0xffff, inner)).append(", nlmsg_seq=").append(b.getInt(base + 28))
                        .append(", nlmsg_pid=").append(Integer.toUnsignedString(b.getInt(base + 32))).append("}");
            } else {
                s.append("...");
            }
            s.append("}]");
            return s.toString();
        }
        if (type == NLMSG_DONE) {
            return s.append("0]").toString();
        }
        int at = base + 16;
        int end = base + length;
        if ((type == RTM_NEWLINK || type == RTM_DELLINK || type == RTM_GETLINK) && length >= 32) {
            int arphrd = b.getShort(base + 18) & 0xffff;
            int change = b.getInt(base + 28);
            s.append("{ifi_family=AF_UNSPEC, ifi_type=").append(arphrd == 1 ? "ARPHRD_ETHER" : arphrd == 772 ? "ARPHRD_LOOPBACK"
                            : arphrd == 0 ? "ARPHRD_NETROM" : Integer.toString(arphrd))
                    .append(", ifi_index=").append(b.getInt(base + 20)).append(", ifi_flags=").append(IFF.format(b.getInt(base + 24)))
                    .append(", ifi_change=").append(change == 0 ? "0" : "0x" + Integer.toHexString(change)).append("}");
            at = base + 32;
        } else if (type == RTM_NEWADDR && length >= 24) {
            s.append("{ifa_family=AF_INET, ifa_prefixlen=").append(b.get(base + 17) & 0xff)
                    .append(", ifa_flags=0, ifa_scope=RT_SCOPE_UNIVERSE, ifa_index=").append(b.getInt(base + 20)).append("}");
            at = base + 24;
        } else if (type == RTM_NEWROUTE && length >= 28) {
            s.append("{rtm_family=AF_INET, rtm_dst_len=").append(b.get(base + 17) & 0xff)
                    .append(", rtm_src_len=0, rtm_tos=0, rtm_table=RT_TABLE_MAIN, rtm_protocol=RTPROT_STATIC, rtm_scope=RT_SCOPE_UNIVERSE, rtm_type=RTN_UNICAST, rtm_flags=0}");
            at = base + 28;
        }
        List<String> attrs = attributes(b, at, end, type);
        if (!attrs.isEmpty()) {
            s.append(", ").append(attrs.size() == 1 ? attrs.get(0) : "[" + String.join(", ", attrs) + "]");
        }
        return s.append("]").toString();
    }

    private static List<String> attributes(ByteBuffer b, int from, int to, int type) {
        List<String> out = new ArrayList<>();
        int at = from;
        int unnamed = 0;
        while (at + 4 <= to) {
            int len = b.getShort(at) & 0xffff;
            int t = b.getShort(at + 2) & 0x3fff;
            if (len < 4 || at + len > to) {
                break;
            }
            String name = null;
            String value = "...";
            if (type == RTM_NEWADDR) {
                name = t == IFA_LOCAL ? "IFA_LOCAL" : t == IFA_ADDRESS ? "IFA_ADDRESS" : t == IFA_BROADCAST ? "IFA_BROADCAST" : null;
                value = len >= 8 ? inet(b, at + 4) : value;
            } else if (type == RTM_NEWROUTE) {
                name = t == RTA_GATEWAY ? "RTA_GATEWAY" : t == RTA_DST ? "RTA_DST" : null;
                value = len >= 8 ? inet(b, at + 4) : value;
            } else if (LINK_ATTRS.containsKey(t)) {
                name = LINK_ATTRS.get(t);
                value = switch (t) {
                    case IFLA_IFNAME -> StraceText.quote(cstring(b, at + 4, len - 4).getBytes(StandardCharsets.UTF_8));
                    case IFLA_MTU, IFLA_LINK, IFLA_MASTER, IFLA_NET_NS_PID -> len >= 8 ? Integer.toString(b.getInt(at + 4)) : "...";
                    case IFLA_OPERSTATE -> operstate(b.get(at + 4));
                    case IFLA_ADDRESS -> mac(b, at + 4, len - 4);
                    case IFLA_LINKINFO -> linkInfo(b, at + 4, at + len);
                    default -> "...";
                };
            }
            if (name == null) {
                unnamed++;
            } else {
                out.add("[{nla_len=" + len + ", nla_type=" + name + "}, " + value + "]");
            }
            at += (len + 3) & ~3;
        }
        if (unnamed > 0) {
            out.add("..."); // a reply's other attributes (statistics, queues...): strace -v shows them
        }
        return out;
    }

    private static String linkInfo(ByteBuffer b, int from, int to) {
        List<String> parts = new ArrayList<>();
        int at = from;
        while (at + 4 <= to) {
            int len = b.getShort(at) & 0xffff;
            int t = b.getShort(at + 2) & 0x3fff;
            if (len < 4 || at + len > to) {
                break;
            }
            if (t == IFLA_INFO_KIND) {
                parts.add("[{nla_len=" + len + ", nla_type=IFLA_INFO_KIND}, "
                        + StraceText.quote(cstring(b, at + 4, len - 4).getBytes(StandardCharsets.UTF_8)) + "]");
            } else if (t == IFLA_INFO_DATA) {
                parts.add("[{nla_len=" + len + ", nla_type=IFLA_INFO_DATA}, " + infoData(b, at + 4, at + len) + "]");
            }
            at += (len + 3) & ~3;
        }
        return parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]";
    }

    /** A veth's IFLA_INFO_DATA: VETH_INFO_PEER, an ifinfomsg and the peer's own attributes. */
    private static String infoData(ByteBuffer b, int from, int to) {
        if (from + 4 > to || (b.getShort(from + 2) & 0x3fff) != VETH_INFO_PEER) {
            return "...";
        }
        int len = b.getShort(from) & 0xffff;
        int end = Math.min(to, from + len);
        List<String> peer = attributes(b, from + 4 + 16, end, RTM_NEWLINK);
        return "[{nla_len=" + len + ", nla_type=VETH_INFO_PEER}, {ifi_family=AF_UNSPEC, ifi_index=0}, "
                + (peer.size() == 1 ? peer.get(0) : "[" + String.join(", ", peer) + "]") + "]";
    }

    private static String operstate(byte s) {
        return switch (s) {
            case 0 -> "IF_OPER_UNKNOWN";
            case 2 -> "IF_OPER_DOWN";
            case 5 -> "IF_OPER_DORMANT";
            case 6 -> "IF_OPER_UP";
            default -> Integer.toString(s);
        };
    }

    private static String mac(ByteBuffer b, int at, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            s.append(i == 0 ? "" : ":").append(String.format("%02x", b.get(at + i) & 0xff));
        }
        return s.toString();
    }

    private static String inet(ByteBuffer b, int at) {
        return "inet_addr(\"" + (b.get(at) & 0xff) + "." + (b.get(at + 1) & 0xff) + "." + (b.get(at + 2) & 0xff) + "."
                + (b.get(at + 3) & 0xff) + "\")";
    }

    private static String inet(byte[] a) {
        return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }

    private static String cstring(ByteBuffer b, int at, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < max && b.get(at + i) != 0; i++) {
            s.append((char) (b.get(at + i) & 0xff));
        }
        return s.toString();
    }

    private static String flags(int f, int type) {
        List<String> names = new ArrayList<>();
        if ((f & NLM_F_REQUEST) != 0) {
            names.add("NLM_F_REQUEST");
        }
        if ((f & 2) != 0) {
            names.add("NLM_F_MULTI");
        }
        if ((f & NLM_F_ACK) != 0) {
            names.add("NLM_F_ACK");
        }
        if (type == NLMSG_ERROR) {
            if ((f & 0x100) != 0) {
                names.add("NLM_F_CAPPED");
            }
        } else {
            if ((f & NLM_F_EXCL) != 0) {
                names.add("NLM_F_EXCL");
            }
            if ((f & NLM_F_CREATE) != 0) {
                names.add("NLM_F_CREATE");
            }
        }
        return names.isEmpty() ? "0" : String.join("|", names);
    }
}
