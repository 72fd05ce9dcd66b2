package dev.cwb.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cwb.image.Json;
import dev.cwb.kernel.DirFd;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The differential test: the same Dockerfiles, on the busybox sample saved as an oci-archive, built by the
 * workbench and by buildah ({@code buildah bud --isolation chroot}, which needs no runtime), both images
 * unpacked by umoci: the trees must be equal file by file — type, mode with set-uid and sticky bits,
 * owner, content, symlink target, hard links, xattrs — except buildah's own RUN mount points, and the
 * config fields equal. Together the Dockerfiles use every instruction.
 */
class BuildahDiffTest {
    @TempDir
    static Path home;
    @TempDir
    static Path tmp;
    static ContainerBench cwb;
    static Path busybox;
    static List<String> buildah;

    /** What buildah's RUN steps leave that the workbench's do not (knowledge in kernel-notes.md): its bind-mount targets. */
    static final Set<String> BUILDAH_MOUNT_POINTS = Set.of("etc/hosts", "etc/resolv.conf", "run");

    static final Map<String, String> DOCKERFILES = Map.of(
            "layers", """
                    ARG BASE=busybox
                    FROM $BASE
                    ENV A=1
                    WORKDIR /app
                    COPY data/ ./data/
                    RUN echo hi > /app/hi && rm -rf /root && mkdir /root && echo r > /root/f && ln /app/hi /app/hi2 \\
                        && ln -s ../hi /app/data/l && mkdir -p /opt/x && chmod 4755 /app/hi && chmod 1777 /opt/x \\
                        && mkfifo /app/fifo && rm /etc/group
                    CMD ["sh"]
                    """,
            "every-instruction", """
                    ARG BASE=busybox
                    FROM $BASE
                    MAINTAINER someone@example.com
                    LABEL org.example.a="one two" b=2
                    ENV X="a b" Y=$X
                    ARG VERSION=1.0
                    USER root
                    WORKDIR /srv/app
                    COPY --chown=1:2 --chmod=0640 conf/ ./conf/
                    COPY tool.sh /usr/local/bin/tool
                    ADD archive.tar.gz /opt/unpacked/
                    ADD plain.txt /opt/
                    COPY . /ctx/
                    RUN echo "$VERSION" > version && echo "appuser:x:1000:1000::/home/appuser:/bin/sh" >> /etc/passwd \\
                        && chown appuser /srv/app/version
                    SHELL ["/bin/sh", "-e", "-c"]
                    RUN echo shell-form > /srv/app/shell && rm -rf /srv/app/conf/old && mkdir /srv/app/conf/old
                    USER appuser
                    EXPOSE 8080 53/udp
                    VOLUME /data
                    STOPSIGNAL SIGTERM
                    HEALTHCHECK --interval=30s --timeout=3s CMD wget -q -O- localhost:8080 || exit 1
                    ONBUILD RUN echo triggered
                    ENTRYPOINT ["/usr/local/bin/tool"]
                    CMD ["--help"]
                    """,
            "multi-stage", """
                    ARG BASE=busybox
                    FROM $BASE AS build
                    RUN mkdir /out && echo built > /out/artifact && ln -s artifact /out/link && chmod 0600 /out/artifact
                    FROM $BASE AS unused
                    RUN exit 1
                    FROM scratch
                    COPY --from=build /out/ /
                    COPY --from=build /bin/busybox /bin/busybox
                    CMD ["/bin/busybox", "cat", "/artifact"]
                    """);

    @BeforeAll
    static void peers() throws Exception {
        Requirements.requireCommand("buildah", "buildah");
        Requirements.requireCommand("umoci", "umoci");
        Requirements.requireCommand("skopeo", "skopeo");
        cwb = ContainerBench.open(home);
        busybox = tmp.resolve("busybox.tar");
        cwb.ok("save", "busybox", busybox.toString());
        buildah = List.of("buildah", "--root", tmp.resolve("buildah-root").toString(), "--runroot", tmp.resolve("buildah-runroot").toString(),
                "--storage-driver", "vfs");
    }

