package dev.cwb.network;

import dev.cwb.CwbException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The userspace half of a published port, as {@code docker-proxy} is: it listens on the host port and
 * relays each connection (each UDP client) to the container's address and port. It is what answers on
 * 127.0.0.1: the kernel does not route a loopback address to another interface, so no DNAT rule can send
 * the host's own {@code curl 127.0.0.1:8080} into the container. It runs in the process that keeps the
 * container (the workbench for {@code run}) and stops with the container's lease.
 */
public final class PortProxy implements AutoCloseable {
    private static final Map<String, List<PortProxy>> RUNNING = new ConcurrentHashMap<>();
    private final PortMapping mapping;
    private final InetSocketAddress target;
    private final java.io.Closeable socket;
    private final List<java.io.Closeable> open = new ArrayList<>();
    private volatile boolean closed;

    private PortProxy(PortMapping mapping, InetSocketAddress target, java.io.Closeable socket) {
        this.mapping = mapping;
        this.target = target;
        this.socket = socket;
    }

    /** Starts a proxy for each port of the lease, kept until {@link #stopAll} for the same container. All or none. */
    public static List<PortProxy> startAll(Lease lease) {
        List<PortProxy> started = new ArrayList<>();
        try {
            for (PortMapping p : lease.ports()) {
                started.add(start(p, new InetSocketAddress(lease.addressText(), p.containerPort())));
            }
        } catch (RuntimeException e) {
            started.forEach(PortProxy::close);
            throw e;
        }
        RUNNING.put(NetState.key(Path.of(lease.home()), lease.container()), started);
        return started;
    }

    /** Stops the proxies of a container of this process, if it has any. */
    public static void stopAll(Path home, String container) {
        List<PortProxy> l = RUNNING.remove(NetState.key(home, container));
        if (l != null) {
            l.forEach(PortProxy::close);
        }
    }

    static PortProxy start(PortMapping p, InetSocketAddress target) {
        InetSocketAddress at = new InetSocketAddress(p.listenAddress(), p.hostPort());
        try {
            if (p.protocol().equals("udp")) {
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(at);
                PortProxy proxy = new PortProxy(p, target, ch);
                thread("cwb-proxy-udp-" + p.hostPort(), () -> proxy.relayUdp(ch));
                return proxy;
            }
            ServerSocketChannel ch = ServerSocketChannel.open();
            ch.bind(at, 128);
            PortProxy proxy = new PortProxy(p, target, ch);
            thread("cwb-proxy-" + p.hostPort(), () -> proxy.accept(ch));
            return proxy;
        } catch (java.net.BindException e) {
            throw CwbException.badInput("host port " + p.listenAddress() + ":" + p.hostPort() + "/" + p.protocol() + " is already in use on this host",
                    "pick another host port (ss -ltnp shows who holds it)");
        } catch (IOException e) {
            throw CwbException.io("listening on host port " + p.hostPort(), e, "pick another host port");
        }
    }

    public PortMapping mapping() {
        return mapping;
    }

    private static void thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void accept(ServerSocketChannel server) {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            thread("cwb-proxy-conn", () -> relayTcp(client));
        }
    }

    private void relayTcp(SocketChannel client) {
        try (client; SocketChannel upstream = SocketChannel.open()) {
            synchronized (open) {
                open.add(client);
                open.add(upstream);
            }
            upstream.socket().connect(target, 5000);
            Thread back = new Thread(() -> copy(upstream, client), "cwb-proxy-back");
            back.setDaemon(true);
            back.start();
            copy(client, upstream);
            back.join(30_000);
        } catch (IOException | InterruptedException e) {
            // the container is not listening, or went away: the client sees its connection closed, as with docker-proxy
        } finally {
            synchronized (open) {
                open.remove(client);
            }
        }
    }

    /** Copies until end of stream, then half-closes the other side (an HTTP/1.0 client waits for that). */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) {
                    to.write(b);
                }
                b.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void relayUdp(DatagramChannel ch) {
        Map<SocketAddress, DatagramChannel> clients = new ConcurrentHashMap<>();
        ByteBuffer b = ByteBuffer.allocate(65536);
        while (!closed) {
            try {
                b.clear();
                SocketAddress from = ch.receive(b);
                b.flip();
                DatagramChannel up = clients.get(from);
                if (up == null) {
                    DatagramChannel u = DatagramChannel.open();
                    u.connect(target);
                    clients.put(from, u);
                    synchronized (open) {
                        open.add(u);
                    }
                    up = u;
                    thread("cwb-proxy-udp-back", () -> {
                        ByteBuffer r = ByteBuffer.allocate(65536);
                        try {
                            while (!closed) {
                                r.clear();
                                u.read(r);
                                r.flip();
                                ch.send(r, from);
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    });
                }
                up.write(b);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
        synchronized (open) {
            for (java.io.Closeable c : open) {
                try {
                    c.close();
                } catch (IOException e) {
                    // already closed
                }
            }
            open.clear();
        }
    }
}
