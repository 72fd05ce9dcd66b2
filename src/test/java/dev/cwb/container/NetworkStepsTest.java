package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network by hand, as lesson 15 does it: two step-by-step containers, each put on the bridge with
 * {@code net bridge | veth | addr | up | route}, reach each other by address (and not before their links are
 * up); the trace shows the rtnetlink messages; the host sees the veths on cwb0; {@code rm} leaves the host's
 * links and nftables rules as they were.
 */
class NetworkStepsTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void open() {
        cwb = ContainerBench.open(home);
        dev.cwb.testing.Requirements.requireCommand("nft", "nftables");
        dev.cwb.testing.Requirements.requireCommand("ip", "iproute2");
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    static String host(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /** The host's network links by name. */
    static Set<String> hostLinks() throws IOException {
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** The workbench's nftables table as nft lists it ("" when there is none). */
    static String cwbTable() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nft", "list", "table", "ip", "cwb").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }

    private static final Pattern ADDRESS = Pattern.compile("eth0 of \\S+ has (\\d+\\.\\d+\\.\\d+\\.\\d+)/(\\d+)");

    private static String stepsUpTo(String box, boolean up) {
        cwb.ok("new", box, "from", "busybox");
        cwb.ok("unshare", "mnt", "net");
        cwb.ok("overlay");
        cwb.ok("pivot_root");
        ContainerBench.Result bridge = cwb.ok("net", "bridge");
        assertTrue(bridge.out().contains("nlmsg_type=RTM_GETLINK") && bridge.out().contains("\"cwb0\""), bridge.toString());
        assertTrue(bridge.out().contains("Bridge cwb0 made on the host") ? bridge.out().contains("[{nla_len=11, nla_type=IFLA_INFO_KIND}, \"bridge\"]")
                        && bridge.out().contains("nlmsg_type=RTM_NEWADDR") : bridge.out().contains("is there already"),
                bridge.toString());
        ContainerBench.Result veth = cwb.ok("net", "veth");
        assertTrue(veth.out().contains("nla_type=VETH_INFO_PEER") && veth.out().contains("[{nla_len=8, nla_type=IFLA_NET_NS_PID}, "),
                veth.toString());
        assertTrue(veth.out().contains("nla_type=IFLA_MASTER"), "the host end is put on the bridge: " + veth);
        ContainerBench.Result addr = cwb.ok("net", "addr");
        Matcher m = ADDRESS.matcher(addr.out());
        assertTrue(m.find(), addr.toString());
        assertTrue(addr.out().contains("nlmsg_type=RTM_NEWADDR") && addr.out().contains("inet_addr(\"" + m.group(1) + "\")"), addr.toString());
        if (!up) {
            ContainerBench.Result early = cwb.run("net", "route");
            assertNotEquals(0, early.code(), early.toString());
            assertTrue(early.err().contains("ENETUNREACH") && early.err().contains("net up first"), early.toString());
            return m.group(1);
        }
        cwb.ok("net", "up");
        ContainerBench.Result route = cwb.ok("net", "route");
        assertTrue(route.out().contains("nlmsg_type=RTM_NEWROUTE") && route.out().contains("nla_type=RTA_GATEWAY"), route.toString());
        return m.group(1);
    }

    @Test
    void twoContainersOnTheBridgeReachEachOtherAndRmLeavesTheHostAsItWas() throws Exception {
        Set<String> linksBefore = hostLinks();
        String tableBefore = cwbTable();
        String a = cwb.name("net-a");
        String b = cwb.name("net-b");
        String addrA = stepsUpTo(a, true);
        String addrB = stepsUpTo(b, false);
        assertNotEquals(addrA, addrB, "two containers never get one address");

        // the kernel's view: eth0 with its address inside, both host ends on cwb0
        ContainerBench.Result inside = cwb.ok("exec", "-c", a, "ip", "-4", "addr", "show", "eth0");
        assertTrue(inside.out().contains("inet " + addrA + "/"), inside.toString());
        String master = host("ip", "-br", "link", "show", "master", "cwb0");
        assertEquals(2, master.lines().filter(l -> l.startsWith("veth")).count() - otherVeths(master, a, b), master);

        // b's eth0 is still down: nothing reaches it (the check that shows the next step matters)
        ContainerBench.Result before = cwb.run("exec", "-c", a, "ping", "-c", "1", "-W", "1", addrB);
        assertNotEquals(0, before.code(), "b's links are down, yet a reached it: " + before);
        cwb.ok("net", "up", "-c", b);
        cwb.ok("net", "route", "-c", b);
        ContainerBench.Result ping = cwb.run("exec", "-c", a, "ping", "-c", "1", "-W", "2", addrB);
        assertEquals(0, ping.code(), ping.toString());
        assertTrue(ping.out().contains("1 packets received"), ping.toString());

        ContainerBench.Result nat = cwb.ok("net", "nat", "-c", a);
        if (tableBefore.isEmpty()) {
            assertTrue(nat.out().contains("# nft add rule ip cwb postrouting ip saddr ") && nat.out().contains(" masquerade comment \"cwb0\""),
                    nat.toString());
            assertTrue(cwbTable().contains("masquerade"), cwbTable());
        }
        ContainerBench.Result trace = cwb.ok("trace");
        assertTrue(trace.out().contains("nlmsg_type=RTM_NEWROUTE"), "the session's trace keeps the messages: " + trace.out().length());
        ContainerBench.Result show = cwb.ok("net", "show", "-c", b);
        assertTrue(show.out().contains(b + ": " + addrB + ", veth veth"), show.toString());

        // a container that shares the host's network namespace is refused: its links would be the host's
        String shared = cwb.name("net-shared");
        cwb.ok("new", shared, "from", "busybox");
        ContainerBench.Result refused = cwb.run("net", "veth");
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("shares the host's network namespace") && refused.err().contains("unshare net first"), refused.toString());
        cwb.ok("rm", shared);

        cwb.ok("rm", a);
        cwb.ok("rm", b);
        assertEquals(linksBefore, hostLinks(), "rm leaves the host's links as they were");
        assertEquals(tableBefore.isEmpty(), cwbTable().isEmpty(), "the workbench's rules go with its last container: " + cwbTable());
        try (var leases = Files.list(Path.of("/run/cwb/net/leases"))) {
            List<String> mine = leases.filter(f -> {
                try {
                    return Files.readString(f).contains(home.toAbsolutePath().toString().replace(":", "\\:"));
                } catch (IOException e) {
                    return false;
                }
            }).map(Path::toString).toList();
            assertEquals(List.of(), mine, "no lease of this home is left");
        }
    }

    /** Veths on cwb0 that are not these two containers' (another workbench's, at the same time). */
    private static long otherVeths(String master, String a, String b) {
        String va = dev.cwb.network.Bridge.vethName(home, a);
        String vb = dev.cwb.network.Bridge.vethName(home, b);
        assertTrue(master.contains(va) && master.contains(vb), master);
        return master.lines().filter(l -> l.startsWith("veth") && !l.startsWith(va) && !l.startsWith(vb)).count();
    }

    /**
     * A workbench killed (SIGKILL) after its container got onto the bridge: its cwb-init dies with it, the
     * namespace and the veth with them; the bridge and the lease stay until {@code cleanup}, which removes both.
     */
    @Test
    void cleanupRemovesTheNetworkOfAKilledWorkbench() throws Exception {
        Set<String> linksBefore = hostLinks();
        String tableBefore = cwbTable();
        String box = cwb.name("net-killed");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cwb.Main");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve("killed.out").toFile());
        pb.environment().put("CWB_HOME", home.toString());
        pb.environment().put("CWB_NO_SAMPLES", "1");
        Process p = pb.start();
        Path lease = Path.of("/run/cwb/net/leases");
        try {
            p.getOutputStream().write(("new " + box + " from busybox\nunshare net\nnet bridge\nnet veth\nnet addr\nnet nat\n")
                    .getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            String veth = dev.cwb.network.Bridge.vethName(home, box);
            long until = System.nanoTime() + 30_000_000_000L;
            while (!hostLinks().contains(veth) || !Files.readString(home.resolve("killed.out")).contains("eth0 of " + box + " has")) {
                assertTrue(System.nanoTime() < until, "the killed workbench never got its veth: " + Files.readString(home.resolve("killed.out")));
                Thread.sleep(50);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL: nothing of the workbench's own removal runs
            p.waitFor();
        }
        long until = System.nanoTime() + 10_000_000_000L;
        while (hostLinks().contains(dev.cwb.network.Bridge.vethName(home, box)) && System.nanoTime() < until) {
            Thread.sleep(50); // the veth goes with the namespace, once cwb-init has died
        }
        assertTrue(hostLinks().contains("cwb0"), "the bridge outlives a killed workbench until cleanup");
        ContainerBench.Result dry = cwb.ok("cleanup", "--dry-run");
        assertTrue(dry.out().contains("Would remove the network of container " + box), dry.toString());
        ContainerBench.Result clean = cwb.ok("cleanup");
        assertTrue(clean.out().contains("Removed container " + box) || clean.out().contains("Removed the network of container " + box), clean.toString());
        if (tableBefore.isEmpty()) { // the bridge was this workbench's: it goes with the last lease
            assertTrue(clean.out().contains("nlmsg_type=RTM_DELLINK") && clean.out().contains("\"cwb0\""), clean.toString());
        }
        assertEquals(linksBefore, hostLinks(), "cleanup leaves the host's links as they were");
        assertEquals(tableBefore.isEmpty(), cwbTable().isEmpty(), cwbTable());
        try (var files = Files.list(lease)) {
            assertFalse(files.anyMatch(f -> {
                try {
                    return Files.readString(f).contains("container=" + box);
                } catch (IOException e) {
                    return false;
                }
            }), "the lease is gone");
        }
    }
}
