package dev.cwb.network;

import dev.cwb.kernel.Errno;
import dev.cwb.kernel.Rtnetlink;
import dev.cwb.kernel.SyscallException;
import dev.cwb.kernel.Syscalls;

/**
 * An rtnetlink socket and the requests {@code ip} would send through it, each a traced sendto(2) and
 * recvfrom(2) ({@link Syscalls#rtnetlink}). The socket belongs to the network namespace of whoever made the
 * {@code socket(2)} call: this JVM's thread for the host's links, a container's process for its own.
 */
public final class Links implements AutoCloseable {
    private final Syscalls calls;
    private final int fd;
    private int seq = (int) (System.currentTimeMillis() / 1000);

    private Links(Syscalls calls, int fd) {
        this.calls = calls;
        this.fd = fd;
    }

    /** socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) in the network namespace of {@code calls}' caller. */
    public static Links open(Syscalls calls) throws SyscallException {
        return new Links(calls, calls.rtnetlinkSocket());
    }

    private int send(Rtnetlink.Message m) throws SyscallException {
        return calls.rtnetlink(fd, m, ++seq);
    }

    /** The link's index, or 0 when there is no link of that name (ENODEV). */
    public int index(String name) throws SyscallException {
        try {
            return send(Rtnetlink.getLink(name));
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENODEV) {
                return 0;
            }
            throw e;
        }
    }

    /** {@code ip link add NAME type bridge}; returns its index. */
    public int addBridge(String name) throws SyscallException {
        send(Rtnetlink.newBridge(name));
        return index(name);
    }

    /** {@code ip link add HOST type veth peer name PEER netns PID}. */
    public void addVeth(String host, String peer, int peerPid) throws SyscallException {
        send(Rtnetlink.newVeth(host, peer, peerPid));
    }

    /** {@code ip link set dev NAME [master BRIDGE] up}. */
    public void up(String name, int index, String master, int masterIndex) throws SyscallException {
        send(Rtnetlink.setUp(index, name, masterIndex, master));
    }

    /** {@code ip addr add ADDR/PREFIX brd + dev NAME}. */
    public void addAddress(String name, int index, int address, int prefix) throws SyscallException {
        send(Rtnetlink.newAddress(index, name, Subnet.bytes(address), prefix));
    }

    /** {@code ip route add default via GATEWAY}. */
    public void defaultRoute(int gateway) throws SyscallException {
        send(Rtnetlink.newDefaultRoute(Subnet.bytes(gateway)));
    }

    /** {@code ip link del dev NAME}; false when there was no such link (ENODEV). */
    public boolean delete(String name) throws SyscallException {
        try {
            send(Rtnetlink.deleteLink(name));
            return true;
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENODEV) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() throws SyscallException {
        calls.close(fd);
    }
}
