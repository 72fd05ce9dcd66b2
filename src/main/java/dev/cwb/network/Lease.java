package dev.cwb.network;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * One container's place on the bridge, kept in the host-wide {@link NetState} (it is the host's bridge and
 * rule set, whichever workbench made it): its address, the host end of its veth, its published ports, and
 * the process whose network namespace it is (pid and start time) — once that process is gone, so is the
 * namespace and the veth with it, and the address and ports are free again.
 */
public record Lease(int address, String home, String container, long ownerPid, long ownerStart, String veth,
                    List<PortMapping> ports, String hostsFile) {
    public Lease {
        ports = List.copyOf(ports);
        hostsFile = hostsFile == null ? "" : hostsFile;
    }

    /** True while the process whose namespace this is still runs. */
    public boolean alive() {
        boolean same = ProcessHandle.of(ownerPid).flatMap(p -> p.info().startInstant())
                .map(t -> t.toEpochMilli() == ownerStart).orElse(false);
        return same && !dev.cwb.cgroup.CgroupOwners.Owner.zombie(ownerPid);
    }

    public boolean of(Path home, String container) {
        return this.home.equals(home.toAbsolutePath().toString()) && this.container.equals(container);
    }

    public String addressText() {
        return Subnet.dotted(address);
    }

    Lease withPorts(List<PortMapping> p) {
        return new Lease(address, home, container, ownerPid, ownerStart, veth, p, hostsFile);
    }

    Lease withHostsFile(String f) {
        return new Lease(address, home, container, ownerPid, ownerStart, veth, ports, f);
    }

    Lease withOwner(long pid, long start) {
        return new Lease(address, home, container, pid, start, veth, ports, hostsFile);
    }

    String text() {
        Properties p = new Properties();
        p.setProperty("address", addressText());
        p.setProperty("home", home);
        p.setProperty("container", container);
        p.setProperty("owner.pid", Long.toString(ownerPid));
        p.setProperty("owner.start", Long.toString(ownerStart));
        p.setProperty("veth", veth);
        p.setProperty("hosts", hostsFile);
        p.setProperty("ports", String.join(",", ports.stream().map(PortMapping::toString).toList()));
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    static Lease parse(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        List<PortMapping> ports = new ArrayList<>();
        for (String s : p.getProperty("ports", "").split(",")) {
            if (!s.isBlank()) {
                ports.add(PortMapping.parse(s));
            }
        }
        try {
            return new Lease(Subnet.address(p.getProperty("address")), p.getProperty("home"), p.getProperty("container"),
                    Long.parseLong(p.getProperty("owner.pid")), Long.parseLong(p.getProperty("owner.start")), p.getProperty("veth", ""),
                    ports, p.getProperty("hosts", ""));
        } catch (RuntimeException e) {
            throw new IOException("a damaged lease: " + e.getMessage(), e);
        }
    }
}
