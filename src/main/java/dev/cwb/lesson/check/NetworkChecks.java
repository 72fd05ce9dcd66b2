package dev.cwb.lesson.check;

import dev.cwb.network.Bridge;
import dev.cwb.network.Lease;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks of lesson 15's network: a container's veth on the bridge (the host's {@code /sys/class/net}) with
 * its address inside ({@code /proc/PID/net/fib_trie}), a rule in the workbench's nftables table, and a real
 * TCP connection through a published port on 127.0.0.1.
 */
final class NetworkChecks {
    private NetworkChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("on-bridge NAME", "the host end of the container's veth is on cwb0 and the container's namespace has its leased address", 1, 1,
                a -> new OnBridge(a.get(0)));
        v.define("nft-has TEXT", "the workbench's nftables table (nft list table ip cwb) holds TEXT", 1, 1, a -> new NftHas(a.get(0)));
        v.define("port-answers PORT TEXT", "an HTTP GET to 127.0.0.1:PORT on the host is answered, and the answer holds TEXT", 2, 2,
                a -> new PortAnswers(ImageChecks.number(a.get(0)), a.get(1)));
    }

    record OnBridge(String name) implements Check {
        public String expectation() {
            return name + "'s veth is on cwb0 and its eth0 has its address";
        }

        public CheckResult evaluate(CheckContext context) {
            Optional<Lease> lease = Bridge.leaseOf(context.workbench().home().root(), name);
            if (lease.isEmpty() || lease.get().veth().isEmpty()) {
                return CheckResult.fail(name + " has no veth on the bridge yet");
            }
            Path master = Path.of("/sys/class/net", lease.get().veth(), "master");
            String on;
            try {
                on = Files.isSymbolicLink(master) ? Files.readSymbolicLink(master).getFileName().toString() : "no bridge";
            } catch (IOException e) {
                on = "no such link";
            }
            if (!on.equals(Bridge.DEFAULT)) {
                return CheckResult.fail(lease.get().veth() + " is on " + on);
            }
            if (lease.get().address() == 0) {
                return CheckResult.fail(lease.get().veth() + " is on cwb0; " + name + " has no address yet");
            }
            int pid = ContainerLookup.livePid(ContainerLookup.container(context, name));
            String trie = NamespaceChecks.read(Path.of("/proc", Integer.toString(pid), "net", "fib_trie"));
            boolean has = trie.contains("|-- " + lease.get().addressText() + "\n");
            return CheckResult.of(has, lease.get().veth() + " on cwb0; " + name + "'s namespace " + (has ? "has " : "lacks ")
                    + lease.get().addressText());
        }
    }

    record NftHas(String text) implements Check {
        public String expectation() {
            return "table ip cwb holds " + text;
        }

        public CheckResult evaluate(CheckContext context) {
            String table = new dev.cwb.network.Nft(l -> { }).list(false);
            if (table.isEmpty()) {
                return CheckResult.fail("no table ip cwb");
            }
            return CheckResult.of(table.contains(text), table.lines().filter(l -> l.contains("dnat") || l.contains("masquerade"))
                    .map(String::strip).reduce((x, y) -> x + "; " + y).orElse("no NAT rules"));
        }
    }

    record PortAnswers(long port, String text) implements Check {
        public String expectation() {
            return "127.0.0.1:" + port + " answers with " + text;
        }

        public CheckResult evaluate(CheckContext context) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", (int) port), 2000);
                s.setSoTimeout(3000);
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String answer = new String(in.readNBytes(16384), StandardCharsets.UTF_8);
                String first = answer.lines().findFirst().orElse("(nothing)");
                return CheckResult.of(answer.contains(text), "a TCP connection to 127.0.0.1:" + port + ", answered " + first);
            } catch (IOException e) {
                return CheckResult.fail("127.0.0.1:" + port + ": " + e.getMessage());
            }
        }
    }
}
