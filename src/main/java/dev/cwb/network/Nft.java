package dev.cwb.network;

import dev.cwb.CwbException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workbench's nftables rules, all in one table of its own, {@code ip cwb}, made with the {@code nft}
 * program (nftables 1.0; its netlink protocol is a set of messages per rule, which {@code nft} assembles
 * well): base chains on the nat and filter hooks, the bridge's masquerade and forward rules, and a DNAT
 * rule per published port. Every rule is shown as the {@code nft} line that adds it, and tagged with a
 * comment (the bridge's name, or {@code cwb KEY} for a container's lease) by which it is found and deleted
 * again. Other tables (Docker's, the host's firewall) are never touched.
 */
public final class Nft {
    public static final String TABLE = "ip cwb";
    private static final Pattern HANDLE = Pattern.compile("comment \"([^\"]*)\" # handle (\\d+)$");
    private final Consumer<String> shown;

    /** {@code shown} gets each command as {@code nft} would be typed, before it is made. */
    public Nft(Consumer<String> shown) {
        this.shown = shown;
    }

    static String program() {
        for (String d : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(d, "nft");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new CwbException(CwbException.UNSUPPORTED, "the nft program (nftables) is not installed: the bridge's NAT rules need it",
                "scripts/install-packages run (apt-get install nftables), or run with --network none");
    }

    /** The table, its four base chains, and the bridge's masquerade and forward rules. */
    void addBridgeRules(String bridge, Subnet subnet) {
        List<String> cmds = new ArrayList<>(List.of(
                "add table " + TABLE,
                "add chain " + TABLE + " prerouting { type nat hook prerouting priority dstnat; policy accept; }",
                "add chain " + TABLE + " output { type nat hook output priority -100; policy accept; }",
                "add chain " + TABLE + " postrouting { type nat hook postrouting priority srcnat; policy accept; }",
                "add chain " + TABLE + " forward { type filter hook forward priority filter; policy accept; }"));
        cmds.add("add rule " + TABLE + " postrouting ip saddr " + subnet + " oifname != \"" + bridge + "\" masquerade comment \"" + bridge + "\"");
        cmds.add("add rule " + TABLE + " forward iifname \"" + bridge + "\" accept comment \"" + bridge + "\"");
        cmds.add("add rule " + TABLE + " forward oifname \"" + bridge + "\" ct state established,related accept comment \"" + bridge + "\"");
        run(cmds);
    }

    /**
     * The DNAT rules of one published port, as Docker adds them: in prerouting for packets that arrive from
     * elsewhere, in output for the host's own connections to one of its addresses — except 127.0.0.0/8, which
     * the kernel does not route to another interface (without route_localnet): the proxy answers there.
     */
    void addPortRules(String tag, String bridge, PortMapping p, int containerAddress) {
        String proto = p.protocol();
        String to = Subnet.dotted(containerAddress) + ":" + p.containerPort();
        String daddr = p.hostIp().isEmpty() ? "" : "ip daddr " + p.hostIp() + " ";
        List<String> cmds = new ArrayList<>();
        cmds.add("add rule " + TABLE + " prerouting " + daddr + "fib daddr type local iifname != \"" + bridge + "\" " + proto + " dport "
                + p.hostPort() + " counter dnat to " + to + " comment \"" + tag + "\"");
        if (!p.hostIp().startsWith("127.")) {
            cmds.add("add rule " + TABLE + " output " + (daddr.isEmpty() ? "ip daddr != 127.0.0.0/8 " : daddr) + "fib daddr type local "
                    + proto + " dport " + p.hostPort() + " counter dnat to " + to + " comment \"" + tag + "\"");
        }
        run(cmds);
    }

    /** Deletes every rule of the table whose comment is {@code tag}; returns how many. */
    int deleteTagged(String tag) {
        String listing = list(true);
        List<String> cmds = new ArrayList<>();
        String chain = null;
        for (String line : listing.split("\n")) {
            String t = line.trim();
            if (t.startsWith("chain ")) {
                chain = t.substring(6, t.indexOf(' ', 6) < 0 ? t.length() : t.indexOf(' ', 6));
            }
            Matcher m = HANDLE.matcher(t);
            if (chain != null && m.find() && m.group(1).equals(tag)) {
                cmds.add("delete rule " + TABLE + " " + chain + " handle " + m.group(2));
            }
        }
        if (!cmds.isEmpty()) {
            run(cmds);
        }
        return cmds.size();
    }

    /** Deletes the whole table (nothing of the workbench's is left in the host's rule set). */
    void deleteTable() {
        if (!list(false).isEmpty()) {
            run(List.of("delete table " + TABLE));
        }
    }

    /** {@code nft [-a] list table ip cwb}, or "" when there is no such table. */
    public String list(boolean handles) {
        List<String> cmd = new ArrayList<>(List.of(program()));
        if (handles) {
            cmd.add("-a");
        }
        cmd.addAll(List.of("list", "table", "ip", "cwb"));
        Result r = exec(cmd, null);
        return r.code == 0 ? r.out : "";
    }

    private void run(List<String> cmds) {
        for (String c : cmds) {
            shown.accept("nft " + c);
        }
        Result r = exec(List.of(program(), "-f", "-"), String.join("\n", cmds) + "\n");
        if (r.code != 0) {
            throw new CwbException(CwbException.IO, "nft refused the workbench's rules: " + r.err.strip().replace('\n', ' '),
                    "the kernel needs nf_tables (and nft_fib, nft_nat); see nft list ruleset");
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result exec(List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CwbException.io("running nft", e, "scripts/install-packages run");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CwbException(CwbException.IO, "interrupted while nft ran", "see nft list table ip cwb; cleanup removes the workbench's rules");
        }
    }
}
