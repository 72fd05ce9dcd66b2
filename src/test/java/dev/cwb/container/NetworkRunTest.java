package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run}'s networks as a learner meets them: the default bridge (an address, /etc/hosts, resolv.conf and
 * hostname as Docker writes them), {@code -p} answering on the host through the proxy (127.0.0.1) and through
 * the DNAT rule (the bridge's own address, whose rule counter moves), two containers reaching each other by
 * address and by name, {@code --network none|host}, and the refusals. After each test the host's links and
 * the workbench's nftables table are as before. Traffic goes only over loopback and the bridge.
 */
class NetworkRunTest {
    @TempDir
    static Path home;
    static ContainerBench cwb;
    private Set<String> linksBefore;
    private String tableBefore;

    @BeforeAll
    static void open() {
        cwb = ContainerBench.open(home);
        dev.cwb.testing.Requirements.requireCommand("nft", "nftables");
        dev.cwb.testing.Requirements.requireCommand("curl", "curl");
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @BeforeEach
    void snapshot() throws Exception {
        linksBefore = NetworkStepsTest.hostLinks();
        tableBefore = NetworkStepsTest.cwbTable();
    }

    @AfterEach
    void hostAsBefore() throws Exception {
        assertEquals(linksBefore, NetworkStepsTest.hostLinks(), "the host's links are as before");
        assertEquals(tableBefore.isEmpty(), NetworkStepsTest.cwbTable().isEmpty(), "table ip cwb: " + NetworkStepsTest.cwbTable());
    }

    /** A workbench process of its own (same home) running {@code run ARGS...} in the foreground, its output in a file. */
    private static Process background(String log, String... args) throws IOException {
        return ContainerBench.inBackground(home, log, args);
    }

    private static String curl(String url) throws IOException, InterruptedException {
        return NetworkStepsTest.host("curl", "-s", "-m", "2", url);
    }

    /** Polls {@code url} until it answers {@code expected} (the container's httpd is up), for at most 20 s. */
    private static String await(String url, String expected, Process p, String log) throws Exception {
        long until = System.nanoTime() + 20_000_000_000L;
        String got = "";
        while (System.nanoTime() < until && p.isAlive()) {
            got = curl(url);
            if (got.contains(expected)) {
                return got;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no answer from " + url + " (last: '" + got + "'):\n" + Files.readString(home.resolve(log)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static final Pattern ADDR = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/");

    @Test
    void aPublishedPortServesAHostCurlThroughTheProxyAndTheDnatRule() throws Exception {
        int loop = freePort();
        int any = freePort();
        String web = cwb.name("web");
        Process p = background("web.log", "run", "--trace", "--name", web, "-p", "127.0.0.1:" + loop + ":80", "-p", any + ":80", "busybox",
                "sh", "-c", "mkdir /www; echo hello-from-" + web + " > /www/index.html; ip -4 addr show eth0; httpd -p 80 -h /www; sleep 600");
        try {
            // 127.0.0.1: only the proxy can answer there (no DNAT to another interface from loopback)
            assertTrue(await("http://127.0.0.1:" + loop + "/", "hello-from-" + web, p, "web.log").contains("hello-from-" + web));
            String table = NetworkStepsTest.cwbTable();
            Matcher m = Pattern.compile("ip daddr != 127.0.0.0/8 fib daddr type local tcp dport " + any
                    + " counter packets (\\d+) bytes \\d+ dnat to (\\d+\\.\\d+\\.\\d+\\.\\d+):80").matcher(table);
            assertTrue(m.find(), table);
            assertEquals("0", m.group(1), table);
            assertTrue(table.contains("ip daddr 127.0.0.1 fib daddr type local iifname != \"cwb0\" tcp dport " + loop), table);
            // the bridge's own address is the host's too: the host's connection to it takes the DNAT rule in output
            String gateway = gatewayOf(m.group(2));
            assertTrue(curl("http://" + gateway + ":" + any + "/").contains("hello-from-" + web));
            Matcher after = Pattern.compile("tcp dport " + any + " counter packets (\\d+) bytes \\d+ dnat").matcher(
                    NetworkStepsTest.cwbTable().substring(NetworkStepsTest.cwbTable().indexOf("chain output")));
            assertTrue(after.find() && Integer.parseInt(after.group(1)) > 0, "the DNAT rule took the connection: " + NetworkStepsTest.cwbTable());

            ContainerBench.Result port = cwb.ok("port", web);
            assertTrue(port.out().contains("80/tcp -> 127.0.0.1:" + loop) && port.out().contains("80/tcp -> 0.0.0.0:" + any), port.toString());
            String log = Files.readString(home.resolve("web.log"));
            assertTrue(log.contains("# nft add rule ip cwb prerouting ip daddr 127.0.0.1 fib daddr type local"), "the rules are shown: " + log);
            assertTrue(log.contains("nlmsg_type=RTM_NEWROUTE"), "and the rtnetlink messages: " + log);

            // the same host port again: refused in one line, and nothing is left of the second container
            ContainerBench.Result twice = cwb.run("run", "--name", cwb.name("web-2"), "-p", "127.0.0.1:" + loop + ":80", "busybox", "true");
            assertNotEquals(0, twice.code(), twice.toString());
            assertTrue(twice.err().contains("host port " + loop + "/tcp is already published by another container"), twice.toString());
        } finally {
            p.destroy(); // SIGTERM: the workbench's JVM exits, cwb-init and PID 1 with it (PR_SET_PDEATHSIG)
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        cwb.ok("cleanup"); // the lease the killed workbench left: its rules, its proxy, the bridge if unused
        assertTrue(curl("http://127.0.0.1:" + loop + "/").isEmpty(), "the proxy is gone with its workbench");
        assertTrue(!NetworkStepsTest.cwbTable().contains("dport " + loop + " "), NetworkStepsTest.cwbTable());
    }

    private static String gatewayOf(String address) {
        String[] p = address.split("\\.");
        return p[0] + "." + p[1] + ".0.1";
    }

    @Test
    void twoContainersReachEachOtherByAddressAndByName() throws Exception {
        String a = cwb.name("srv");
        Process p = background("srv.log", "run", "--name", a, "--network-alias", "backend", "busybox", "sh", "-c",
                "mkdir /www; echo served-by-" + a + " > /www/index.html; httpd -p 80 -h /www; ip -4 addr show eth0; sleep 600");
        try {
            long until = System.nanoTime() + 20_000_000_000L;
            Matcher m;
            do {
                Thread.sleep(100);
                m = ADDR.matcher(Files.readString(home.resolve("srv.log")));
            } while (!m.find() && System.nanoTime() < until);
            assertTrue(m.find(0), Files.readString(home.resolve("srv.log")));
            String addrA = m.group(1);
            String b = cwb.name("cli");
            ContainerBench.Result r = cwb.ok("run", "--name", b, "busybox", "sh", "-c",
                    "cat /etc/hosts; echo ---; cat /etc/hostname; wget -q -O - http://" + addrA + "/; wget -q -O - http://" + a + "/");
            assertTrue(r.out().contains(addrA + "\t" + a), "the other container is in /etc/hosts: " + r);
            assertTrue(r.out().matches("(?s).*\\n\\d+\\.\\d+\\.\\d+\\.\\d+\\t" + b + "\\n.*"), "and the container itself: " + r);
            assertTrue(r.out().contains("---\n" + b + "\n"), "/etc/hostname: " + r);
            assertEquals(2, r.out().lines().filter(l -> l.equals("served-by-" + a)).count(), "by address and by name: " + r);
            ContainerBench.Result none = cwb.ok("run", "--network", "none", "busybox", "sh", "-c", "cat /proc/net/dev; cat /etc/hosts");
            assertTrue(!none.out().contains("eth0") && none.out().contains("127.0.0.1\tlocalhost"), none.toString());
            assertTrue(!none.out().contains(a), "--network none lists no other container: " + none);
            ContainerBench.Result unreachable = cwb.run("run", "--network", "none", "busybox", "wget", "-q", "-T", "2", "-O", "-", "http://" + addrA + "/");
            assertNotEquals(0, unreachable.code(), "--network none reaches nothing: " + unreachable);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        cwb.ok("cleanup");
    }

    @Test
    void hostNetworkSharesTheHostsLinksAndBadPortsAreRefused() throws Exception {
        ContainerBench.Result host = cwb.ok("run", "--network", "host", "busybox", "cat", "/proc/net/dev");
        for (String link : linksBefore) {
            assertTrue(host.out().contains(link + ":"), "--network host sees the host's " + link + ": " + host);
        }
        ContainerBench.Result range = cwb.run("run", "-p", "70000:80", "busybox", "true");
        assertNotEquals(0, range.code());
        assertTrue(range.err().contains("port 70000 is out of range"), range.toString());
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            ContainerBench.Result inUse = cwb.run("run", "-p", "127.0.0.1:" + taken.getLocalPort() + ":80", "busybox", "true");
            assertNotEquals(0, inUse.code());
            assertTrue(inUse.err().contains("127.0.0.1:" + taken.getLocalPort() + "/tcp is already in use on this host"), inUse.toString());
        }
        ContainerBench.Result withNone = cwb.run("run", "--network", "none", "-p", "8080:80", "busybox", "true");
        assertNotEquals(0, withNone.code());
        assertTrue(withNone.err().contains("-p publishes a port of the bridge network"), withNone.toString());
        ContainerBench.Result bridged = cwb.ok("run", "busybox", "sh", "-c", "cat /proc/net/dev; ip route");
        assertTrue(bridged.out().contains("eth0:") && bridged.out().contains("default via "), "the default is the bridge: " + bridged);
    }

    /**
     * {@code --rootless}: no bridge, no veth, no rule on the host — slirp4netns gives the container tap0 and
     * listens on the published port itself; it ends with the workbench that started it.
     */
    @Test
    void aRootlessContainerGetsSlirp4netnsAndItsPublishedPortAnswers() throws Exception {
        dev.cwb.testing.Requirements.requireCommand("slirp4netns", "slirp4netns");
        dev.cwb.testing.Requirements.requireCommand("setpriv", "util-linux");
        int port = freePort();
        String box = cwb.name("rootless");
        Process p = background("rootless.log", "run", "--rootless", "--name", box, "-p", "127.0.0.1:" + port + ":80", "busybox", "sh", "-c",
                "mkdir /www; echo rootless-" + box + " > /www/index.html; ip -4 addr show tap0; cat /etc/resolv.conf; httpd -p 80 -h /www; sleep 600");
        try {
            await("http://127.0.0.1:" + port + "/", "rootless-" + box, p, "rootless.log");
            String log = Files.readString(home.resolve("rootless.log"));
            assertTrue(log.contains("inet 10.0.2.100/24") && log.contains("nameserver 10.0.2.3"), log);
            assertEquals(tableBefore, NetworkStepsTest.cwbTable(), "no rule of the host's was added");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        long until = System.nanoTime() + 5_000_000_000L;
        while (slirpOf(box) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertTrue(!slirpOf(box), "slirp4netns ended with its workbench");
        cwb.ok("cleanup");
    }

    private static boolean slirpOf(String box) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(d -> d.getFileName().toString().matches("\\d+")).anyMatch(d -> {
                try {
                    return new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8).contains(box + "/slirp.sock");
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }
}
