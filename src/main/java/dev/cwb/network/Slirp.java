package dev.cwb.network;

import dev.cwb.CwbException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A rootless container's network, as rootless podman gives it: {@code slirp4netns}, a userspace TCP/IP
 * stack. It enters the container's user and network namespaces, makes a tap device there ({@code tap0},
 * 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) and turns the container's packets into ordinary socket
 * calls of an unprivileged process on the host — no bridge, no veth, no NAT rule, nothing of the host's
 * changed, which is why no root is needed. Published ports are {@code add_hostfwd} requests on its API
 * socket: slirp4netns itself listens on the host port. It runs under {@code setpriv --pdeathsig KILL},
 * so it ends with the workbench thread that started it, and is stopped with the container.
 */
public final class Slirp {
    public static final String ADDRESS = "10.0.2.100";
    public static final String DNS = "10.0.2.3";
    private static final Map<String, Process> RUNNING = new ConcurrentHashMap<>();

    private Slirp() {
    }

    static String program() {
        for (String d : List.of("/usr/bin", "/usr/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(d, "slirp4netns"))) {
                return Path.of(d, "slirp4netns").toString();
            }
        }
        throw new CwbException(CwbException.UNSUPPORTED, "slirp4netns is not installed: a rootless container's network needs it",
                "scripts/install-packages run (apt-get install slirp4netns), or --network none");
    }

    /**
     * Why slirp4netns cannot give a container its network here, or null when it can: the program is not
     * installed, or the host has no {@code /dev/net/tun}, which slirp4netns opens to make the container's
     * {@code tap0} (a kernel without the tun driver, or a device node not made).
     */
    public static String missing() {
        try {
            program();
        } catch (CwbException e) {
            return "slirp4netns is not installed";
        }
        if (!Files.exists(TUN)) {
            return "this host has no " + TUN + " (the tun driver that slirp4netns needs for tap0)";
        }
        return null;
    }

    private static final Path TUN = Path.of("/dev/net/tun");

    /**
     * Starts slirp4netns for the namespaces of process {@code pid}, waits until the tap device is configured,
     * then publishes {@code ports}; {@code shown} gets the command line and each API request.
     */
    public static void start(Path home, String container, int pid, Path apiSocket, List<PortMapping> ports, Consumer<String> shown) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", program(), "--configure", "--mtu=65520",
                "--disable-host-loopback", "--api-socket", apiSocket.toString(), Integer.toString(pid), "tap0"));
        shown.accept(String.join(" ", cmd));
        Process p;
        try {
            Files.deleteIfExists(apiSocket);
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw CwbException.io("starting slirp4netns", e, "apt-get install slirp4netns util-linux");
        }
        RUNNING.put(NetState.key(home, container), p);
        List<String> said = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    synchronized (said) {
                        said.add(line);
                        said.notifyAll();
                    }
                }
            } catch (IOException e) {
                // ended
            }
        }, "cwb-slirp4netns-output");
        reader.setDaemon(true);
        reader.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (said) {
            while (said.stream().noneMatch(l -> l.startsWith("received tapfd")) && p.isAlive() && System.nanoTime() < until) {
                try {
                    said.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!p.isAlive() || said.stream().noneMatch(l -> l.startsWith("received tapfd"))) {
            stop(home, container);
            throw new CwbException(CwbException.IO, "slirp4netns did not set up tap0: " + String.join(" / ", said),
                    "the container needs a user namespace of its own (--rootless); see slirp4netns(1)");
        }
        for (PortMapping m : ports) {
            String request = "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"" + m.protocol() + "\", \"host_addr\": \""
                    + m.listenAddress() + "\", \"host_port\": " + m.hostPort() + ", \"guest_port\": " + m.containerPort() + "}}";
            shown.accept("echo '" + request + "' | nc -U " + apiSocket);
            String answer = api(apiSocket, request);
            if (answer.contains("error")) {
                stop(home, container);
                throw CwbException.badInput("host port " + m.listenAddress() + ":" + m.hostPort() + "/" + m.protocol()
                        + " could not be published: " + answer.strip(), "pick another host port");
            }
        }
    }

    /**
     * One request to slirp4netns's API socket. slirp4netns prints "received tapfd" before it binds and listens
     * on that socket, so the first connect may find no file yet (ENOENT) or no listener (ECONNREFUSED): it is
     * tried again for up to five seconds.
     */
    private static String api(Path socket, String request) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return apiOnce(socket, request);
            } catch (CwbException e) {
                boolean notYet = e.getCause() instanceof java.nio.file.NoSuchFileException || e.getCause() instanceof java.net.ConnectException
                        || e.getCause() instanceof java.net.SocketException && !Files.exists(socket);
                if (!notYet || System.nanoTime() > until) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static String apiOnce(Path socket, String request) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (ch.read(b) >= 0 && b.hasRemaining()) {
                // until slirp4netns closes
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CwbException.io("slirp4netns's API socket " + socket, e, "see slirp4netns(1), --api-socket");
        }
    }

    /** Stops the container's slirp4netns, if this process started one. */
    public static void stop(Path home, String container) {
        Process p = RUNNING.remove(NetState.key(home, container));
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
