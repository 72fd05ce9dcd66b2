package dev.cwb.registry;

import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real Distribution registry (Debian's docker-registry) on a loopback port, storing in a test directory. */
final class LocalRegistry implements AutoCloseable {
    final int port;
    final Path storage;
    private final Process process;

    private LocalRegistry(int port, Path storage, Process process) {
        this.port = port;
        this.storage = storage;
        this.process = process;
    }

    /** Starts a registry in {@code dir}; with {@code htpasswd} non-null it demands Basic auth. */
    static LocalRegistry start(Path dir, Path htpasswd) throws Exception {
        Path binary = Requirements.requireCommand("docker-registry", "docker-registry");
        int port = freePort();
        Path storage = dir.resolve("storage");
        Files.createDirectories(storage);
        String config = "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " + storage
                + "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + port + "\n"
                + (htpasswd == null ? "" : "auth:\n  htpasswd:\n    realm: classroom\n    path: " + htpasswd + "\n");
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, config);
        Process p = new ProcessBuilder(binary.toString(), "serve", configFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry r = new LocalRegistry(port, storage, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return r;
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new AssertionError("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
                }
                Thread.sleep(50);
            }
        }
        r.close();
        throw new AssertionError("docker-registry did not start listening on " + port);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    /** skopeo copies an OCI layout image into this registry (with {@code --all} for a whole index). */
    void fill(Path layout, String tag, String repoAndTag, String creds, boolean all) throws Exception {
        Requirements.requireCommand("skopeo", "skopeo");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("skopeo", "copy", "--insecure-policy", "--dest-tls-verify=false"));
        if (all) {
            cmd.add("--all");
        }
        if (creds != null) {
            cmd.add("--dest-creds");
            cmd.add(creds);
        }
        cmd.add("oci:" + layout + ":" + tag);
        cmd.add("docker://" + host() + "/" + repoAndTag);
        Processes.Result res = Processes.run(null, cmd);
        if (res.exitCode() != 0) {
            throw new AssertionError("skopeo copy failed: " + res.output());
        }
    }

    /** Where the registry keeps a blob's bytes (distribution's filesystem driver layout). */
    Path blobData(dev.cwb.image.Digest d) {
        return storage.resolve("docker/registry/v2/blobs/sha256").resolve(d.encoded().substring(0, 2)).resolve(d.encoded()).resolve("data");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