    @AfterAll
    static void close() throws Exception {
        if (cwb != null) {
            cwb.close();
        }
        if (buildah != null) {
            run(tmp, "rmi", "--all", "--force");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"layers", "every-instruction", "multi-stage"})
    void theWorkbenchAndBuildahBuildTheSameImage(String name) throws Exception {
        Path ctx = context(name);
        cwb.ok("build", "-t", "diff-" + name, ctx.toString());
        Path saved = tmp.resolve(name + "-cwb.tar");
        cwb.ok("save", "diff-" + name, saved.toString());
        Path cwbLayout = tmp.resolve(name + "-cwb-layout");
        Processes.check(tmp, "skopeo", "copy", "--insecure-policy", "oci-archive:" + saved, "oci:" + cwbLayout + ":x");
        Path cwbTree = tmp.resolve(name + "-cwb-bundle");
        Processes.check(tmp, "umoci", "unpack", "--image", cwbLayout + ":x", cwbTree.toString());

        run(ctx, "bud", "--isolation", "chroot", "--format", "docker", "--build-arg", "BASE=oci-archive:" + busybox, "-t", "diff-" + name, ".");
        Path buildahLayout = tmp.resolve(name + "-buildah-layout");
        run(tmp, "push", "diff-" + name, "oci:" + buildahLayout + ":x");
        Path buildahTree = tmp.resolve(name + "-buildah-bundle");
        Processes.check(tmp, "umoci", "unpack", "--image", buildahLayout + ":x", buildahTree.toString());

        Map<String, String> ours = tree(cwbTree.resolve("rootfs"));
        Map<String, String> theirs = tree(buildahTree.resolve("rootfs"));
        theirs.keySet().removeIf(p -> BUILDAH_MOUNT_POINTS.contains(p) && !ours.containsKey(p));
        List<String> differences = new ArrayList<>();
        for (String p : new java.util.TreeSet<>(union(ours.keySet(), theirs.keySet()))) {
            if (!java.util.Objects.equals(ours.get(p), theirs.get(p))) {
                differences.add(p + "\n    cwb:     " + ours.get(p) + "\n    buildah: " + theirs.get(p));
            }
        }
        assertEquals(List.of(), differences, "the trees differ");
        assertTrue(ours.size() >= 4, "nothing was compared: " + ours.keySet());

        JsonNode ourConfig = Json.MAPPER.readTree(cwb.ok("inspect", "diff-" + name, "--json").out()).path("config");
        JsonNode theirConfig = Json.MAPPER.readTree(run(tmp, "inspect", "--type", "image", "diff-" + name)).path("Docker");
        for (String field : List.of("Env", "Entrypoint", "Cmd", "WorkingDir", "User", "ExposedPorts", "Volumes", "StopSignal", "Healthcheck",
                "OnBuild", "Shell")) {
            assertEquals(normal(theirConfig.path("config").path(field)), normal(ourConfig.path("config").path(field)), name + ": config field " + field);
        }
        JsonNode theirLabels = theirConfig.path("config").path("Labels").deepCopy();
        if (theirLabels.isObject()) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) theirLabels).remove("io.buildah.version");
        }
        assertEquals(normal(theirLabels), normal(ourConfig.path("config").path("Labels")), name + ": config field Labels");
        assertEquals(theirConfig.path("author").asText(""), ourConfig.path("author").asText(""), name + ": author");
    }

    /** Empty and missing are the same: Docker's JSON omits what is empty. */
    private static String normal(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull() || (n.isContainerNode() && n.isEmpty()) || (n.isTextual() && n.asText().isEmpty())) {
            return "";
        }
        return n.toString();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }

    private static String run(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(buildah);
        command.addAll(List.of(args));
        Processes.Result r = Processes.run(dir, command);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }

    /** Every path below {@code root}: type, mode, owner, content hash, link target, hard-link siblings, xattrs. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> result = new TreeMap<>();
        Map<Object, List<String>> inodes = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.filter(p -> !p.equals(root)).sorted().toList();
        }
        for (Path p : all) {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) {
                inodes.computeIfAbsent(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS), k -> new ArrayList<>())
                        .add(root.relativize(p).toString());
            }
        }
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            StringBuilder d = new StringBuilder(String.format("%06o %s:%s", mode, Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)));
            if (Files.isSymbolicLink(p)) {
                d.append(" -> ").append(Files.readSymbolicLink(p));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                MessageDigest md = dev.cwb.image.Digest.newSha256();
                d.append(" sha256:").append(HexFormat.of().formatHex(md.digest(Files.readAllBytes(p))), 0, 19);
                List<String> siblings = inodes.get(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS));
                if (siblings != null) {
                    d.append(" links:").append(siblings);
                }
            }
            try (DirFd dir = DirFd.open(p.getParent())) {
                Map<String, byte[]> x = dir.xattrs(p.getFileName().toString());
                x.forEach((k, v) -> d.append(" xattr:").append(k).append('=').append(HexFormat.of().formatHex(v)));
            }
            result.put(rel, d.toString());
        }
        return result;
    }

    /** The build context of one Dockerfile. */
    private static Path context(String name) throws Exception {
        Path ctx = tmp.resolve("ctx-" + name);
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), DOCKERFILES.get(name));
        switch (name) {
            case "layers" -> {
                Files.createDirectories(ctx.resolve("data/sub"));
                Files.writeString(ctx.resolve("data/a"), "a\n");
                Files.writeString(ctx.resolve("data/sub/b"), "b\n");
            }
            case "every-instruction" -> {
                Files.createDirectories(ctx.resolve("conf/old"));
                Files.writeString(ctx.resolve("conf/app.conf"), "c\n");
                Files.writeString(ctx.resolve("conf/old/x"), "o\n");
                Files.writeString(ctx.resolve("tool.sh"), "#!/bin/sh\necho tool \"$@\"\n");
                Files.setPosixFilePermissions(ctx.resolve("tool.sh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.writeString(ctx.resolve("plain.txt"), "p\n");
                Path arch = Files.createDirectories(tmp.resolve("arch-src/sub"));
                Files.writeString(arch.resolve("inner"), "in\n");
                Processes.check(tmp, "tar", "-czf", ctx.resolve("archive.tar.gz").toString(), "-C", tmp.resolve("arch-src").toString(), ".");
                Files.writeString(ctx.resolve("skip.tmp"), "ignored\n");
                Files.writeString(ctx.resolve(".dockerignore"), "*.tmp\n");
            }
            default -> {
            }
        }
        return ctx;
    }
}
