package dev.cwb.network;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An IPv4 subnet such as {@code 172.30.0.0/16}: its gateway is the first host, containers get the next ones. */
public record Subnet(int network, int prefix) {
    /** The bridge's subnet when the learner names none: the first of these that no route of the host's overlaps. */
    static final List<Subnet> CANDIDATES = List.of(parse("172.30.0.0/16"), parse("172.31.0.0/16"), parse("10.123.0.0/16"));

    public Subnet {
        if (prefix < 8 || prefix > 30) {
            throw CwbException.badInput("a bridge's subnet needs a prefix from /8 to /30, not /" + prefix, "for example 172.30.0.0/16");
        }
        network &= mask(prefix);
    }

    /** {@code A.B.C.D/N}; the host bits are cleared. */
    public static Subnet parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw CwbException.badInput("'" + cidr + "' is no subnet", "write it as ADDRESS/PREFIX, for example 172.30.0.0/16");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw CwbException.badInput("'" + cidr + "' is no subnet", "write it as ADDRESS/PREFIX, for example 172.30.0.0/16");
        }
        return new Subnet(address(cidr.substring(0, slash)), prefix);
    }

    /** A dotted IPv4 address as an int (network order in the int's bits: 10.0.0.1 is 0x0a000001). */
    public static int address(String dotted) {
        String[] p = dotted.split("\\.", -1);
        if (p.length != 4) {
            throw CwbException.badInput("'" + dotted + "' is no IPv4 address", "write four numbers 0-255, for example 172.30.0.2");
        }
        int a = 0;
        for (String s : p) {
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v > 255) {
                throw CwbException.badInput("'" + dotted + "' is no IPv4 address", "write four numbers 0-255, for example 172.30.0.2");
            }
            a = a << 8 | v;
        }
        return a;
    }

    public static String dotted(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    public static byte[] bytes(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The bridge's own address: the first host. */
    public int gateway() {
        return network + 1;
    }

    /** How many addresses containers can get (all but the network, the gateway and the broadcast address). */
    public int capacity() {
        return (1 << (32 - prefix)) - 3;
    }

    /** The {@code n}th container address, {@code n} from 0: gateway + 1 + n. */
    public int host(int n) {
        return gateway() + 1 + n;
    }

    public boolean contains(int a) {
        return (a & mask(prefix)) == network;
    }

    public boolean overlaps(Subnet o) {
        int m = mask(Math.min(prefix, o.prefix));
        return (network & m) == (o.network & m);
    }

    @Override
    public String toString() {
        return dotted(network) + "/" + prefix;
    }

    /** The host's IPv4 routes (destination subnets) from /proc/net/route, the default route left out. */
    static List<Subnet> hostRoutes() {
        List<Subnet> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8 || f[0].equals("Iface")) {
                    continue;
                }
                int dst = Integer.reverseBytes((int) Long.parseLong(f[1], 16)); // the kernel prints it in host (little-endian) order
                int mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16));
                int prefix = Integer.bitCount(mask);
                if (prefix >= 8 && prefix <= 30) {
                    out.add(new Subnet(dst, prefix));
                } else if (prefix > 30) {
                    out.add(new Subnet(dst, 30));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc/net/route: nothing known to avoid
        }
        return out;
    }

    /** The first candidate subnet no host route overlaps (the routes of {@code ignoring}, the bridge itself, left out). */
    static Subnet free(List<Subnet> routes) {
        for (Subnet s : CANDIDATES) {
            if (routes.stream().noneMatch(s::overlaps)) {
                return s;
            }
        }
        throw CwbException.badInput("every subnet the workbench would give its bridge (" + CANDIDATES + ") overlaps a route of this host",
                "name one: net bridge --subnet 10.200.0.0/24, or set CWB_BRIDGE_SUBNET");
    }
}
