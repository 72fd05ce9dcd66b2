package dev.cwb.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The three files Docker writes for a container and bind-mounts over the image's ({@code /etc/hosts},
 * {@code /etc/resolv.conf}, {@code /etc/hostname}; moby's libnetwork/etchosts and resolvconf), with the same
 * content. The hosts file also lists the other containers of the same workbench on the bridge, below a
 * marker, and is rewritten in place whenever one comes or goes: that is how they reach each other by name.
 */
public final class EtcFiles {
    static final String OTHERS = "# other containers on the bridge (kept current by the workbench)";

    private EtcFiles() {
    }

    /** libnetwork's default hosts file, then the container's own line (address, host name, aliases). */
    public static String hosts(String ownAddress, String hostname, List<String> aliases) {
        StringBuilder s = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
        if (ownAddress != null) {
            s.append(ownAddress).append('\t').append(hostname);
            for (String a : aliases) {
                if (!a.equals(hostname)) {
                    s.append(' ').append(a);
                }
            }
            s.append('\n');
        }
        return s.toString();
    }

    /**
     * The host's resolv.conf as Docker copies it: nameservers on 127.0.0.0/8 or ::1 dropped (they would be
     * the container's own loopback), and Google's two when none is left (moby resolvconf.FilterResolvDNS).
     */
    public static String resolvConf(String hostResolvConf) {
        List<String> kept = new ArrayList<>();
        boolean nameserver = false;
        for (String line : hostResolvConf.split("\n")) {
            String t = line.trim();
            if (t.startsWith("nameserver")) {
                String addr = t.substring("nameserver".length()).trim();
                if (addr.startsWith("127.") || addr.equals("::1")) {
                    continue;
                }
                nameserver = true;
            }
            kept.add(line);
        }
        StringBuilder s = new StringBuilder(String.join("\n", kept).strip());
        if (!s.isEmpty()) {
            s.append('\n');
        }
        if (!nameserver) {
            s.append("\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        }
        return s.toString();
    }

    /** The host's /etc/resolv.conf, or "" without one. */
    public static String hostResolvConf() {
        try {
            return Files.readString(Path.of("/etc/resolv.conf"));
        } catch (IOException e) {
            return "";
        }
    }

    /** The hosts file with its list of the other containers of the same workbench, written in place (the inode stays: it is mounted). */
    static void rewriteHosts(Path file, Lease self, List<Lease> all) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int marker = text.indexOf(OTHERS);
        StringBuilder s = new StringBuilder(marker < 0 ? text : text.substring(0, marker));
        List<String> lines = new ArrayList<>();
        for (Lease l : all) {
            if (l != self && !l.of(Path.of(self.home()), self.container()) && l.home().equals(self.home()) && l.address() != 0) {
                lines.add(l.addressText() + "\t" + l.container());
            }
        }
        if (!lines.isEmpty()) {
            s.append(OTHERS).append('\n');
            lines.stream().sorted().forEach(x -> s.append(x).append('\n'));
        }
        Files.writeString(file, s.toString(), StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
