package dev.cwb.network;

import dev.cwb.CwbException;

import java.util.Locale;

/**
 * One published port, as {@code -p [HOST_IP:]HOST_PORT:CTR_PORT[/udp]} says it: traffic to HOST_IP:HOST_PORT
 * on the host reaches the container's CTR_PORT. An empty host address means every address of the host
 * (Docker's {@code 0.0.0.0}).
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, String protocol) {
    public PortMapping {
        hostIp = hostIp == null ? "" : hostIp;
        protocol = protocol.toLowerCase(Locale.ROOT);
    }

    /** {@code 8080:80}, {@code 127.0.0.1:8080:80}, {@code 8080:80/udp}, {@code 80} (any free host port: 0). */
    public static PortMapping parse(String spec) {
        String s = spec;
        String proto = "tcp";
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            proto = s.substring(slash + 1).toLowerCase(Locale.ROOT);
            s = s.substring(0, slash);
            if (!proto.equals("tcp") && !proto.equals("udp")) {
                throw CwbException.badInput("-p " + spec + ": the protocol is tcp or udp, not '" + proto + "'", "for example -p 8080:80/udp");
            }
        }
        String[] parts = s.split(":", -1);
        String ip = "";
        String hostPort;
        String ctrPort;
        switch (parts.length) {
            case 1 -> {
                hostPort = "0";
                ctrPort = parts[0];
            }
            case 2 -> {
                hostPort = parts[0];
                ctrPort = parts[1];
            }
            case 3 -> {
                ip = parts[0];
                hostPort = parts[1].isEmpty() ? "0" : parts[1];
                ctrPort = parts[2];
            }
            default -> throw CwbException.badInput("-p " + spec + " is not [HOST_IP:]HOST_PORT:CONTAINER_PORT[/udp]",
                    "for example -p 127.0.0.1:8080:80");
        }
        if (!ip.isEmpty() && !ip.equals("0.0.0.0")) {
            Subnet.address(ip); // refuses what is no IPv4 address
        } else {
            ip = "";
        }
        return new PortMapping(ip, port(spec, hostPort, true), port(spec, ctrPort, false), proto);
    }

    private static int port(String spec, String text, boolean zeroAllowed) {
        int p;
        try {
            p = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw CwbException.badInput("-p " + spec + ": '" + text + "' is no port number", "a port is a number from 1 to 65535");
        }
        if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
            throw CwbException.badInput("-p " + spec + ": port " + p + " is out of range", "a port is a number from 1 to 65535");
        }
        return p;
    }

    PortMapping withHostPort(int port) {
        return new PortMapping(hostIp, port, containerPort, protocol);
    }

    /** The host address the proxy listens on: {@code 0.0.0.0} for every address. */
    public String listenAddress() {
        return hostIp.isEmpty() ? "0.0.0.0" : hostIp;
    }

    /** As {@code docker port} prints it: {@code 80/tcp -> 127.0.0.1:8080}. */
    public String shown() {
        return containerPort + "/" + protocol + " -> " + listenAddress() + ":" + hostPort;
    }

    /** Two mappings that would listen on the same host socket. */
    boolean clashes(PortMapping o) {
        return protocol.equals(o.protocol) && hostPort == o.hostPort
                && (hostIp.isEmpty() || o.hostIp.isEmpty() || hostIp.equals(o.hostIp));
    }

    @Override
    public String toString() {
        return (hostIp.isEmpty() ? "" : hostIp + ":") + hostPort + ":" + containerPort + "/" + protocol;
    }
}
